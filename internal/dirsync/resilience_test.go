package dirsync_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/store"
)

func TestExpiredDeltaTokenFallsBackToFullResync(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 25, Groups: 3, Seed: 21})
	f.mustSync(store.TriggerValidation)
	users, groups, _ := f.snapshot()
	f.srv.PatchUser(t, users[0].ID, map[string]any{"officeLocation": "Mars"})
	f.srv.PurgeUser(t, users[1].ID)
	f.srv.AddMember(t, groups[0].ID, users[2].ID)
	f.srv.ExpireDeltaTokens(t)

	run := f.mustSync(store.TriggerSchedule)
	requireState(t, run, store.RunSucceeded)
	if !run.FullSync {
		t.Error("the run after an expired token is not marked full")
	}
	if log := f.runLog(run.ID); !strings.Contains(log, "starting a full resync") || !strings.Contains(log, "syncStateNotFound") {
		t.Errorf("the run log does not record the resync:\n%s", log)
	}
	f.assertEqualsTenant()
	// The new links work: the next run is incremental again.
	if next := f.mustSync(store.TriggerSchedule); next.FullSync {
		t.Error("the run after the resync is full again")
	}
}

func TestFaultsDuringSync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault emulatortest.Fault
	}{
		{"429 with fractional Retry-After", emulatortest.Fault{Status: 429, RetryAfter: "1.5", Count: 3}},
		{"429 without Retry-After", emulatortest.Fault{Status: 429, Count: 3}},
		{"503", emulatortest.Fault{Status: 503, Count: 3}},
		{"some of every call", emulatortest.Fault{Status: 503, Rate: 0.3, Count: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, emulatortest.Options{Users: 30, Groups: 3, Seed: 22, DeltaPageSize: 10})
			f.srv.SetFault(t, tt.fault)
			first := f.mustSync(store.TriggerValidation)
			if first.Retries == 0 {
				t.Errorf("no retries recorded: %+v", first)
			}
			if tt.fault.Status == 429 && first.Throttled == 0 {
				t.Errorf("no throttling recorded: %+v", first)
			}
			f.assertEqualsTenant()

			users, _, _ := f.snapshot()
			f.srv.PatchUser(t, users[0].ID, map[string]any{"department": "Faults"})
			f.srv.SetFault(t, tt.fault)
			f.mustSync(store.TriggerSchedule)
			f.srv.ClearFault(t)
			f.assertEqualsTenant()
		})
	}
}

// TestReplayedChangesAreHarmless follows an old delta link again after its
// changes were applied, as Graph may replay changes: nothing changes.
func TestReplayedChangesAreHarmless(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 20, Groups: 4, Seed: 23, DeltaMemberChunk: 3})
	f.mustSync(store.TriggerValidation)
	oldLinks, err := f.st.DeltaState(t.Context(), f.conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	users, groups, members := f.snapshot()
	f.srv.PatchUser(t, users[0].ID, map[string]any{"jobTitle": "Replayed"})
	f.srv.PurgeUser(t, users[1].ID)
	added := f.srv.CreateUser(t, map[string]any{"displayName": "Replay Me", "userPrincipalName": "replay@" + f.srv.Tenant.Domain})
	f.srv.AddMember(t, groups[0].ID, added)
	f.srv.RemoveMember(t, members[0].GroupID, members[0].MemberID)
	f.srv.PatchGroup(t, groups[1].ID, map[string]any{"displayName": "Replayed group"})
	f.mustSync(store.TriggerManual)
	f.assertEqualsTenant()
	beforeUsers, beforeGroups, beforeMembers := f.snapshot()

	if _, err := f.st.Writer.Exec(`UPDATE dir_delta_state SET users_delta_link = ?, groups_delta_link = ? WHERE connection_id = ?`,
		oldLinks.Users, oldLinks.Groups, f.conn.ID); err != nil {
		t.Fatal(err)
	}
	replay := f.mustSync(store.TriggerManual)
	requireState(t, replay, store.RunSucceeded)
	if replay.ObjectsProcessed == 0 {
		t.Fatal("the old link fetched nothing; the test replays nothing")
	}
	if n := replay.UsersAdded + replay.UsersUpdated + replay.UsersDeleted + replay.GroupsAdded + replay.GroupsUpdated +
		replay.GroupsDeleted + replay.MembershipsAdded + replay.MembershipsDeleted; n != 0 {
		t.Errorf("replayed changes made %d changes: %+v", n, replay)
	}
	afterUsers, afterGroups, afterMembers := f.snapshot()
	if !reflect.DeepEqual(beforeUsers, afterUsers) || !reflect.DeepEqual(beforeGroups, afterGroups) ||
		!reflect.DeepEqual(beforeMembers, afterMembers) {
		t.Error("replayed changes changed the directory")
	}
	f.assertEqualsTenant()
}

// TestFullResyncAfterSoftDelete soft-deletes a user who is in groups, then
// forces a full resync.
func TestFullResyncAfterSoftDelete(t *testing.T) {
	t.Parallel()
	// This once failed because the emulator's soft delete shifted the
	// group's member array in place; it guards that a kept membership
	// survives a full round.
	f := newFixture(t, emulatortest.Options{Users: 30, Groups: 3, Seed: 24})
	f.mustSync(store.TriggerValidation)
	_, _, members := f.snapshot()
	f.srv.DeleteUser(t, members[0].MemberID)
	run, _, err := f.sync(t.Context(), store.TriggerFull, true)
	if err != nil || !run.FullSync {
		t.Fatalf("full run %+v: %v", run, err)
	}
	f.assertEqualsTenant()
}
