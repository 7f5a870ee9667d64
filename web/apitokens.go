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

// tokensPageSize is how many API tokens the Settings page lists at once.
const tokensPageSize = 25

// apiTokenRows lists a page of the tokens for the Settings page (?tokens_page=),
// with their dates in the region's zone and the viewer's.
func (h *Handler) apiTokenRows(r *http.Request) ([]templates.APITokenRow, templates.PagerView, error) {
	page := pageNumber(r, "tokens_page")
	tokens, total, err := h.store.APITokensPage(r.Context(), tokensPageSize, (page-1)*tokensPageSize)
	if err != nil {
		return nil, templates.PagerView{}, err
	}
	_, loc, err := h.regionZone(r)
	if err != nil {
		return nil, templates.PagerView{}, err
	}
	now := h.now()
	var out []templates.APITokenRow
	for _, t := range tokens {
		id := strconv.FormatInt(t.ID, 10)
		out = append(out, templates.APITokenRow{ID: t.ID, Name: t.Name, Hint: t.Hint,
			CreatedAt: timeView(t.CreatedAt, now, loc, "token-created-local-"+id),
			LastUsed:  timeViewPtr(t.LastUsedAt, now, loc, "token-used-local-"+id),
			Revoked:   timeViewPtr(t.RevokedAt, now, loc, "token-revoked-local-"+id)})
	}
	return out, pager(r, "tokens_page", page, tokensPageSize, total, "tokens"), nil
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
