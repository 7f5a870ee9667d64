package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/health"
	"github.com/connect/connect/internal/schedule"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

const statusPageSize = 50

var healthLabels = map[health.Colour]string{health.Green: "Healthy", health.Amber: "Needs attention",
	health.Red: "Failing", health.Grey: "Not synchronizing"}

// connectionStatus is everything the status page and API say of one
// connection, gathered once so both say the same.
type connectionStatus struct {
	conn   store.Connection
	runs   store.RunOverview
	health health.Assessment
	next   time.Time // zero when no run is scheduled
	counts store.DirectoryCounts
	delta  store.DeltaLinks
}

// deltaLinkLifetime is how long Graph keeps a directory delta link usable
// without a run; after it, the next run must read the whole directory.
const deltaLinkLifetime = 7 * 24 * time.Hour

// deltaWarning is how long before that date the status page warns.
const deltaWarning = 48 * time.Hour

// deltaNote says when the delta links were renewed and when Graph will force
// a full resync, in the region's zone and the viewer's; Warn is set when that
// date is near or past.
func deltaNote(d store.DeltaLinks, now time.Time, loc *time.Location, row int) *templates.DeltaView {
	if d.RenewedAt.IsZero() {
		return &templates.DeltaView{None: true}
	}
	forced := d.RenewedAt.Add(deltaLinkLifetime)
	v := &templates.DeltaView{Renewed: timeView(d.RenewedAt, now, loc, fmt.Sprintf("delta-renewed-local-%d", row)),
		FullSync: timeViewPtr(d.FullSyncAt, now, loc, fmt.Sprintf("delta-full-local-%d", row))}
	switch {
	case !forced.After(now):
		v.Warn, v.Expired = true, true
	case forced.Sub(now) < deltaWarning:
		v.Warn = true
		v.Deadline = timeViewPtr(forced, now, loc, fmt.Sprintf("delta-deadline-local-%d", row))
	}
	return v
}

