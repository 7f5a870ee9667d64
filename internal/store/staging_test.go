package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestStagedMembersLastEntryWins: of the entries for a (group, member)
// pair, the last to arrive counts, whether the pair came again in the same
// page, in a later page of the same transaction or in a later transaction,
// so a first sync (copied from staging, groups staged once without
// folding) and an incremental run (planned against the live directory)
// both end with what Graph said last.
func TestStagedMembersLastEntryWins(t *testing.T) {
	ctx := t.Context()
	st := openTest(t)
	connID := stagingConnection(t, st)
	member := func(group, id string, removed bool) StagedMember {
		kind := MemberUser
		if id[0] == 'g' {
			kind = MemberGroup
		}
		return StagedMember{GroupID: group, MemberID: id, MemberKind: kind, Removed: removed}
	}
	runs := []struct {
		name  string
		full  bool
		pages [][]StagedMember // each staged in its own transaction
		want  []Membership
		added int
		gone  int
	}{
		{
			name: "first sync",
			full: true,
			pages: [][]StagedMember{
				{member("g1", "u1", false), member("g1", "u2", false), member("g1", "u2", true), member("g1", "u3", false),
					member("g3", "u9", false), member("g3", "g1", false), member("g3", `odd "id"\ü`, false)},
				{member("g1", "u1", true), member("g1", "u3", false), member("g1", "u4", true), member("g1", "u4", false),
					member("g2", "u5", false), member("g4", "u1", false), member("g2", "u6", false), member("g4", "u2", true),
					// A list of six bytes: as a BLOB its '[' would be a
					// JSONB header of that length.
					member("g5", "ab", false)},
			},
			want: []Membership{{"g1", "u3", "user"}, {"g1", "u4", "user"}, {"g2", "u5", "user"}, {"g2", "u6", "user"},
				{"g3", "g1", "group"}, {"g3", `odd "id"\ü`, "user"}, {"g3", "u9", "user"}, {"g4", "u1", "user"},
				{"g5", "ab", "user"}},
			added: 9,
		},
		{
			name: "incremental",
			pages: [][]StagedMember{
				{member("g1", "u3", true), member("g1", "u3", false), member("g1", "u4", false), member("g2", "u7", true)},
				{member("g1", "u4", true), member("g2", "u7", false), member("g3", "u9", true),
					member("g3", `odd "id"\ü`, true)},
			},
			want: []Membership{{"g1", "u3", "user"}, {"g2", "u5", "user"}, {"g2", "u6", "user"}, {"g2", "u7", "user"},
				{"g3", "g1", "group"}, {"g4", "u1", "user"}, {"g5", "ab", "user"}},
			added: 1,
			gone:  3,
		},
	}
	for _, r := range runs {
		runID, err := st.QueueRun(ctx, connID, TriggerManual, r.full, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.BeginStaging(ctx, runID, connID, r.full); err != nil {
			t.Fatal(err)
		}
		// The first two pages share a transaction; the last has its own.
		var pages []StagedPage
		for _, members := range r.pages {
			pages = append(pages, StagedPage{Kind: KindGroups, Members: members[:2]}, StagedPage{Kind: KindGroups, Members: members[2:]})
		}
		for _, batch := range [][]StagedPage{pages[:2], pages[2:]} {
			if err := st.StagePages(ctx, runID, batch, RunStats{}); err != nil {
				t.Fatal(err)
			}
		}
		plan := func() error { return st.PlanMembershipChanges(ctx, runID, connID, r.full) }
		if r.full {
			plan = func() error { return st.PlanDirectMemberships(ctx, runID) }
		}
		if err := plan(); err != nil {
			t.Fatal(err)
		}
		counts, err := st.PlannedChanges(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		if counts.MembershipsAdded != r.added || counts.MembershipsDeleted != r.gone {
			t.Errorf("%s: planned +%d -%d memberships, want +%d -%d", r.name, counts.MembershipsAdded,
				counts.MembershipsDeleted, r.added, r.gone)
		}
		if err := st.ApplyRun(ctx, runID, RunStats{}); err != nil {
			t.Fatal(err)
		}
		got, err := st.Memberships(context.Background(), connID, "", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, r.want) {
			t.Errorf("%s: live memberships %v, want %v", r.name, got, r.want)
		}
	}
}

// TestMigrationFoldsStagedMembers: migration 0011 keeps, of the entries a
// run staged before the upgrade, the last one of each pair, as lists the
// fold reads.
func TestMigrationFoldsStagedMembers(t *testing.T) {
	ctx := t.Context()
	migrations, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	// The table as migration 0007 left it, alone in a database.
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE stage_members (run_id TEXT NOT NULL,
		group_id TEXT NOT NULL, member_id TEXT NOT NULL, seq INTEGER NOT NULL, member_kind TEXT NOT NULL,
		removed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, group_id, member_id, seq)) WITHOUT ROWID;
		INSERT INTO stage_members VALUES ('r1', 'g1', 'u1', 1, 'user', 0), ('r1', 'g1', 'u1', 7, 'user', 1),
			('r1', 'g1', 'u2', 9, 'user', 1), ('r1', 'g1', 'u2', 12, 'group', 0), ('r1', 'g2', 'u0', 2, 'user', 0),
			('r2', 'g1', 'u1', 3, 'user', 0)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations {
		if m.version == 11 {
			if _, err := db.ExecContext(ctx, m.sql); err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
		}
	}
	want := map[string][]string{
		"r1": {"g1 u1 user 1", "g1 u2 group 0", "g2 u0 user 0"},
		"r2": {"g1 u1 user 0"},
	}
	for run, want := range want {
		rows, err := db.QueryContext(ctx, `SELECT group_id || ' ' || member_id || ' ' || member_kind || ' ' || removed
			FROM (`+lastStagedMembers+`) ORDER BY 1`, run)
		if err != nil {
			t.Fatal(err)
		}
		got, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
			var s string
			return s, r.Scan(&s)
		})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("run %s folded %q (%v), want %q", run, got, err, want)
		}
	}
}

