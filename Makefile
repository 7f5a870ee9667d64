# Connect — every task a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
# go.mod names the toolchain with the standard library's security fixes
# (toolchain line); "auto" lets an older local Go fetch it from the module
# proxy instead of building with a Go that govulncheck rightly refuses.
export GOTOOLCHAIN ?= auto
BIN       := bin
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
PKGS      := ./...

.PHONY: bench bench-quick build-all help run demo generate check-generated fmt-check lint vet test test-go browser-deps bench audit vulndb build clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: ## run Connect on http://127.0.0.1:8080 with its database in ./data
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/connect serve

demo: ## the emulator with a generated tenant and Connect wired to it; prints what to type
	@bash scripts/demo.sh

generate: ## regenerate templ components
	$(GO) tool templ generate

check-generated: ## fail if the committed templ output is not current
	@$(GO) tool templ generate >/dev/null
	@git diff --exit-code -- '*_templ.go' || (echo "templ output is stale: run 'make generate' and commit" && exit 1)
	@test -z "$$(git ls-files --others --exclude-standard -- '*_templ.go')" || (echo "new templ output is not committed:"; git ls-files --others --exclude-standard -- '*_templ.go'; exit 1)

fmt-check: ## fail if gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>&1); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet
	$(GO) vet $(PKGS)

lint: fmt-check vet ## gofmt check and go vet

CHROMIUM ?= /usr/bin/chromium

browser-deps: ## install Debian's Chromium for the browser tests when missing
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Installing Chromium for the browser tests (Debian package chromium)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	fi
	@"$(CHROMIUM)" --version

TALLY_FILE := $(CURDIR)/testoutput/tallies.txt

test-go: browser-deps ## unit, integration and browser tests with the race detector
	@mkdir -p testoutput && rm -f $(TALLY_FILE)
	CONNECT_TALLY_FILE=$(TALLY_FILE) CONNECT_BROWSER_TESTS=required CONNECT_CHROMIUM=$(CHROMIUM) $(GO) test -race -count=1 $(PKGS)
	@if [ -s $(TALLY_FILE) ]; then echo "Reliability figures:"; sed 's/^/  /' $(TALLY_FILE); fi

test: fmt-check vet check-generated audit test-go ## everything CI runs
	@echo "make test: all checks passed"

bench: build-all ## sync a 100,000-user tenant, then load pages; prints a table, writes bench/results/*.json
	$(BIN)/connect-bench --users 100000 --groups 10000

bench-quick: build-all ## the same with 10,000 users, in under a minute
	$(BIN)/connect-bench --users 10000 --groups 1000 --load-for 5s

build-all:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/connect ./cmd/connect
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/entra-emulator ./cmd/entra-emulator
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/connect-bench ./cmd/connect-bench

# govulncheck's database. vuln.go.dev is out of reach, but the Go module proxy
# serves golang.org/x/vulndb, whose data/osv holds the entries; cmd/vulndb-index
# indexes them into the layout govulncheck reads from file://. Pinned, so CI is
# reproducible: move VULNDB_VERSION forward with
#   go list -m -json golang.org/x/vulndb@latest
# A set GOVULNDB (e.g. https://vuln.go.dev or file:///path) is used instead.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_DIR     := $(CURDIR)/$(BIN)/vulndb/$(VULNDB_VERSION)

ifeq ($(GOVULNDB),)
AUDIT_DB := file://$(VULNDB_DIR)
audit: $(VULNDB_DIR)/index/modules.json
else
AUDIT_DB := $(GOVULNDB)
endif

vulndb: $(VULNDB_DIR)/index/modules.json ## build govulncheck's database from golang.org/x/vulndb (once per version)

# Rebuilt when VULNDB_VERSION (so the path) or the indexer changes.
$(VULNDB_DIR)/index/modules.json: cmd/vulndb-index/main.go
	@set -euo pipefail; \
	dl=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION)); \
	dir=$$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$$/\1/p' <<<"$$dl"); \
	info=$$(sed -n 's/^[[:space:]]*"Info": "\(.*\)",\{0,1\}$$/\1/p' <<<"$$dl"); \
	if [ -z "$$dir" ] || [ ! -d "$$dir/data/osv" ]; then echo "go mod download golang.org/x/vulndb@$(VULNDB_VERSION) gave no data/osv:"; echo "$$dl"; exit 1; fi; \
	modified=$$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$$info"); \
	find $(BIN)/vulndb -mindepth 1 -maxdepth 1 ! -name $(VULNDB_VERSION) -exec rm -rf {} + 2>/dev/null || true; \
	$(GO) run ./cmd/vulndb-index -src "$$dir/data/osv" -out $(VULNDB_DIR) $${modified:+-modified "$$modified"}

audit: ## staticcheck, and govulncheck against golang.org/x/vulndb from the module proxy (or GOVULNDB if set)
	$(GO) tool staticcheck ./...
	$(GO) tool govulncheck -db "$(AUDIT_DB)" ./...

build: ## a static binary in bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/connect ./cmd/connect

clean: ## remove build output
	rm -rf $(BIN) testoutput
