# syntax=docker/dockerfile:1
# Build: a static binary, no cgo (modernc.org/sqlite is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=docker
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/connect ./cmd/connect \
 && mkdir -p /out/data

# Run: distroless static, as a non-root user, data on a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/connect /usr/local/bin/connect
# A new volume takes the owner of the image's directory: without this /data
# would be root's and the nonroot user could not create the database.
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV CONNECT_ADDR=0.0.0.0:8080 \
    CONNECT_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/connect", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/connect"]
CMD ["serve"]
