package web

import (
	"bytes"
	"errors"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// Session keys.
const (
	sessionUserID    = "user_id"
	sessionFlashKind = "flash_kind"
	sessionFlashText = "flash_text"
)

// page builds the layout's view. It pops the flash, so call it before
// anything is written: scs writes its cookie with the first byte.
func (h *Handler) page(r *http.Request, title, nav string) templates.Page {
	p := templates.Page{
		Title:     title,
		Nav:       nav,
		CSSURL:    h.assets.URL("app.css"),
		JSURL:     h.assets.URL("app.js"),
		RequestID: middleware.GetReqID(r.Context()),
	}
	if u := viewer(r); u != nil {
		role := viewerRole(r)
		p.User = &templates.Viewer{Email: u.Email, RoleLabel: role.Label(), IsAdmin: role == auth.Admin}
	}
	if sessionLoaded(r) {
		if msg := h.sessions.PopString(r.Context(), sessionFlashText); msg != "" {
			p.Flash = templates.Flash{Kind: h.sessions.PopString(r.Context(), sessionFlashKind), Message: msg}
		}
	}
	return p
}

// sessionLoaded is false outside the session middleware (static files,
// health checks, early refusals), where scs would panic on a session access.
func sessionLoaded(r *http.Request) bool {
	return r.Context().Value(sessionsOnKey{}) != nil
}

// flash stores a message for the next page.
func (h *Handler) flash(r *http.Request, kind, msg string) {
	h.sessions.Put(r.Context(), sessionFlashKind, kind)
	h.sessions.Put(r.Context(), sessionFlashText, msg)
}

// renderBuffers keeps page buffers between requests: growing a fresh one
// to a page's size on every view was a tenth of a busy page's CPU.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps one unusually large page from pinning its buffer.
const maxPooledBuffer = 256 << 10

// render writes a component only once it has rendered completely, so a
// failure half-way still becomes a proper error page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		h.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// redirect after a successful post (303, so a reload does not post again).
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// statusClientClosedRequest is the status logged for a request its client
// gave up on before the answer (as nginx logs it): nobody reads the answer.
const statusClientClosedRequest = 499

// abandoned answers a request whose client went away (a closed tab, a
// timed-out poll) and reports whether it did: what failed was then waiting
// on the request's context, which is no error on our side, so it is logged
// as information, not as a server error an operator should look into.
func (h *Handler) abandoned(w http.ResponseWriter, r *http.Request, err error) bool {
	if r.Context().Err() == nil {
		return false
	}
	h.log.Info("request abandoned by the client", "request_id", middleware.GetReqID(r.Context()),
		"method", r.Method, "path", r.URL.Path, "err", err)
	w.WriteHeader(statusClientClosedRequest)
	return true
}

// serverError logs the whole error with the request ID and shows a plain
// page with that ID, never the error text.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if h.abandoned(w, r, err) {
		return
	}
	id := middleware.GetReqID(r.Context())
	h.log.Error("server error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	p := h.page(r, "Something went wrong", "")
	p.Flash = templates.Flash{}
	var buf bytes.Buffer
	view := templates.ErrorView{Status: 500, Heading: "Something went wrong on our side",
		Message: "Nothing you did caused this, and nothing was changed. Try again in a moment.", RequestID: id}
	if rerr := templates.ErrorPage(p, view).Render(r.Context(), &buf); rerr != nil {
		http.Error(w, "Internal Server Error (reference "+id+")", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = buf.WriteTo(w)
}

// clientError shows what the person can do about a refused request.
func (h *Handler) clientError(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	p := h.page(r, heading, "")
	h.render(w, r, status, templates.ErrorPage(p, templates.ErrorView{Status: status, Heading: heading, Message: message}))
}

// lookupFailed answers a failed look-up — 404 when the thing does not exist,
// 500 otherwise — and reports whether it answered.
func (h *Handler) lookupFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		h.notFound(w, r)
	default:
		h.serverError(w, r, err)
	}
	return true
}

func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request) {
	h.clientError(w, r, http.StatusForbidden, "You don't have access to this",
		"Your account is a helpdesk account: it can look at status, history and the directory, but not change anything. Ask an administrator if you need to.")
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.clientError(w, r, http.StatusNotFound, "Page not found",
		"There is nothing at this address. It may have been deleted, or the link may be mistyped.")
}

func (h *Handler) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	h.clientError(w, r, http.StatusMethodNotAllowed, "That action is not available here",
		"This address does not accept that kind of request. Go back and use the buttons on the page.")
}
