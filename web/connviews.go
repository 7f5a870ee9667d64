package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/schedule"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

// expiryWarning is how long before a key's expiry Connect starts warning.
const expiryWarning = 30 * 24 * time.Hour

// connectionState is the state badge. An active connection whose key or
// certificate has expired is shown as the error it is: its runs will fail.
func connectionState(c store.Connection, now time.Time) (label, kind string) {
	switch c.State {
	case store.ConnActive:
		if !c.KeyExpiresAt.IsZero() && !c.KeyExpiresAt.After(now) {
			if c.CredentialType == store.CredentialCertificate {
				return "Certificate expired", "red"
			}
			return "Key expired", "red"
		}
		return "Active", "green"
	case store.ConnPending:
		return "Validating", "blue"
	case store.ConnFailed:
		return "Validation failed", "red"
	case store.ConnDisabled:
		return "Disabled", "neutral"
	}
	return c.State, "neutral"
}

// keyExpiryBadge is empty when the expiry is unknown or far away.
func keyExpiryBadge(expires, now time.Time) (text, kind string) {
	if expires.IsZero() {
		return "", ""
	}
	days := int(expires.Sub(now).Hours() / 24)
	switch {
	case !expires.After(now):
		return "Key expired on " + expires.UTC().Format("2 Jan 2006"), "red"
	case expires.Sub(now) < expiryWarning:
		return fmt.Sprintf("Key expires in %d days", days), "amber"
	}
	return "", ""
}

func runState(state string) (label, kind string) {
	switch state {
	case store.RunQueued:
		return "Queued", "blue"
	case store.RunRunning:
		return "Running", "blue"
	case store.RunSucceeded:
		return "Succeeded", "green"
	case store.RunFailed:
		return "Failed", "red"
	case store.RunAwaitingApproval:
		return "Awaiting approval", "amber"
	case store.RunCancelled:
		return "Cancelled", "neutral"
	case store.RunInterrupted:
		return "Interrupted", "amber"
	}
	return state, "neutral"
}

var triggerLabels = map[string]string{
	store.TriggerSchedule: "scheduled", store.TriggerManual: "Sync now", store.TriggerValidation: "first sync after validation",
	store.TriggerStartup: "after a restart", store.TriggerFull: "full sync", store.TriggerPreview: "preview",
}

func stepStateLabel(state string) string {
	switch state {
	case "waiting":
		return "Waiting"
	case "running":
		return "Checking…"
	case "passed":
		return "Passed"
	case "warning":
		return "Passed, with a warning"
	case "failed":
		return "Failed"
	case "skipped":
		return "Not checked"
	}
	return state
}

// formatWhen is "2 hours ago (23 Nov 14:05 UTC)".
func formatWhen(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return relative(t, now) + " (" + t.UTC().Format("2 Jan 15:04 UTC") + ")"
}

func relative(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d.Minutes()), "minute")
	case d < 48*time.Hour:
		s = plural(int(d.Hours()), "hour")
	default:
		s = plural(int(d.Hours()/24), "day")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func (h *Handler) region(r *http.Request) (schedule.Region, error) {
	v, err := h.store.Setting(r.Context(), store.SettingRegion, string(schedule.Europe))
	if err != nil {
		return "", err
	}
	reg, err := schedule.ParseRegion(v)
	if err != nil {
		return schedule.Europe, nil
	}
	return reg, nil
}

func (h *Handler) runView(run store.Run, now time.Time) *templates.RunView {
	label, kind := runState(run.State)
	if run.Trigger == store.TriggerPreview && run.State == store.RunSucceeded {
		label, kind = "Preview: nothing applied", "blue"
	}
	v := &templates.RunView{ID: run.ID, StateLabel: label, StateKind: kind, Trigger: triggerLabels[run.Trigger], Error: run.Error,
		Active: run.State == store.RunQueued || run.State == store.RunRunning}
	switch run.State {
	case store.RunQueued:
		v.Started = "Queued " + relative(run.QueuedAt, now) + "."
		v.Summary = "Waiting for a worker."
	case store.RunRunning:
		v.Started = "Started " + relative(run.StartedAt, now) + "."
		v.Summary = fmt.Sprintf("%d pages fetched, %d objects processed so far.", run.Pages, run.ObjectsProcessed)
	default:
		v.Started = formatWhen(orTime(run.FinishedAt, run.QueuedAt), now) + "."
		v.Summary = changeSummary(run)
	}
	return v
}