// TestIncrementalMembershipPlanLooksUpByKey: an incremental run's plan
// reads the live memberships only by key or index, never all of a
// connection's (a million rows at 100,000 users, for a handful of
// changes): SQLite's plan names every access.
func TestIncrementalMembershipPlanLooksUpByKey(t *testing.T) {
	st := openTest(t)
	for i, q := range membershipPlan(false) {
		steps := queryPlan(t, st, q)
		for _, step := range steps {
			live := strings.Contains(step, " dir_memberships ") || strings.Contains(step, " m ")
			byKey := strings.Contains(step, "group_id=?") || strings.Contains(step, "member_id=?")
			if live && !byKey {
				t.Errorf("statement %d reads live memberships without a key: %s\n%s", i, step, strings.Join(steps, "\n"))
			}
		}
	}
}

// TestFirstSyncCopiesListsInGroupOrder: a first sync copies the lists of
// groups staged once in the order of dir_memberships' key (the lists'
// index, run then group), so a million memberships are appended, and
// straight from the lists: no co-routine handing rows over one by one, no
// sort.
func TestFirstSyncCopiesListsInGroupOrder(t *testing.T) {
	st := openTest(t)
	for _, a := range applyDirectMemberships {
		if !strings.Contains(a.what, "staged once") {
			continue
		}
		steps := queryPlan(t, st, a.sql)
		plan := strings.Join(steps, "\n")
		if !strings.HasPrefix(plan, "SEARCH l USING INDEX stage_member_lists_run (run_id=?)") ||
			strings.Contains(plan, "CO-ROUTINE") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: plan\n%s\nwant the lists read by their index, in group order, and copied directly", a.what, plan)
		}
	}
}

// queryPlan is SQLite's plan for statement q of a run ("run", "conn",
// "now"), a step per line.
func queryPlan(t *testing.T, st *Store, q string) []string {
	t.Helper()
	rows, err := st.Reader.Query(`EXPLAIN QUERY PLAN `+q, "run", "conn", "now")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var id, parent, unused int
		var detail string
		return detail, r.Scan(&id, &parent, &unused, &detail)
	})
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// stagingConnection adds a directory connection to stage runs of.
func stagingConnection(t *testing.T, st *Store) string {
	t.Helper()
	connID := NewID()
	if err := st.CreateConnection(t.Context(), NewConnection{ID: connID, Kind: KindAzureDirectorySync, Cloud: "default",
		AuthorityHost: "https://login.example", GraphURL: "https://graph.example", TenantDomain: "contoso.example",
		ApplicationID: "00000000-0000-0000-0000-000000000001"}); err != nil {
		t.Fatal(err)
	}
	return connID
}

