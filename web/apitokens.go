package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// tokenHintLength is how much of a token the Settings page shows, enough
// to tell tokens apart and nowhere near enough to guess one (32 random bytes).
const tokenHintLength = 6

// apiTokenRows lists the tokens for the Settings page.
func (h *Handler) apiTokenRows(r *http.Request) ([]templates.APITokenRow, error) {
	tokens, err := h.store.APITokens(r.Context())
	if err != nil {
		return nil, err
	}
	now := h.now()
	var out []templates.APITokenRow
	for _, t := range tokens {
		row := templates.APITokenRow{ID: t.ID, Name: t.Name, Hint: t.Hint, CreatedAt: t.CreatedAt.UTC().Format("2 Jan 2006")}
		if !t.LastUsedAt.IsZero() {
			row.LastUsed = formatWhen(t.LastUsedAt, now)
		}
		if !t.RevokedAt.IsZero() {
			row.Revoked = t.RevokedAt.UTC().Format("2 Jan 2006")
		}
		out = append(out, row)
	}
	return out, nil
}

// apiTokenCreate makes a token and shows it on this answer only: it is not
// put in the session or the flash, so it is never stored anywhere in full.
func (h *Handler) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	name := strings.TrimSpace(field(r, "name"))
	v := templates.SettingsView{TokenName: name}
	switch {
	case name == "":
		v.TokenErrors = templates.FieldErrors{"name": "Enter a name, such as the monitoring tool that will use the token."}
	case len(name) > 100:
		v.TokenErrors = templates.FieldErrors{"name": "Use a name of 100 characters or fewer."}
	}
	if v.TokenErrors != nil {
		h.renderSettingsWithRegion(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	t, err := h.store.CreateAPIToken(r.Context(), name, hash, token[:tokenHintLength], viewer(r).ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.audit(r, store.AuditTokenCreated, "API token "+strconv.FormatInt(t.ID, 10)+" "+name, "")
	v = templates.SettingsView{NewToken: token, NewTokenName: name}
	h.renderSettingsWithRegion(w, r, http.StatusCreated, v)
}

func (h *Handler) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r)
		return
	}
	t, err := h.store.RevokeAPIToken(r.Context(), id)
	if h.lookupFailed(w, r, err) {
		return
	}
	h.audit(r, store.AuditTokenRevoked, "API token "+strconv.FormatInt(t.ID, 10)+" "+t.Name, "")
	h.flash(r, "success", "The API token \""+t.Name+"\" is revoked: requests with it are refused from now on.")
	h.redirect(w, r, "/settings")
}
