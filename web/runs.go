package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

const (
	runsPageSize = 25
	logPageSize  = 200
)

func (h *Handler) runsPage(w http.ResponseWriter, r *http.Request) {
	c, ok := h.connection(w, r)
	if !ok {
		return
	}
	_, loc, err := h.regionZone(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	total, err := h.store.CountRuns(r.Context(), c.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	page := pageNumber(r, "page")
	runs, err := h.store.LatestRuns(r.Context(), c.ID, runsPageSize, (page-1)*runsPageSize)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	v := templates.RunsView{ConnectionID: c.ID, TenantDomain: c.TenantDomain, ConnectionHref: "/connections/" + c.ID,
		Pager: pager(r, "page", page, runsPageSize, total, "runs")}
	for i, run := range runs {
		rv := h.runView(run, now)
		row := templates.RunRow{ID: run.ID, Href: "/runs/" + run.ID, StateLabel: rv.StateLabel, StateKind: rv.StateKind,
			Trigger: rv.Trigger, Queued: timeView(run.QueuedAt, now, loc, fmt.Sprintf("queued-local-%d", i)),
			Duration: runDuration(run, now), Summary: rv.Summary, Error: run.Error}
		v.Live = v.Live || rv.Active
		v.Rows = append(v.Rows, row)
	}
	p := h.page(r, "Run history of "+c.TenantDomain, "status")
	if v.Live {
		p.Refresh = 10
	}
	h.render(w, r, http.StatusOK, templates.RunsPage(p, v))
}

// runDuration is how long a run took, or has been running.
func runDuration(run store.Run, now time.Time) string {
	if run.StartedAt.IsZero() {
		return "—"
	}
	end := run.FinishedAt
	if end.IsZero() {
		end = now
	}
	d := end.Sub(run.StartedAt).Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	if d < time.Hour {
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}

// logTimeView is a log line's time: as timeView, to the millisecond in the
// region's zone, since lines of one run are often within the same minute.
func logTimeView(t, now time.Time, loc *time.Location, localID string) templates.TimeView {
	v := timeView(t, now, loc, localID)
	if loc == nil {
		loc = time.UTC
	}
	v.Region = t.In(loc).Format("Mon 2 Jan, 15:04:05.000 MST")
	v.UTC = t.UTC().Format("15:04:05")
	return v
}

func (h *Handler) runDetailPage(w http.ResponseWriter, r *http.Request) {
	run, ok := h.runParam(w, r)
	if !ok {
		return
	}
	c, err := h.store.ConnectionByID(r.Context(), run.ConnectionID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	_, loc, err := h.regionZone(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	rv := h.runView(run, now)
	v := templates.RunDetailView{ID: run.ID, ConnectionHref: "/connections/" + c.ID, TenantDomain: c.TenantDomain,
		HistoryHref: "/connections/" + c.ID + "/runs", StateLabel: rv.StateLabel, StateKind: rv.StateKind, Trigger: rv.Trigger,
		FullSync: run.FullSync, Queued: timeView(run.QueuedAt, now, loc, "queued-local"),
		Started: timeViewPtr(run.StartedAt, now, loc, "started-local"), Finished: timeViewPtr(run.FinishedAt, now, loc, "finished-local"),
		Active: rv.Active, Requests: run.Requests, Retries: run.Retries, Throttled: run.Throttled, Pages: run.Pages,
		Objects: run.ObjectsProcessed, Error: run.Error,
		Counts: []templates.CountRow{
			{Kind: "Users", Added: run.UsersAdded, Updated: run.UsersUpdated, Deleted: run.UsersDeleted},
			{Kind: "Groups", Added: run.GroupsAdded, Updated: run.GroupsUpdated, Deleted: run.GroupsDeleted},
			{Kind: "Memberships", Added: run.MembershipsAdded, Deleted: run.MembershipsDeleted, NoUpdates: true},
		}}
	if !run.StartedAt.IsZero() {
		v.Duration = runDuration(run, now)
	}
	if rv.Active {
		v.Progress = h.runProgress(run, now)
	}
	if v.Approval, err = h.approvalView(r, run, c); err != nil {
		h.serverError(w, r, err)
		return
	}
	if v.Preview, err = h.previewView(r, run); err != nil {
		h.serverError(w, r, err)
		return
	}
	v.Applied = run.Applied() || changeCounts(run) == 0
	v.CanCancel = rv.Active && viewerRole(r).Allows(auth.Admin)
	if run.DecidedBy != "" && !run.DecidedAt.IsZero() {
		verb := "Rejected by "
		if run.State == store.RunSucceeded {
			verb = "Approved by "
		}
		v.Decision = verb + run.DecidedBy + ","
		v.DecidedAt = timeViewPtr(run.DecidedAt, now, loc, "decided-local")
	}
	if run.RequestedBy != 0 {
		if u, err := h.store.UserByID(r.Context(), run.RequestedBy); err == nil {
			v.RequestedBy = u.Email
		}
	}
	total, err := h.store.CountRunLogs(r.Context(), run.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	logPage := pageNumber(r, "log_page")
	lines, err := h.store.RunLogPage(r.Context(), run.ID, logPageSize, (logPage-1)*logPageSize)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, l := range lines {
		v.Log = append(v.Log, templates.LogLineView{Seq: l.Seq, At: logTimeView(l.At, now, loc, fmt.Sprintf("log-local-%d", l.Seq)),
			Level: l.Level, Message: l.Message})
	}
	v.LogPager = pager(r, "log_page", logPage, logPageSize, total, "log lines")
	p := h.page(r, "Run "+run.ID, "status")
	if rv.Active {
		p.Refresh = 5
	}
	h.render(w, r, http.StatusOK, templates.RunDetailPage(p, v))
}