// statuses reads every directory connection with its runs and health.
func (h *Handler) statuses(ctx context.Context, reg schedule.Region, now time.Time) ([]connectionStatus, error) {
	conns, err := h.store.Connections(ctx, store.KindAzureDirectorySync)
	if err != nil {
		return nil, err
	}
	out := make([]connectionStatus, 0, len(conns))
	for _, c := range conns {
		o, err := h.store.ConnectionRunOverview(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		s := connectionStatus{conn: c, runs: o, health: health.ForConnection(c, o, now)}
		if s.counts, err = h.store.StoredCounts(ctx, c.ID); err != nil {
			return nil, err
		}
		if s.delta, err = h.store.DeltaState(ctx, c.ID); err != nil {
			return nil, err
		}
		if c.State == store.ConnActive {
			if next := schedule.NextRuns(reg, now, 1); len(next) == 1 {
				s.next = next[0]
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func (h *Handler) statusPage(w http.ResponseWriter, r *http.Request) {
	now := h.now()
	reg, loc, err := h.regionZone(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	all, err := h.statuses(r.Context(), reg, now)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	page := pageNumber(r, "page")
	v := templates.StatusView{Region: reg.Label(), RegionZone: reg.TimeZone(), CanConnect: viewerRole(r).Allows(auth.Admin),
		Pager: pager(r, "page", page, statusPageSize, len(all), "connections")}
	for _, l := range health.Rule {
		v.Rule = append(v.Rule, templates.HealthRuleLine{Colour: string(l.Colour), Label: healthLabels[l.Colour], Text: l.Text})
	}
	start := min((page-1)*statusPageSize, len(all))
	for i, s := range all[start:min(start+statusPageSize, len(all))] {
		row := templates.StatusRow{ID: s.conn.ID, TenantDomain: s.conn.TenantDomain, Health: string(s.health.Colour),
			HealthLabel: healthLabels[s.health.Colour], Counts: plural(s.counts.Users, "user") + ", " + plural(s.counts.Groups, "group") + ", " +
				plural(s.counts.Memberships, "membership")}
		if s.conn.State == store.ConnActive {
			row.Delta = deltaNote(s.delta, now, loc, i)
		}
		row.StateLabel, row.StateKind = connectionState(s.conn, now)
		for _, reason := range s.health.Reasons {
			row.Reasons = append(row.Reasons, reason.Text)
		}
		if s.runs.LastSuccess != nil {
			row.LastSuccess = timeViewPtr(s.runs.LastSuccess.FinishedAt, now, loc, fmt.Sprintf("last-success-local-%d", i))
		}
		row.NextSync = timeViewPtr(s.next, now, loc, fmt.Sprintf("next-sync-local-%d", i))
		if a := s.runs.Active; a != nil {
			v.Live = true
			row.Progress, row.RunHref = h.runProgress(*a, now), "/runs/"+a.ID
		}
		if f := s.runs.LastFinished; f != nil && f.Error != "" {
			row.LastError = f.Error
		}
		v.Rows = append(v.Rows, row)
	}
	if v.ServerRows, v.ServerPager, err = h.serverStatusRows(r, now); err != nil {
		h.serverError(w, r, err)
		return
	}
	p := h.page(r, "Status", "status")
	if v.Live {
		p.Refresh = 10
	}
	h.render(w, r, http.StatusOK, templates.StatusPage(p, v))
}

// runProgress is a queued or running run in a sentence, as the summary
// page says it.
func (h *Handler) runProgress(run store.Run, now time.Time) string {
	rv := h.runView(run, now)
	return rv.Started + " " + rv.Summary
}

// serverStatusRows rates the Office 365 server connections by the same rule
// as directory connections, as far as it applies: they do not synchronize,
// so a failed validation or an expired certificate is red, a certificate
// expiring within 30 days amber.
// They are paged apart from the directory connections (?servers_page=).
func (h *Handler) serverStatusRows(r *http.Request, now time.Time) ([]templates.ServerStatusRow, templates.PagerView, error) {
	conns, err := h.store.Connections(r.Context(), store.KindOffice365Server)
	if err != nil {
		return nil, templates.PagerView{}, err
	}
	page := pageNumber(r, "servers_page")
	start := min((page-1)*statusPageSize, len(conns))
	var rows []templates.ServerStatusRow
	for _, c := range conns[start:min(start+statusPageSize, len(conns))] {
		row := templates.ServerStatusRow{ID: c.ID, TenantDomain: c.TenantDomain, Association: associationLabel(c.Association)}
		row.StateLabel, row.StateKind = connectionState(c, now)
		row.Certificate, row.CertificateKind = certificateExpiry(c.KeyExpiresAt, now)
		colour, reason := serverHealth(c, now)
		row.Health, row.HealthLabel, row.Reason = string(colour), healthLabels[colour], reason
		if colour == health.Grey {
			row.HealthLabel = "Not in use"
		}
		rows = append(rows, row)
	}
	return rows, pager(r, "servers_page", page, statusPageSize, len(conns), "server connections"), nil
}

// serverHealth rates a server connection: a failed validation or an
// expired certificate is red, a certificate expiring within 30 days amber,
// a connection not in use grey.
func serverHealth(c store.Connection, now time.Time) (health.Colour, string) {
	switch {
	case c.State == store.ConnFailed:
		return health.Red, "The last validation failed: open the connection to see why."
	case c.State != store.ConnActive:
		return health.Grey, ""
	case !c.KeyExpiresAt.IsZero() && !c.KeyExpiresAt.After(now):
		return health.Red, "The certificate has expired: generate a new one and switch to it."
	case !c.KeyExpiresAt.IsZero() && c.KeyExpiresAt.Sub(now) < expiryWarning:
		return health.Amber, "The certificate expires within 30 days: rotate it."
	}
	return health.Green, ""
}

func associationLabel(a string) string {
	if a == "ews" {
		return "Exchange Web Services (legacy)"
	}
	return "Microsoft Graph"
}
