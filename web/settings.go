package web

import (
	"net/http"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/schedule"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// regionOptions are the account regions with the zone each schedule follows.
func regionOptions() []templates.Option {
	var out []templates.Option
	for _, r := range schedule.Regions() {
		out = append(out, templates.Option{Value: string(r), Label: r.Label(), Hint: r.TimeZone() + " time"})
	}
	return out
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request) {
	h.renderSettingsWithRegion(w, r, http.StatusOK, templates.SettingsView{})
}

// renderSettingsWithRegion shows the page with the stored region, for the
// forms on it other than the region's own.
func (h *Handler) renderSettingsWithRegion(w http.ResponseWriter, r *http.Request, status int, v templates.SettingsView) {
	region, err := h.store.Setting(r.Context(), store.SettingRegion, string(schedule.Europe))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v.Region = region
	h.renderSettings(w, r, status, v)
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, status int, v templates.SettingsView) {
	v.Regions = regionOptions()
	v.CanEdit = viewerRole(r).Allows(auth.Admin)
	if v.CanEdit {
		var err error
		if v.Tokens, v.TokensPager, err = h.apiTokenRows(r); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	h.render(w, r, status, templates.SettingsPage(h.page(r, "Settings", "settings"), v))
}

func (h *Handler) settingsSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	region := field(r, "region")
	if _, err := schedule.ParseRegion(region); err != nil {
		h.renderSettings(w, r, http.StatusUnprocessableEntity, templates.SettingsView{Region: region,
			Errors: templates.FieldErrors{"region": "Choose the region where your account is held: Europe, North America, South Africa or Australia."}})
		return
	}
	if err := h.store.SetSetting(r.Context(), store.SettingRegion, region); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("settings changed", "by", viewer(r).ID, "region", region)
	h.audit(r, store.AuditSettingsChanged, "Account region", "region "+region)
	h.flash(r, "success", "Settings saved. Scheduled synchronizations follow the new region's time zone.")
	h.redirect(w, r, "/settings")
}
