package dirsync_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/connect/connect/internal/dirsync"
	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

func TestDeleteGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		deletes int
		want    string
	}{
		{"at the threshold the run applies", 3, store.RunSucceeded},
		{"one over the threshold the run awaits approval", 4, store.RunAwaitingApproval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, emulatortest.Options{Users: 20, Groups: 3, Seed: 11})
			f.mustSync(store.TriggerValidation)
			if err := f.st.SetDeleteThreshold(t.Context(), f.conn.ID, 3); err != nil {
				t.Fatal(err)
			}
			users, _, _ := f.snapshot()
			for _, u := range users[:tt.deletes] {
				f.srv.DeleteUser(t, u.ID)
			}
			beforeUsers, beforeGroups, beforeMembers := f.snapshot()
			run := f.mustSync(store.TriggerSchedule)
			requireState(t, run, tt.want)
			if run.UsersDeleted != tt.deletes {
				t.Errorf("run counts %d deletions, want %d", run.UsersDeleted, tt.deletes)
			}
			if tt.want == store.RunSucceeded {
				f.assertEqualsTenant()
				return
			}
			afterUsers, afterGroups, afterMembers := f.snapshot()
			if !reflect.DeepEqual(beforeUsers, afterUsers) || !reflect.DeepEqual(beforeGroups, afterGroups) ||
				!reflect.DeepEqual(beforeMembers, afterMembers) {
				t.Fatal("a run awaiting approval changed the directory")
			}
			pending, err := f.st.PendingDeletions(t.Context(), run.ID, 100, 0)
			if err != nil || len(pending) != tt.deletes || pending[0].Kind != store.MemberUser || pending[0].DisplayName == "" {
				t.Fatalf("pending deletions %+v, %v", pending, err)
			}
			if !strings.Contains(f.runLog(run.ID), "Would delete user") {
				t.Errorf("the run log does not list the deletions:\n%s", f.runLog(run.ID))
			}

			// Reject: nothing applied, and the next run finds the same deletions.
			if err := f.st.RejectRun(t.Context(), run.ID, "admin@example.com"); err != nil {
				t.Fatal(err)
			}
			if r, _ := f.st.RunByID(t.Context(), run.ID); r.State != store.RunCancelled || r.DecidedBy != "admin@example.com" ||
				!r.FinishedAt.Equal(run.FinishedAt) || r.DecidedAt.IsZero() || r.Applied() {
				t.Fatalf("rejected run: %s by %q at %v, finished %v (held at %v)", r.State, r.DecidedBy, r.DecidedAt, r.FinishedAt, run.FinishedAt)
			}
			if err := f.st.ApproveRun(t.Context(), run.ID, "admin@example.com"); !errors.Is(err, store.ErrRunNotAwaiting) {
				t.Fatalf("approving a rejected run: %v", err)
			}
			again := f.mustSync(store.TriggerManual)
			requireState(t, again, store.RunAwaitingApproval)

			// A newer run supersedes the one awaiting approval.
			newest := f.mustSync(store.TriggerManual)
			requireState(t, newest, store.RunAwaitingApproval)
			if r, _ := f.st.RunByID(t.Context(), again.ID); r.State != store.RunCancelled {
				t.Fatalf("superseded run is %s", r.State)
			}

			// Approve: the deletions apply, with the delta links.
			if err := f.st.ApproveRun(t.Context(), newest.ID, "admin@example.com"); err != nil {
				t.Fatal(err)
			}
			// The run's duration stays its own: finished_at is the hold, the
			// decision has its own time.
			if r, _ := f.st.RunByID(t.Context(), newest.ID); r.State != store.RunSucceeded || r.UsersDeleted != tt.deletes ||
				!r.FinishedAt.Equal(newest.FinishedAt) || r.DecidedBy != "admin@example.com" || r.DecidedAt.Before(r.FinishedAt) || !r.Applied() {
				t.Fatalf("approved run %+v (held at %v)", r, newest.FinishedAt)
			}
			f.assertEqualsTenant()
			if next := f.mustSync(store.TriggerSchedule); next.UsersDeleted != 0 {
				t.Errorf("the run after approval deleted %d users again", next.UsersDeleted)
			}
		})
	}
}

func TestEmptyFullFetchFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 4, Groups: 1, Seed: 12})
	f.mustSync(store.TriggerValidation)
	users, _, _ := f.snapshot()
	for _, u := range users {
		f.srv.PurgeUser(t, u.ID)
	}
	run, _, err := f.sync(t.Context(), store.TriggerFull, true)
	if !errors.Is(err, dirsync.ErrEmptyFetch) || run.State != store.RunFailed {
		t.Fatalf("empty full fetch: run %s, err %v", run.State, err)
	}
	if after, _, _ := f.snapshot(); len(after) != len(users) {
		t.Fatalf("the failed run left %d of %d users", len(after), len(users))
	}
}