// stagingRun opens a store with a run of a new connection whose full
// fetch has begun staging.
func stagingRun(t *testing.T) (*Store, string) {
	t.Helper()
	st := openTest(t)
	connID := stagingConnection(t, st)
	runID, err := st.QueueRun(t.Context(), connID, TriggerManual, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.BeginStaging(t.Context(), runID, connID, true); err != nil {
		t.Fatal(err)
	}
	return st, runID
}

// stagedUsers is every user entry a run staged, as EachStaged reads them.
func stagedUsers(t *testing.T, st *Store, runID string) []StagedObject {
	t.Helper()
	var got []StagedObject
	if err := st.EachStaged(t.Context(), runID, KindUsers, false, func(o StagedObject) error {
		got = append(got, o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestStagedObjectsAreJSONB: staging keeps an object as JSONB, which a
// first sync reads its properties from without parsing, and hands it back
// to the plan as the JSON it was, absent and null properties and all.
func TestStagedObjectsAreJSONB(t *testing.T) {
	ctx := t.Context()
	st, runID := stagingRun(t)
	staged := []StagedObject{
		{ID: "u1", Data: []byte(`{"id":"u1","displayName":"Zoë \"Z\" Ödegaard","mail":null,"businessPhones":[],"accountEnabled":true}`)},
		{ID: "u2", Removed: true, Data: []byte(`{"id":"u2","@removed":{"reason":"changed"}}`)},
	}
	if err := st.StagePages(ctx, runID, []StagedPage{{Kind: KindUsers, Objects: staged}}, RunStats{}); err != nil {
		t.Fatal(err)
	}
	var notJSONB int
	if err := st.Reader.QueryRow(`SELECT COUNT(*) FROM stage_users WHERE run_id = ? AND NOT json_valid(data, 8)`,
		runID).Scan(&notJSONB); err != nil {
		t.Fatal(err)
	}
	if notJSONB != 0 {
		t.Errorf("%d staged users are not JSONB", notJSONB)
	}
	got := stagedUsers(t, st, runID)
	if len(got) != len(staged) {
		t.Fatalf("read back %d staged users, want %d", len(got), len(staged))
	}
	for i, o := range got {
		var back, sent any
		if err := json.Unmarshal(o.Data, &back); err != nil {
			t.Fatalf("%s read back as %s: %v", o.ID, o.Data, err)
		}
		if err := json.Unmarshal(staged[i].Data, &sent); err != nil {
			t.Fatal(err)
		}
		if o.ID != staged[i].ID || o.Removed != staged[i].Removed || !reflect.DeepEqual(back, sent) {
			t.Errorf("read back %s %v %s, want %s %v %s", o.ID, o.Removed, o.Data, staged[i].ID, staged[i].Removed, staged[i].Data)
		}
	}
}

// TestStagedUsersAsColumns: a user staged as columns reads back with the
// values and the set of properties it was staged with, and a page that
// mixes such users with removed ones (kept as JSON) reads back in arrival
// order, which is what folding a user's entries depends on.
func TestStagedUsersAsColumns(t *testing.T) {
	ctx := t.Context()
	st, runID := stagingRun(t)
	user := func(id, name string, sent UserProperties) StagedObject {
		u := &StagedUser{Sent: sent}
		u.ID, u.DisplayName, u.ProxyAddresses = id, name, []string{"SMTP:" + id + "@contoso.example"}
		u.AccountEnabled, u.CreatedDateTime = sent&SentAccountEnabled != 0, "2021-03-04T05:06:07Z"
		return StagedObject{ID: id, User: u}
	}
	removed := func(id string) StagedObject {
		return StagedObject{ID: id, Removed: true, Data: []byte(`{"id":"` + id + `","@removed":{"reason":"changed"}}`)}
	}
	// More than one INSERT's worth of rows on each side of the switches.
	var page []StagedObject
	for i := range 150 {
		page = append(page, user(fmt.Sprintf("a%03d", i), "A", SentDisplayName|SentProxyAddresses))
	}
	page = append(page, user("x", "First", SentDisplayName), removed("x"),
		user("x", "Again", SentDisplayName|SentAccountEnabled|SentCreatedDateTime))
	for i := range 120 {
		page = append(page, user(fmt.Sprintf("b%03d", i), "B", SentDisplayName))
	}
	if err := st.StagePages(ctx, runID, []StagedPage{{Kind: KindUsers, Objects: page}}, RunStats{}); err != nil {
		t.Fatal(err)
	}
	got := stagedUsers(t, st, runID)
	// EachStaged orders by id, then arrival.
	want := slices.Clone(page)
	slices.SortStableFunc(want, func(a, b StagedObject) int { return strings.Compare(a.ID, b.ID) })
	if len(got) != len(want) {
		t.Fatalf("read back %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("entry %d:\n  got  %+v %+v\n  want %+v %+v", i, got[i], got[i].User, want[i], want[i].User)
		}
	}
}

// TestLookupsByMemberUseTheirIndex: the indexes on a membership's member
// and an address's user lead with the member (migration 0013, so that
// building them sorts faster); every lookup by member still searches them
// by both columns rather than reading the connection's rows.
func TestLookupsByMemberUseTheirIndex(t *testing.T) {
	st := openTest(t)
	plan := membershipPlan(false)
	tests := []struct{ name, sql, want string }{
		{"groups of members", groupsOfMembersSQL,
			"dir_memberships USING COVERING INDEX dir_memberships_member (member_id=? AND connection_id=?)"},
		{"memberships of deleted objects", plan[len(plan)-1],
			"m USING INDEX dir_memberships_member (member_id=? AND connection_id=?)"},
		{"addresses of updated users", clearChangedAddresses,
			"dir_user_addresses USING COVERING INDEX dir_user_addresses_user (user_id=? AND connection_id=?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := queryPlan(t, st, tt.sql)
			if !slices.Contains(steps, "SEARCH "+tt.want) {
				t.Errorf("plan\n%s\nwant SEARCH %s", strings.Join(steps, "\n"), tt.want)
			}
		})
	}
}

// TestStagedOnceIsOnePass: what a first sync copies straight from staging
// (the objects staged once) is told apart from the repeated ones by one
// pass over the staging index, not by looking each entry up for another.
func TestStagedOnceIsOnePass(t *testing.T) {
	st := openTest(t)
	for name, q := range map[string]string{
		"users as columns": applyDirectUserRows,
		"users as JSON":    applyDirectObjects(KindUsers),
		"groups":           applyDirectObjects(KindGroups),
	} {
		plan := strings.Join(queryPlan(t, st, q), "\n")
		if !strings.Contains(plan, "LIST SUBQUERY") || strings.Contains(plan, "CORRELATED") {
			t.Errorf("%s: plan\n%s\nwant the repeated ids listed once", name, plan)
		}
	}
	// The users staged as JSON are few and have an index of their own
	// (migration 0014): finding none reads nothing.
	if plan := queryPlan(t, st, applyDirectObjects(KindUsers)); plan[0] != "SEARCH s USING INDEX stage_users_json (run_id=?)" {
		t.Errorf("users as JSON: plan\n%s\nwant them found by their index", strings.Join(plan, "\n"))
	}
}

// TestEachStagedRepeatedOnlyAcrossChunks: with repeatedOnly, EachStaged
// hands over every entry of the objects staged more than once, in id and
// arrival order, and none of the others, over more entries than one
// chunk reads and with a chunk ending inside an object's entries.
func TestEachStagedRepeatedOnlyAcrossChunks(t *testing.T) {
	st, runID := stagingRun(t)
	const repeated, single = stagedChunk + 150, 300
	var page StagedPage
	page.Kind = KindGroups
	var want []string
	for i := range repeated + single {
		id := fmt.Sprintf("g%05d", i)
		page.Objects = append(page.Objects, StagedObject{ID: id, Data: []byte(`{"displayName":"first"}`)})
		if i < repeated {
			want = append(want, id+" first", id+" second", id+" third")
		}
	}
	// Three entries each, so that a chunk (500 entries) ends inside an
	// object's.
	for _, name := range []string{"second", "third"} {
		for i := range repeated {
			page.Objects = append(page.Objects, StagedObject{ID: fmt.Sprintf("g%05d", i), Data: []byte(`{"displayName":"` + name + `"}`)})
		}
	}
	if err := st.StagePages(t.Context(), runID, []StagedPage{page}, RunStats{Pages: 1}); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := st.EachStaged(t.Context(), runID, KindGroups, true, func(o StagedObject) error {
		var g struct{ DisplayName string }
		if err := json.Unmarshal(o.Data, &g); err != nil {
			return err
		}
		got = append(got, o.ID+" "+g.DisplayName)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d entries (first %q), want %d (first %q)", len(got), got[:min(3, len(got))], len(want), want[:3])
	}
}
