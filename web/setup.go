package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

func (h *Handler) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	valid, err := h.setupTokenUsable(r, token)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := h.page(r, "Create the first administrator", "")
	if !valid {
		h.render(w, r, http.StatusBadRequest, templates.SetupPage(p, templates.SetupView{Invalid: true}))
		return
	}
	h.render(w, r, http.StatusOK, templates.SetupPage(p, templates.SetupView{Token: token}))
}

func (h *Handler) setupTokenUsable(r *http.Request, token string) (bool, error) {
	if token == "" || len(token) > 128 {
		return false, nil
	}
	return h.store.SetupTokenValid(r.Context(), auth.HashToken(token), h.now())
}

func (h *Handler) setupSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	token := r.PostFormValue("token")
	v := templates.SetupView{Token: token, Email: field(r, "email"), Errors: templates.FieldErrors{}}
	p := h.page(r, "Create the first administrator", "")
	valid, err := h.setupTokenUsable(r, token)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if !valid {
		h.render(w, r, http.StatusBadRequest, templates.SetupPage(p, templates.SetupView{Invalid: true}))
		return
	}
	password := r.PostFormValue("password")
	addErr(v.Errors, "email", checkEmail(v.Email))
	addErr(v.Errors, "password", auth.CheckPasswordRules(password))
	if password != r.PostFormValue("password_confirm") {
		addErr(v.Errors, "password_confirm", "The two passwords are not the same.")
	}
	if len(v.Errors) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, templates.SetupPage(p, v))
		return
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	u, err := h.store.CreateFirstAdmin(r.Context(), auth.HashToken(token), h.now(), v.Email, hash)
	switch {
	case errors.Is(err, store.ErrSetupTokenInvalid):
		h.render(w, r, http.StatusBadRequest, templates.SetupPage(p, templates.SetupView{Invalid: true}))
		return
	case errors.Is(err, store.ErrConflict):
		v.Errors["email"] = "An account with this email address already exists. Sign in with it instead."
		h.render(w, r, http.StatusUnprocessableEntity, templates.SetupPage(p, v))
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	if err := h.sessions.RenewToken(r.Context()); err != nil {
		h.serverError(w, r, fmt.Errorf("renew session token: %w", err))
		return
	}
	h.sessions.Put(r.Context(), sessionUserID, u.ID)
	h.log.Info("first administrator created", "user_id", u.ID)
	h.auditAs(r, u.ID, u.Email, store.AuditUserAdded, u.Email+" (administrator)", "first administrator, with the one-time setup link")
	h.flash(r, "success", "Welcome to Connect. Your administrator account is ready: choose your account region, then connect your directory.")
	h.redirect(w, r, "/settings")
}