func TestCancelledRunLeavesDirectoryIntact(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 50, Groups: 4, Seed: 13, DeltaPageSize: 10})
	f.mustSync(store.TriggerValidation)
	users, groups, _ := f.snapshot()
	f.srv.PatchUser(t, users[0].ID, map[string]any{"displayName": "Changed"})
	f.srv.PurgeUser(t, users[1].ID)
	f.srv.PatchGroup(t, groups[0].ID, map[string]any{"description": "changed"})
	f.srv.ExpireDeltaTokens(t) // a full resync: many pages, stopped after the third request
	beforeUsers, beforeGroups, beforeMembers := f.snapshot()
	linksBefore, _ := f.st.DeltaState(t.Context(), f.conn.ID)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.runTokens = func(ts graph.TokenSource) graph.TokenSource {
		// The cancel comes mid-fetch, once the run has staged pages.
		return cancellingTokens{TokenSource: ts, calls: new(atomic.Int32), n: 4, cancel: cancel, staged: func() bool {
			var n int
			err := f.st.Reader.QueryRow(`SELECT COUNT(*) FROM runs WHERE state = 'running' AND pages > 0`).Scan(&n)
			return err == nil && n > 0
		}}
	}
	run, _, err := f.sync(ctx, store.TriggerManual, false)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if run.Pages == 0 {
		t.Error("the run was cancelled before it staged anything; want mid-fetch")
	}
	afterUsers, afterGroups, afterMembers := f.snapshot()
	if !reflect.DeepEqual(beforeUsers, afterUsers) || !reflect.DeepEqual(beforeGroups, afterGroups) ||
		!reflect.DeepEqual(beforeMembers, afterMembers) {
		t.Fatal("a cancelled run changed the directory")
	}
	if links, _ := f.st.DeltaState(t.Context(), f.conn.ID); links != linksBefore {
		t.Fatal("a cancelled run changed the delta links")
	}
	var staged int
	if err := f.st.Reader.QueryRow(`SELECT (SELECT COUNT(*) FROM stage_users) + (SELECT COUNT(*) FROM stage_groups)
		+ (SELECT COUNT(*) FROM run_user_changes)`).Scan(&staged); err != nil || staged != 0 {
		t.Fatalf("%d staged rows left (%v)", staged, err)
	}

	f.runTokens = nil
	f.mustSync(store.TriggerManual)
	f.assertEqualsTenant()
}

func TestPreviewAppliesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 15, Groups: 2, Seed: 14})
	f.mustSync(store.TriggerValidation)
	users, _, _ := f.snapshot()
	f.srv.PatchUser(t, users[0].ID, map[string]any{"jobTitle": "Previewed"})
	f.srv.DeleteUser(t, users[1].ID)
	f.srv.CreateUser(t, map[string]any{"displayName": "New", "userPrincipalName": "new@" + f.srv.Tenant.Domain})
	before, _, _ := f.snapshot()
	links, _ := f.st.DeltaState(t.Context(), f.conn.ID)

	run := f.mustSync(store.TriggerPreview)
	requireState(t, run, store.RunSucceeded)
	if run.UsersAdded != 1 || run.UsersUpdated != 1 || run.UsersDeleted != 1 || run.Applied() {
		t.Errorf("preview counts users +%d ~%d -%d, want 1 each, not applied", run.UsersAdded, run.UsersUpdated, run.UsersDeleted)
	}
	// The preview keeps what it would delete, named, and the safeguard.
	kept, err := f.st.PreviewDeletions(t.Context(), run.ID, 10, 0)
	if err != nil || len(kept) != 1 || kept[0].ID != users[1].ID || kept[0].DisplayName != users[1].DisplayName {
		t.Errorf("preview kept deletions %+v, %v; want %s", kept, err, users[1].DisplayName)
	}
	if run.DeleteThreshold != f.conn.DeleteThreshold {
		t.Errorf("preview recorded safeguard %d, want %d", run.DeleteThreshold, f.conn.DeleteThreshold)
	}
	if after, _, _ := f.snapshot(); !reflect.DeepEqual(before, after) {
		t.Fatal("a preview changed the directory")
	}
	if now, _ := f.st.DeltaState(t.Context(), f.conn.ID); now != links {
		t.Fatal("a preview moved the delta links")
	}
	f.mustSync(store.TriggerManual)
	f.assertEqualsTenant()
}