// changeSummary says what a run changed in words, leaving out what it did
// not touch: "12 users added, 3 updated; 49 memberships added."
func changeSummary(run store.Run) string {
	kinds := []struct {
		name                    string
		added, updated, deleted int
	}{
		{"users", run.UsersAdded, run.UsersUpdated, run.UsersDeleted},
		{"groups", run.GroupsAdded, run.GroupsUpdated, run.GroupsDeleted},
		{"memberships", run.MembershipsAdded, 0, run.MembershipsDeleted},
	}
	var parts []string
	for _, k := range kinds {
		var p []string
		if k.added > 0 {
			p = append(p, fmt.Sprintf("%d added", k.added))
		}
		if k.updated > 0 {
			p = append(p, fmt.Sprintf("%d updated", k.updated))
		}
		if k.deleted > 0 {
			p = append(p, fmt.Sprintf("%d deleted", k.deleted))
		}
		if len(p) > 0 {
			parts = append(parts, k.name+": "+strings.Join(p, ", "))
		}
	}
	if len(parts) == 0 {
		if run.State == store.RunSucceeded {
			return "No changes."
		}
		return ""
	}
	if !run.Applied() {
		// A preview, or a run held, rejected or superseded: its counts are
		// a plan, not what happened.
		return "Nothing applied; would have changed " + strings.Join(parts, "; ") + "."
	}
	return strings.ToUpper(parts[0][:1]) + strings.Join(parts, "; ")[1:] + "."
}

// changeCounts is how many changes a run's record counts.
func changeCounts(run store.Run) int {
	return run.UsersAdded + run.UsersUpdated + run.UsersDeleted + run.GroupsAdded + run.GroupsUpdated + run.GroupsDeleted +
		run.MembershipsAdded + run.MembershipsDeleted
}

func orTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

func (h *Handler) summaryView(r *http.Request, c store.Connection) (templates.ConnectionSummaryView, error) {
	now := h.now()
	reg, err := h.region(r)
	if err != nil {
		return templates.ConnectionSummaryView{}, err
	}
	v := templates.ConnectionSummaryView{
		ID: c.ID, TenantDomain: c.TenantDomain, TenantID: c.TenantID, ApplicationID: c.ApplicationID,
		Cloud: h.cloudLabel(c.Cloud, c.AuthorityHost), KeyMasked: c.SecretHint + "•••••", KeySetOn: c.SecretSetAt.UTC().Format("2 Jan 2006"),
		KeyExpiryNote: c.KeyExpiryNote, Permissions: c.Permissions, Users: c.UserCount, Groups: c.GroupCount,
		Region: reg.Label(), RegionZone: reg.TimeZone(), CanEdit: viewerRole(r).Allows(auth.Admin),
		Disabled: c.State == store.ConnDisabled, Active: c.State == store.ConnActive,
		ValidationHref: "/connections/" + c.ID + "/validation", DeleteThreshold: c.DeleteThreshold,
	}
	v.StateLabel, v.StateKind = connectionState(c, now)
	if c.CredentialType == store.CredentialCertificate {
		v.KeyMasked = "certificate " + c.SecretHint
	}
	if !c.KeyExpiresAt.IsZero() {
		days := int(c.KeyExpiresAt.Sub(now).Hours() / 24)
		v.KeyExpiry, v.KeyExpiryKind = fmt.Sprintf("%s (%d days left)", c.KeyExpiresAt.UTC().Format("2 January 2006"), days), "green"
		if text, kind := keyExpiryBadge(c.KeyExpiresAt, now); text != "" {
			v.KeyExpiry, v.KeyExpiryKind = text+" ("+c.KeyExpiresAt.UTC().Format("2 January 2006")+")", kind
		}
	}
	if c.State == store.ConnActive {
		loc, _ := reg.Location()
		for _, t := range schedule.NextRuns(reg, now, 3) {
			v.NextRuns = append(v.NextRuns, templates.ScheduledTime{ISO: t.UTC().Format(time.RFC3339),
				Region: t.In(loc).Format("Mon 2 Jan, 15:04 MST"), UTC: t.UTC().Format("Mon 2 Jan, 15:04")})
		}
	}
	runs, err := h.store.LatestRuns(r.Context(), c.ID, 5, 0)
	if err != nil {
		return v, err
	}
	for _, run := range runs {
		rv := h.runView(run, now)
		if rv.Active && v.ActiveRun == nil {
			v.ActiveRun = rv
		} else if !rv.Active && v.LastRun == nil {
			v.LastRun = rv
		}
	}
	return v, nil
}
