package worker_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/secrets"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/internal/worker"
)

type fixture struct {
	t    *testing.T
	srv  *emulatortest.Server
	st   *store.Store
	conn string
	opts worker.Options
}

// newFixture starts an emulated tenant and a store holding one active
// connection to it, with its key sealed as the wizard seals it.
func newFixture(t *testing.T, emu emulatortest.Options) *fixture {
	t.Helper()
	srv := emulatortest.Start(t, emu)
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secrets.NewSealer(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, srv: srv, st: st, opts: worker.Options{
		Store: st, Sealer: sealer, Clients: entra.NewClients(srv.Client), Workers: 2,
		PollInterval: 20 * time.Millisecond, ScheduleInterval: time.Hour,
		GraphOptions: []graph.Option{graph.WithBackoff(time.Millisecond, 20*time.Millisecond)},
	}}
	f.conn = f.addConnection(srv)
	return f
}

// addConnection stores an active connection to an emulated tenant.
func (f *fixture) addConnection(srv *emulatortest.Server) string {
	f.t.Helper()
	ctx := f.t.Context()
	id := store.NewID()
	sealed, err := f.opts.Sealer.Seal([]byte(srv.Tenant.Secret), "connections/"+id+"/secret")
	if err != nil {
		f.t.Fatal(err)
	}
	err = f.st.CreateConnection(ctx, store.NewConnection{ID: id, Kind: store.KindAzureDirectorySync, Cloud: "default",
		AuthorityHost: srv.URL, GraphURL: srv.URL, TenantDomain: srv.Tenant.Domain, ApplicationID: srv.Tenant.AppID,
		SecretSealed: sealed, SecretHint: srv.Tenant.Secret[:3]})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.SetConnectionState(ctx, id, store.ConnActive); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// start runs a worker until the test ends (or stop is called) and returns
// stop, which cancels it and waits for Run to return.
func (f *fixture) start(opts worker.Options) (*worker.Worker, func()) {
	f.t.Helper()
	w, err := worker.New(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			f.t.Errorf("worker.Run: %v", err)
		}
	}
	f.t.Cleanup(stop)
	return w, stop
}

// waitRun polls until the run reaches a state other than queued and
// running. The generous limit only keeps a broken test from hanging; no
// assertion depends on timing.
func (f *fixture) waitRun(id string) store.Run {
	f.t.Helper()
	for range 3000 {
		r, err := f.st.RunByID(context.Background(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		if r.State != store.RunQueued && r.State != store.RunRunning {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.t.Fatalf("run %s did not finish", id)
	return store.Run{}
}

// latestRun is the connection's newest run.
func (f *fixture) latestRun() store.Run {
	f.t.Helper()
	runs, err := f.st.LatestRuns(context.Background(), f.conn, 1, 0)
	if err != nil || len(runs) == 0 {
		f.t.Fatalf("latest run: %v (%d runs)", err, len(runs))
	}
	return runs[0]
}

func TestSyncNowIsPickedUpAndLogged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 30, Groups: 4, Seed: 2})
	opts := f.opts
	opts.PollInterval = time.Hour // only Notify can wake the workers after start
	w, _ := f.start(opts)
	id, err := f.st.QueueRun(t.Context(), f.conn, store.TriggerManual, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Notify()
	run := f.waitRun(id)
	if run.State != store.RunSucceeded || run.UsersAdded != 30 || run.GroupsAdded != 4 || run.Requests == 0 {
		t.Fatalf("run %+v", run)
	}
	counts, err := f.st.CountDirectory(t.Context(), f.conn)
	if err != nil || counts.Users != 30 || counts.Groups != 4 {
		t.Fatalf("directory %+v, %v", counts, err)
	}
	logs, err := f.st.RunLogs(t.Context(), id, 0)
	if err != nil || len(logs) < 3 {
		t.Fatalf("run log %+v, %v", logs, err)
	}
}

func TestWorkersRunConnectionsSideBySide(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 12, Groups: 2, Seed: 3})
	// A second tenant on its own emulator; the HTTP client must trust it too,
	// so each connection is synced with a worker pool that trusts both.
	other := emulatortest.Start(t, emulatortest.Options{Users: 7, Groups: 3, Seed: 4, TenantName: "fabrikam"})
	second := f.addConnection(other)
	opts := f.opts
	opts.Clients = entra.NewClients(trustBoth(t, f.srv, other))
	w, _ := f.start(opts)
	first, err1 := f.st.QueueRun(t.Context(), f.conn, store.TriggerManual, false, 0)
	next, err2 := f.st.QueueRun(t.Context(), second, store.TriggerManual, false, 0)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	w.Notify()
	if r := f.waitRun(first); r.State != store.RunSucceeded || r.UsersAdded != 12 {
		t.Fatalf("first connection's run %+v", r)
	}
	if r := f.waitRun(next); r.State != store.RunSucceeded || r.UsersAdded != 7 || r.GroupsAdded != 3 {
		t.Fatalf("second connection's run %+v", r)
	}
}

