package dirsync_test

import (
	"testing"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/store"
)

func TestFirstSyncEqualsTenant(t *testing.T) {
	t.Parallel()
	// Small pages and member chunks, so users span pages and large groups
	// are repeated across pages with the rest of their members; more users
	// than the diff reads from staging at a time.
	f := newFixture(t, emulatortest.Options{Users: 620, Groups: 8, Seed: 3, DeltaPageSize: 50, DeltaMemberChunk: 40})
	run := f.mustSync(store.TriggerValidation)
	requireState(t, run, store.RunSucceeded)
	if !run.FullSync || run.UsersAdded != 620 || run.GroupsAdded != 8 || run.MembershipsAdded == 0 {
		t.Errorf("first run: full %v, users +%d, groups +%d, memberships +%d", run.FullSync, run.UsersAdded, run.GroupsAdded, run.MembershipsAdded)
	}
	if run.Pages < 5 || run.Requests < run.Pages || run.ObjectsProcessed < 128 {
		t.Errorf("first run: %d pages, %d requests, %d objects", run.Pages, run.Requests, run.ObjectsProcessed)
	}
	f.assertEqualsTenant()
	// The first sync applied without foreign key checks: what it added
	// must satisfy them, and the writer must have them on again.
	var fk, checkpoint int
	if err := f.st.Writer.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("writer foreign_keys = %d, %v after the first sync", fk, err)
	}
	if err := f.st.Writer.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&checkpoint); err != nil || checkpoint != 1000 {
		t.Errorf("writer wal_autocheckpoint = %d, %v after the first sync", checkpoint, err)
	}
	if rows, err := f.st.Writer.Query(`PRAGMA foreign_key_check`); err != nil {
		t.Error(err)
	} else {
		if rows.Next() {
			t.Error("the first sync left rows whose foreign keys point nowhere")
		}
		rows.Close()
	}
	links, err := f.st.DeltaState(t.Context(), f.conn.ID)
	if err != nil || links.Users == "" || links.Groups == "" || links.FullSyncAt.IsZero() {
		t.Fatalf("delta state %+v, %v", links, err)
	}
	conn, _ := f.st.ConnectionByID(t.Context(), f.conn.ID)
	if conn.UserCount != 620 || conn.GroupCount != 8 {
		t.Errorf("connection counts %d users, %d groups", conn.UserCount, conn.GroupCount)
	}
	// The first sync planned the objects Graph sent once in SQL and folded
	// the repeated groups in Go; a full resync folds everything in Go and
	// compares with what the first one stored: nothing may differ.
	resync, _, err := f.sync(t.Context(), store.TriggerFull, true)
	if err != nil {
		t.Fatal(err)
	}
	requireState(t, resync, store.RunSucceeded)
	if n := resync.UsersAdded + resync.UsersUpdated + resync.UsersDeleted + resync.GroupsAdded + resync.GroupsUpdated +
		resync.GroupsDeleted + resync.MembershipsAdded + resync.MembershipsDeleted; !resync.FullSync || n != 0 {
		t.Errorf("a full resync right after the first sync: full %v, %d changes: %+v", resync.FullSync, n, resync)
	}
}

func TestDeltaSyncFollowsChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 40, Groups: 5, Seed: 5, DeltaPageSize: 15, DeltaMemberChunk: 7})
	first := f.mustSync(store.TriggerValidation)
	users, _ := f.st.DirectoryUsers(t.Context(), f.conn.ID, "", 100)
	groups, _ := f.st.DirectoryGroups(t.Context(), f.conn.ID, "", 100)

	ann := f.srv.CreateUser(t, map[string]any{"displayName": "Ann Example", "userPrincipalName": "ann@" + f.srv.Tenant.Domain,
		"jobTitle": "CEO", "proxyAddresses": []string{"SMTP:ann@contoso.com", "smtp:a@contoso.com"}})
	f.srv.PatchUser(t, users[0].ID, map[string]any{"jobTitle": "Chief Tester", "department": nil})
	f.srv.DeleteUser(t, users[1].ID)
	f.srv.PurgeUser(t, users[2].ID)
	f.srv.DeleteUser(t, users[3].ID)
	f.srv.RestoreUser(t, users[3].ID)
	f.srv.PatchGroup(t, groups[0].ID, map[string]any{"displayName": "Renamed group"})
	f.srv.AddMember(t, groups[1].ID, ann)
	f.srv.AddMember(t, groups[1].ID, groups[2].ID) // nested
	members, _ := f.st.GroupMembers(t.Context(), f.conn.ID, groups[0].ID)
	if len(members) > 0 {
		f.srv.RemoveMember(t, groups[0].ID, members[0].ID)
	}

	second := f.mustSync(store.TriggerManual)
	requireState(t, second, store.RunSucceeded)
	if second.FullSync {
		t.Error("the second run walked the whole directory; want the delta links followed")
	}
	if second.Requests >= first.Requests || second.ObjectsProcessed >= first.ObjectsProcessed {
		t.Errorf("second run made %d requests for %d objects; the first %d for %d: want only changes fetched",
			second.Requests, second.ObjectsProcessed, first.Requests, first.ObjectsProcessed)
	}
	if second.UsersAdded != 1 || second.UsersDeleted != 2 || second.GroupsUpdated != 1 {
		t.Errorf("second run: users +%d ~%d -%d, groups ~%d", second.UsersAdded, second.UsersUpdated, second.UsersDeleted, second.GroupsUpdated)
	}
	f.assertEqualsTenant()

	// Nothing changed: a third run changes nothing.
	third := f.mustSync(store.TriggerSchedule)
	if third.UsersAdded+third.UsersUpdated+third.UsersDeleted+third.GroupsAdded+third.GroupsUpdated+
		third.GroupsDeleted+third.MembershipsAdded+third.MembershipsDeleted != 0 {
		t.Errorf("an idle run changed things: %+v", third)
	}
	f.assertEqualsTenant()
}
