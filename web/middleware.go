package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
)

// maxFormBytes bounds every request body: our largest form is a few KB, and
// a 1 MB password must be refused before anything parses it.
const maxFormBytes = 64 << 10

const contentSecurityPolicy = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

func (h *Handler) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if h.secure {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests that a browser marks as coming
// from another origin (Sec-Fetch-Site, or Origin vs Host).
func (h *Handler) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.log.Warn("cross-origin request refused", "request_id", middleware.GetReqID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		h.clientError(w, r, http.StatusForbidden, "Request refused",
			"This request came from another site, so Connect refused it. If you clicked a button in Connect, reload the page and try again.")
	}))
	return cop.Handler(next)
}

func (h *Handler) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		}
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		level := slog.LevelInfo
		if ww.Status() >= 500 {
			level = slog.LevelError
		}
		// Only the path is logged: query strings may carry a setup token.
		h.log.Log(r.Context(), level, "request",
			"request_id", middleware.GetReqID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "status", ww.Status(),
			"bytes", ww.BytesWritten(), "duration_ms", time.Since(start).Milliseconds(),
			"client", middleware.GetClientIP(r.Context()))
	})
}

// recoverPanics turns a panic into our 500 page with a request ID; the stack
// goes to the log only.
func (h *Handler) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec)
			}
			h.log.Error("panic", "request_id", middleware.GetReqID(r.Context()), "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			h.serverError(w, r, errors.New("panic while serving request"))
		}()
		next.ServeHTTP(w, r)
	})
}

type viewerKey struct{}

// sessionsOnKey marks a request that went through the session middleware.
type sessionsOnKey struct{}

// loadViewer reads the signed-in account on every request, so disabling an
// account or changing its role takes effect at once, everywhere.
func (h *Handler) loadViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), sessionsOnKey{}, true))
		id := h.sessions.GetInt64(r.Context(), sessionUserID)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		u, err := h.store.UserByID(r.Context(), id)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled):
			if err := h.sessions.Destroy(r.Context()); err != nil {
				h.serverError(w, r, fmt.Errorf("end session of disabled user: %w", err))
				return
			}
			next.ServeHTTP(w, r)
			return
		case err != nil:
			h.serverError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), viewerKey{}, &u)))
	})
}

// viewer is the signed-in account, or nil.
func viewer(r *http.Request) *store.User {
	u, _ := r.Context().Value(viewerKey{}).(*store.User)
	return u
}

func viewerRole(r *http.Request) auth.Role {
	u := viewer(r)
	if u == nil {
		return auth.Public
	}
	role, err := auth.ParseRole(u.Role)
	if err != nil {
		return auth.Public
	}
	return role
}
