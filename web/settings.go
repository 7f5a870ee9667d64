package web

import (
	"net/http"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// regionOptions are the account regions of SPEC.md and the zones their
// schedule follows.
var regionOptions = []templates.Option{
	{Value: "europe", Label: "Europe", Hint: "Europe/London time"},
	{Value: "north_america", Label: "North America", Hint: "America/New_York time"},
	{Value: "south_africa", Label: "South Africa", Hint: "Africa/Johannesburg time"},
	{Value: "australia", Label: "Australia", Hint: "Australia/Sydney time"},
}

const defaultRegion = "europe"

func validRegion(v string) bool {
	for _, o := range regionOptions {
		if o.Value == v {
			return true
		}
	}
	return false
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request) {
	region, err := h.store.Setting(r.Context(), store.SettingRegion, defaultRegion)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.renderSettings(w, r, http.StatusOK, templates.SettingsView{Region: region})
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, status int, v templates.SettingsView) {
	v.Regions = regionOptions
	v.CanEdit = viewerRole(r).Allows(auth.Admin)
	h.render(w, r, status, templates.SettingsPage(h.page(r, "Settings", "settings"), v))
}

func (h *Handler) settingsSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	region := field(r, "region")
	if !validRegion(region) {
		h.renderSettings(w, r, http.StatusUnprocessableEntity, templates.SettingsView{Region: region,
			Errors: templates.FieldErrors{"region": "Choose the region where your account is held: Europe, North America, South Africa or Australia."}})
		return
	}
	if err := h.store.SetSetting(r.Context(), store.SettingRegion, region); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("settings changed", "by", viewer(r).ID, "region", region)
	h.flash(r, "success", "Settings saved. Scheduled synchronizations follow the new region's time zone.")
	h.redirect(w, r, "/settings")
}