// trustBoth is an HTTP client that trusts both emulators' CAs.
func trustBoth(t *testing.T, a, b *emulatortest.Server) *http.Client {
	t.Helper()
	hc, err := entra.NewHTTPClient(append(append([]byte{}, a.CAPEM...), b.CAPEM...))
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

func TestCrashRecoveryRequeues(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 10, Groups: 2, Seed: 4})
	// A run left running by a crash: claimed, never finished.
	crashed, err := f.st.QueueRun(t.Context(), f.conn, store.TriggerManual, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ClaimNextRun(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.start(f.opts)
	old := f.waitRun(crashed)
	if old.State != store.RunInterrupted {
		t.Fatalf("crashed run is %s, want interrupted", old.State)
	}
	next := f.latestRun()
	if next.ID == crashed || next.Trigger != store.TriggerStartup {
		t.Fatalf("no new run queued: newest is %+v", next)
	}
	if r := f.waitRun(next.ID); r.State != store.RunSucceeded {
		t.Fatalf("requeued run %+v", r)
	}
}

func TestStopInterruptsRunAndAppliesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 60, Groups: 3, Seed: 6, DeltaPageSize: 5})
	// Every Graph answer is slow, so the stop lands mid-fetch.
	f.srv.SetFault(t, emulatortest.Fault{DelayMS: 50, Rate: 1})
	_, stop := f.start(f.opts)
	id, err := f.st.QueueRun(t.Context(), f.conn, store.TriggerManual, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 3000 {
		if r, _ := f.st.RunByID(t.Context(), id); r.Pages > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	run, err := f.st.RunByID(t.Context(), id)
	if err != nil || run.State != store.RunInterrupted {
		t.Fatalf("stopped run %+v, %v", run, err)
	}
	counts, _ := f.st.CountDirectory(t.Context(), f.conn)
	if counts != (store.DirectoryCounts{}) {
		t.Fatalf("a stopped first run left %+v in the directory", counts)
	}
	if next := f.latestRun(); next.ID == id || next.State != store.RunQueued {
		t.Fatalf("no run queued again after the stop: %+v", next)
	}
}

func TestSchedulerQueuesMissedSlotAtStart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 5, Groups: 1, Seed: 8})
	ctx := t.Context()
	if err := f.st.SetSetting(ctx, store.SettingRegion, "north_america"); err != nil {
		t.Fatal(err)
	}
	// "now" is just after the 13:00 New York slot three days after the
	// connection was made: slots were missed while no worker ran, and one
	// run is due at start-up, not eight.
	conn, _ := f.st.ConnectionByID(ctx, f.conn)
	now := conn.CreatedAt.AddDate(0, 0, 3)
	slot := time.Date(now.Year(), now.Month(), now.Day(), 13, 0, 0, 0, mustZone(t, "America/New_York")).Add(time.Minute)
	opts := f.opts
	opts.Now = func() time.Time { return slot }
	_, stop := f.start(opts)
	var run store.Run
	for range 3000 {
		if runs, _ := f.st.LatestRuns(ctx, f.conn, 10, 0); len(runs) > 0 {
			run = f.waitRun(runs[0].ID)
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if run.Trigger != store.TriggerSchedule || run.State != store.RunSucceeded {
		t.Fatalf("scheduled run %+v", run)
	}
	last, err := f.st.LastScheduledSlot(ctx, f.conn)
	if err != nil || !last.Equal(slot.Add(-time.Minute)) {
		t.Fatalf("last slot %v (%v), want %v", last, err, slot.Add(-time.Minute))
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNewRequiresDependencies(t *testing.T) {
	t.Parallel()
	if _, err := worker.New(worker.Options{}); err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("New without dependencies: %v", err)
	}
}

func TestFailedRunRecordsTheError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 8, Groups: 2, Seed: 9})
	w, _ := f.start(f.opts)
	first, _ := f.st.QueueRun(t.Context(), f.conn, store.TriggerManual, false, 0)
	w.Notify()
	if r := f.waitRun(first); r.State != store.RunSucceeded {
		t.Fatalf("first run %+v", r)
	}
	before, _ := f.st.CountDirectory(t.Context(), f.conn)
	// Admin consent withdrawn: Graph answers 403 Authorization_RequestDenied.
	f.srv.SetRoles(t, f.srv.Tenant.AppID, []string{}, nil)
	f.opts.Clients.Forget(entra.App{AuthorityHost: f.srv.URL, Tenant: f.srv.Tenant.Domain, ClientID: f.srv.Tenant.AppID})
	id, _ := f.st.QueueRun(t.Context(), f.conn, store.TriggerManual, false, 0)
	w.Notify()
	run := f.waitRun(id)
	// The status pages show plain words with the fix; the raw error, with
	// Graph's code and request ID, is in the log for support.
	if run.State != store.RunFailed || !strings.Contains(run.Error, "Directory.Read.All") ||
		!strings.Contains(run.Error, "admin consent") || strings.Contains(run.Error, "request-id") {
		t.Fatalf("run without permission: %s, %q", run.State, run.Error)
	}
	if after, _ := f.st.CountDirectory(t.Context(), f.conn); after != before {
		t.Fatalf("a failed run changed the directory: %+v, was %+v", after, before)
	}
	logs, _ := f.st.RunLogs(t.Context(), id, 0)
	if len(logs) == 0 || logs[len(logs)-1].Level != store.LogError {
		t.Fatalf("log does not end with the error: %+v", logs)
	}
	details := false
	for _, l := range logs {
		details = details || strings.HasPrefix(l.Message, "Details for support:") && strings.Contains(l.Message, "Authorization_RequestDenied")
	}
	if !details {
		t.Fatalf("log has no details for support: %+v", logs)
	}
}
