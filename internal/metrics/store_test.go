package metrics

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/connect/connect/internal/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func addConnection(t *testing.T, st *store.Store, id, domain string) {
	t.Helper()
	if err := st.CreateConnection(context.Background(), store.NewConnection{ID: id, Kind: store.KindAzureDirectorySync,
		Cloud: "default", AuthorityHost: "a", GraphURL: "g", TenantDomain: domain, ApplicationID: "app"}); err != nil {
		t.Fatal(err)
	}
}

// addRun records a run as the worker would have left it: seconds < 0 means
// it never started; users is how many users it added (or planned to).
func addRun(t *testing.T, st *store.Store, conn, id, trigger, state string, seconds, users int) {
	t.Helper()
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	var started, finished any
	if seconds >= 0 {
		started = start.Format(time.RFC3339Nano)
		if state != store.RunRunning {
			finished = start.Add(time.Duration(seconds) * time.Second).Format(time.RFC3339Nano)
		}
	}
	if _, err := st.Writer.Exec(`INSERT INTO runs (id, connection_id, trigger, state, queued_at, started_at, finished_at,
		users_added, groups_deleted, memberships_added, requests) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		id, conn, trigger, state, start.Format(time.RFC3339Nano), started, finished, users, users, users); err != nil {
		t.Fatal(err)
	}
}

func setState(t *testing.T, st *store.Store, id, state string) {
	t.Helper()
	if _, err := st.Writer.Exec(`UPDATE runs SET state = ? WHERE id = ?`, state, id); err != nil {
		t.Fatal(err)
	}
}

// series reads one family as label value (of label) → value.
func series(t *testing.T, m *Metrics, name, label string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, s := range family(t, m, name).GetMetric() {
		key := ""
		for _, l := range s.GetLabel() {
			if l.GetName() == label {
				key = l.GetValue()
			}
		}
		switch {
		case s.GetCounter() != nil:
			out[key] = s.GetCounter().GetValue()
		case s.GetGauge() != nil:
			out[key] += s.GetGauge().GetValue()
		}
	}
	return out
}

// TestRunSeriesCountOutcomesAndAppliedChanges seeds one run of every kind
// that may be recorded and checks what each series counts of them.
func TestRunSeriesCountOutcomesAndAppliedChanges(t *testing.T) {
	st := openStore(t)
	for _, c := range []string{"c1", "c2", "c3"} {
		addConnection(t, st, c, c+".example.com")
	}
	runs := []struct {
		conn, id, trigger, state string
		seconds, users           int
	}{
		{"c1", "ok", store.TriggerSchedule, store.RunSucceeded, 3, 10},
		{"c1", "approved", store.TriggerManual, store.RunSucceeded, 45, 100},
		{"c1", "preview", store.TriggerPreview, store.RunSucceeded, 2, 1000},
		{"c1", "failed", store.TriggerSchedule, store.RunFailed, 4000, 0},
		{"c1", "rejected", store.TriggerSchedule, store.RunCancelled, 30, 10000},
		{"c1", "interrupted", store.TriggerSchedule, store.RunInterrupted, 90000, 0},
		{"c1", "held", store.TriggerSchedule, store.RunAwaitingApproval, 20, 100000},
		{"c2", "running", store.TriggerManual, store.RunRunning, 0, 0},
		{"c3", "queued", store.TriggerSchedule, store.RunQueued, -1, 0},
	}
	for _, r := range runs {
		addRun(t, st, r.conn, r.id, r.trigger, r.state, r.seconds, r.users)
	}
	m := New(st, nil)

	wantOutcomes := map[string]float64{"succeeded": 3, "failed": 1, "cancelled": 1, "interrupted": 1}
	if got := series(t, m, "connect_sync_runs_total", "state"); !equal(got, wantOutcomes) {
		t.Errorf("connect_sync_runs_total = %v, want %v (outcomes only)", got, wantOutcomes)
	}
	wantNow := map[string]float64{"queued": 1, "running": 1, "awaiting_approval": 1}
	if got := series(t, m, "connect_sync_runs", "state"); !equal(got, wantNow) {
		t.Errorf("connect_sync_runs = %v, want %v", got, wantNow)
	}
	// Only "ok" and "approved" changed the directory: 10 + 100 of each kind.
	wantObjects := map[string]float64{"users": 110, "groups": 110, "memberships": 110}
	if got := series(t, m, "connect_sync_objects_total", "kind"); !equal(got, wantObjects) {
		t.Errorf("connect_sync_objects_total = %v, want %v (applied runs only)", got, wantObjects)
	}
	// Succeeded and failed runs are timed: 3, 45, 2 and 4000 seconds.
	h := family(t, m, "connect_sync_run_duration_seconds").GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 4 || h.GetSampleSum() < 4049.9 || h.GetSampleSum() > 4050.1 {
		t.Errorf("durations: count %d sum %f, want 4 and 4050", h.GetSampleCount(), h.GetSampleSum())
	}
	wantBuckets := map[float64]uint64{1: 0, 5: 2, 60: 3, 3600: 3}
	for _, b := range h.GetBucket() {
		if want, checked := wantBuckets[b.GetUpperBound()]; checked && b.GetCumulativeCount() != want {
			t.Errorf("bucket ≤ %v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	if got := series(t, m, "connect_graph_requests_total", ""); got[""] != float64(len(runs)) {
		t.Errorf("requests = %v, want %d (every run's traffic)", got, len(runs))
	}
}

// TestRunCountersOnlyGrow follows runs through their states, scraping after
// each step: no counter may go down while runs move on.
func TestRunCountersOnlyGrow(t *testing.T) {
	st := openStore(t)
	addConnection(t, st, "c1", "c1.example.com")
	m := New(st, nil)
	steps := []struct {
		name string
		do   func()
	}{
		{"queued", func() { addRun(t, st, "c1", "r1", store.TriggerSchedule, store.RunQueued, -1, 5) }},
		{"running", func() { setState(t, st, "r1", store.RunRunning) }},
		{"held", func() { setState(t, st, "r1", store.RunAwaitingApproval) }},
		{"approved", func() { setState(t, st, "r1", store.RunSucceeded) }},
		{"second queued", func() { addRun(t, st, "c1", "r2", store.TriggerSchedule, store.RunQueued, -1, 7) }},
		{"second running", func() { setState(t, st, "r2", store.RunRunning) }},
		{"second held", func() { setState(t, st, "r2", store.RunAwaitingApproval) }},
		{"second rejected", func() { setState(t, st, "r2", store.RunCancelled) }},
	}
	prev := map[string]float64{}
	for _, step := range steps {
		step.do()
		now := map[string]float64{}
		for state, v := range series(t, m, "connect_sync_runs_total", "state") {
			now["runs "+state] = v
		}
		for kind, v := range series(t, m, "connect_sync_objects_total", "kind") {
			now["objects "+kind] = v
		}
		for k, v := range prev {
			if now[k] < v {
				t.Errorf("%s: %s went down from %v to %v", step.name, k, v, now[k])
			}
		}
		prev = now
	}
	if prev["runs succeeded"] != 1 || prev["runs cancelled"] != 1 || prev["objects users"] != 5 {
		t.Errorf("at the end: %v, want 1 succeeded, 1 cancelled, 5 users applied", prev)
	}
}

func TestDirectoryObjectsPerConnection(t *testing.T) {
	st := openStore(t)
	addConnection(t, st, "c1", "one.example.com")
	addConnection(t, st, "c2", "two.example.com")
	if _, err := st.Writer.Exec(`INSERT INTO dir_counts (connection_id, users, groups, memberships, counted_at)
		VALUES ('c1', 12, 4, 30, '2026-11-23T08:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	m := New(st, nil)
	got := map[string]float64{}
	for _, s := range family(t, m, "connect_directory_objects").GetMetric() {
		got[labelsOf(s)["connection"]+" "+labelsOf(s)["tenant_domain"]+" "+labelsOf(s)["kind"]] = s.GetGauge().GetValue()
	}
	want := map[string]float64{
		"c1 one.example.com users": 12, "c1 one.example.com groups": 4, "c1 one.example.com memberships": 30,
		"c2 two.example.com users": 0, "c2 two.example.com groups": 0, "c2 two.example.com memberships": 0,
	}
	if !equal(got, want) {
		t.Errorf("connect_directory_objects = %v, want %v", got, want)
	}
}

func labelsOf(s *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range s.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func equal(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
