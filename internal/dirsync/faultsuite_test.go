package dirsync_test

import (
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/internal/testutil"
)

// The fault suite of issue 10: the emulator injects every kind of Graph
// fault at high rates during full and delta syncs. Each run either succeeds
// with a directory identical to the tenant, or fails with the previous
// directory intact and an error in words. It prints a tally and fails on
// any loss.
func TestFaultSuite(t *testing.T) {
	faults := []struct {
		name   string
		fault  emulatortest.Fault
		expire bool // expire delta tokens before the incremental sync
	}{
		{name: "429, whole-second Retry-After", fault: emulatortest.Fault{Status: 429, Rate: 0.5, RetryAfter: "1"}},
		{name: "429, fractional Retry-After", fault: emulatortest.Fault{Status: 429, Rate: 0.5, RetryAfter: "0.05"}},
		{name: "429, no Retry-After", fault: emulatortest.Fault{Status: 429, Rate: 0.5}},
		{name: "503", fault: emulatortest.Fault{Status: 503, Rate: 0.5}},
		{name: "connection resets", fault: emulatortest.Fault{Action: "reset", Rate: 0.4}},
		{name: "truncated JSON", fault: emulatortest.Fault{Action: "truncate", Rate: 0.4}},
		{name: "timeouts", fault: emulatortest.Fault{DelayMS: 400, Rate: 0.3}},
		{name: "every call fails", fault: emulatortest.Fault{Status: 503, Rate: 1}},
		{name: "expired delta tokens", fault: emulatortest.Fault{Status: 429, Rate: 0.2, RetryAfter: "0.05"}, expire: true},
	}
	var injected, runs, lost atomic.Int64
	for _, tt := range faults {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulatortest.Options{Users: 40, Groups: 6, Seed: 31, DeltaPageSize: 10, DeltaMemberChunk: 4})
			// Short attempts so an injected delay is a timeout, and enough
			// attempts that a run usually gets through a 50% fault rate.
			f.graphOptions = []graph.Option{graph.WithAttemptTimeout(200 * time.Millisecond), graph.WithMaxAttempts(8)}
			check := func(phase string, before snapshotData, run store.Run, err error) {
				runs.Add(1)
				if err != nil {
					if run.State != store.RunFailed || run.Error == "" {
						t.Errorf("%s: failed run recorded as %s with error %q", phase, run.State, run.Error)
					}
					if changed := before.differences(takeSnapshot(f)); changed > 0 {
						lost.Add(int64(changed))
						t.Errorf("%s: a failed run changed %d objects of the directory", phase, changed)
					}
					return
				}
				exact, err1 := f.st.CountDirectory(t.Context(), f.conn.ID)
				kept, err2 := f.st.StoredCounts(t.Context(), f.conn.ID)
				if err1 != nil || err2 != nil || exact != kept {
					t.Errorf("%s: kept counts %+v, exact %+v (%v, %v)", phase, kept, exact, err1, err2)
				}
				// Compare with Graph once the faults are off: the comparison reads Graph too.
				f.srv.ClearFault(t)
				if diffs := f.tenantDifferences(); len(diffs) > 0 {
					lost.Add(int64(len(diffs)))
					t.Errorf("%s: after a successful run %d objects differ from the tenant:\n%s", phase, len(diffs), strings.Join(diffs, "\n"))
				}
			}

			f.srv.SetFault(t, tt.fault)
			before := takeSnapshot(f)
			run, _, err := f.sync(t.Context(), store.TriggerValidation, false)
			check("full sync", before, run, err)

			// Change the tenant, then sync incrementally under the same faults.
			f.srv.ClearFault(t)
			users, groups, _ := f.snapshot()
			if len(users) > 2 && len(groups) > 0 {
				f.srv.PatchUser(t, users[0].ID, map[string]any{"department": "Faulty"})
				f.srv.DeleteUser(t, users[1].ID)
				f.srv.AddMember(t, groups[0].ID, users[2].ID)
			}
			f.srv.CreateUser(t, map[string]any{"displayName": "Fault Tester", "userPrincipalName": "fault.tester@" + f.srv.Tenant.Domain})
			if tt.expire {
				f.srv.ExpireDeltaTokens(t)
			}
			f.srv.SetFault(t, tt.fault)
			before = takeSnapshot(f)
			run, _, err = f.sync(t.Context(), store.TriggerSchedule, false)
			check("delta sync", before, run, err)

			// Faults cleared, one more run must bring everything level.
			f.srv.ClearFault(t)
			run, _, err = f.sync(t.Context(), store.TriggerManual, false)
			if err != nil {
				t.Fatalf("sync after the faults cleared: %v", err)
			}
			check("clean sync", takeSnapshot(f), run, nil)

			// The emulator's own count: a scenario that met no fault tested nothing.
			counts := f.srv.FaultCounts(t)
			if counts.Total == 0 {
				t.Errorf("no fault was injected (%+v)", counts)
			}
			t.Logf("faults injected by kind: %v", counts.ByKind)
			injected.Add(counts.Total)
		})
	}
	t.Cleanup(func() {
		testutil.Tally(t, "faults injected: %d, runs: %d, objects (users, groups, memberships) lost or diverged: %d",
			injected.Load(), runs.Load(), lost.Load())
	})
}

type snapshotData struct {
	Users       []store.DirUser
	Groups      []store.DirGroup
	Memberships []store.Membership
}

func takeSnapshot(f *fixture) snapshotData {
	u, g, m := f.snapshot()
	return snapshotData{u, g, m}
}

// differences counts the users, groups and memberships that are not the
// same in s and after: missing from one side, or changed.
func (s snapshotData) differences(after snapshotData) int {
	return countDiffering(s.Users, after.Users, func(u store.DirUser) string { return u.ID }) +
		countDiffering(s.Groups, after.Groups, func(g store.DirGroup) string { return g.ID }) +
		countDiffering(s.Memberships, after.Memberships, func(m store.Membership) store.Membership { return m })
}

func countDiffering[T any, K comparable](before, after []T, key func(T) K) int {
	left := make(map[K]T, len(before))
	for _, v := range before {
		left[key(v)] = v
	}
	n := 0
	for _, v := range after {
		old, ok := left[key(v)]
		delete(left, key(v))
		if !ok || !reflect.DeepEqual(old, v) {
			n++
		}
	}
	return n + len(left)
}
