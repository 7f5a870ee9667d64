package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if viewer(r) != nil {
		h.redirect(w, r, "/")
		return
	}
	v := templates.LoginView{Next: safeNext(r.URL.Query().Get("next"))}
	h.render(w, r, http.StatusOK, templates.LoginPage(h.page(r, "Sign in", ""), v))
}

// signInRefused is the same for an unknown account and a wrong password, so
// the page does not reveal which accounts exist.
const signInRefused = "The email address or password is not right. Check both and try again."

func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	email := field(r, "email")
	password := r.PostFormValue("password")
	v := templates.LoginView{Email: email, Next: safeNext(r.PostFormValue("next"))}
	addr := middleware.GetClientIP(r.Context())
	now := h.now()
	fail := func(status int, msg string) {
		v.Error = msg
		h.render(w, r, status, templates.LoginPage(h.page(r, "Sign in", ""), v))
	}
	if blocked, wait := h.throttle.Blocked(email, addr, now); blocked {
		h.log.Warn("sign-in throttled", "email", email, "client", addr)
		h.auditAs(r, 0, "", store.AuditSignInFailed, email, "refused: too many failed sign-ins")
		fail(http.StatusTooManyRequests, fmt.Sprintf(
			"Too many failed sign-ins. For your account's safety, wait %s before trying again.", minutes(wait)))
		return
	}
	if email == "" || password == "" {
		fail(http.StatusUnprocessableEntity, "Enter your email address and password.")
		return
	}
	u, err := h.store.UserByEmail(r.Context(), email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		auth.SpendEqualTime(password)
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	ok := false
	if err == nil {
		ok, err = auth.VerifyPassword(u.PasswordHash, password)
		if err != nil {
			h.serverError(w, r, fmt.Errorf("verify password of user %d: %w", u.ID, err))
			return
		}
	}
	if !ok || u.Disabled {
		h.throttle.Fail(email, addr, now)
		h.log.Info("sign-in failed", "email", email, "client", addr)
		h.auditAs(r, 0, "", store.AuditSignInFailed, email, "wrong email address or password, or a disabled account")
		fail(http.StatusUnauthorized, signInRefused)
		return
	}
	h.throttle.Succeed(email)
	// A new token at sign-in defeats session fixation.
	if err := h.sessions.RenewToken(r.Context()); err != nil {
		h.serverError(w, r, fmt.Errorf("renew session token: %w", err))
		return
	}
	h.sessions.Put(r.Context(), sessionUserID, u.ID)
	if err := h.store.RecordSignIn(r.Context(), u.ID, now); err != nil {
		h.log.Warn("record sign-in", "err", err)
	}
	h.log.Info("signed in", "user_id", u.ID, "client", addr)
	h.auditAs(r, u.ID, u.Email, store.AuditSignIn, "", "")
	h.redirect(w, r, orDefault(v.Next, "/"))
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if viewer(r) != nil {
		h.audit(r, store.AuditSignOut, "", "")
	}
	if err := h.sessions.RenewToken(r.Context()); err != nil {
		h.serverError(w, r, fmt.Errorf("renew session token: %w", err))
		return
	}
	h.sessions.Remove(r.Context(), sessionUserID)
	h.flash(r, "info", "You have signed out.")
	h.redirect(w, r, "/login")
}

// safeNext keeps only local paths, so /login?next= cannot send people to
// another site after they sign in.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, "/login") || len(next) > 2048 {
		return ""
	}
	return next
}

func minutes(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
