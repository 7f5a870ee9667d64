package worker_test

import (
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/store"
)

// An administrator cancels a run: a queued one ends at once without a
// worker; a running one is stopped mid-fetch and ends cancelled (not
// interrupted, nothing queued again) with the directory as it was; the next
// run works.
func TestCancelRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		running bool // the run is running when cancelled (else queued)
		found   string
	}{
		{"queued", false, store.RunCancelled},
		{"running", true, store.RunRunning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulatortest.Options{Users: 10, Groups: 2, Seed: 11})
			ctx := t.Context()
			w, _ := f.start(f.opts)
			first, err := f.st.QueueRun(ctx, f.conn, store.TriggerManual, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			w.Notify()
			if r := f.waitRun(first); r.State != store.RunSucceeded {
				t.Fatalf("first run %s: %s", r.State, r.Error)
			}
			before, _ := f.st.CountDirectory(ctx, f.conn)
			f.srv.CreateUser(t, map[string]any{"displayName": "Late Arrival", "userPrincipalName": "late@" + f.srv.Tenant.Domain})

			var id string
			if tc.running {
				// Graph answers only when the request gives up: the run
				// cannot end by itself, so it is running when cancelled.
				f.srv.SetFault(t, emulatortest.Fault{DelayMS: 600_000, Rate: 1})
				id, err = f.st.QueueRun(ctx, f.conn, store.TriggerManual, false, 0)
				if err != nil {
					t.Fatal(err)
				}
				w.Notify()
				for r := f.latestRun(); r.State == store.RunQueued; r = f.latestRun() {
					time.Sleep(10 * time.Millisecond)
				}
			} else {
				// A connection on its own, which no worker claims before the cancel.
				stopped := newFixture(t, emulatortest.Options{Users: 1, Seed: 12})
				id, err = stopped.st.QueueRun(ctx, stopped.conn, store.TriggerManual, false, 0)
				if err != nil {
					t.Fatal(err)
				}
				f = stopped
				before, _ = f.st.CountDirectory(ctx, f.conn)
			}
			found, err := f.st.CancelRun(ctx, id, "admin@example.com")
			if err != nil || found != tc.found {
				t.Fatalf("CancelRun found %q, %v; want %q", found, err, tc.found)
			}
			if found == store.RunRunning {
				w.CancelRun(id)
			}
			run := f.waitRun(id)
			if run.State != store.RunCancelled || run.Error == "" || run.Applied() {
				t.Fatalf("cancelled run: %s %q", run.State, run.Error)
			}
			if after, _ := f.st.CountDirectory(ctx, f.conn); after != before {
				t.Fatalf("a cancelled run changed the directory: %+v → %+v", before, after)
			}
			if _, err := f.st.ActiveRun(ctx, f.conn); err == nil {
				t.Fatal("a cancelled run was queued again")
			}
			if _, err := f.st.CancelRun(ctx, id, "admin@example.com"); err == nil {
				t.Fatal("cancelling an ended run twice was accepted")
			}
			if !tc.running {
				return
			}
			f.srv.ClearFault(t)
			next, err := f.st.QueueRun(ctx, f.conn, store.TriggerManual, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			w.Notify()
			if r := f.waitRun(next); r.State != store.RunSucceeded || r.UsersAdded != 1 {
				t.Fatalf("the run after a cancel: %s, %d users added (%s)", r.State, r.UsersAdded, r.Error)
			}
		})
	}
}
