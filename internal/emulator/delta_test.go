package emulator_test

import (
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

// deltaRound follows a delta round from link to its deltaLink, returning
// every page's objects (in order, repeats kept) and the deltaLink.
func deltaRound(t *testing.T, srv *emulatortest.Server, token, link string, headers ...string) ([]map[string]any, string) {
	t.Helper()
	var objects []map[string]any
	for pages := 0; ; pages++ {
		a := get(t, srv, token, link, headers...)
		if a.status != 200 {
			t.Fatalf("GET %s: %d %s", link, a.status, a.raw)
		}
		objects = append(objects, values(t, a)...)
		next, delta := str(a.body, "@odata.nextLink"), str(a.body, "@odata.deltaLink")
		if (next == "") == (delta == "") {
			t.Fatalf("page must end in exactly one of nextLink/deltaLink: %s", a.raw)
		}
		if delta != "" {
			return objects, delta
		}
		link = next
		if pages > 10000 {
			t.Fatal("delta round never ends")
		}
	}
}

// byID merges objects by id the way a client must: later pages repeat a
// group to carry more of its members.
func byID(objects []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, o := range objects {
		id := str(o, "id")
		prev, ok := out[id]
		if !ok {
			out[id] = o
			continue
		}
		if more, ok := o["members@delta"].([]any); ok {
			old, _ := prev["members@delta"].([]any)
			prev["members@delta"] = append(old, more...)
		}
	}
	return out
}

func memberIDs(o map[string]any, removed bool) []string {
	var ids []string
	list, _ := o["members@delta"].([]any)
	for _, m := range list {
		entry := m.(map[string]any)
		if _, isRemoved := entry["@removed"]; isRemoved == removed {
			ids = append(ids, str(entry, "id"))
		}
		if str(entry, "@odata.type") == "" {
			panic("members@delta entry without @odata.type")
		}
	}
	sort.Strings(ids)
	return ids
}

func TestUsersDeltaFullThenChanges(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 120, Groups: 5, Seed: 3})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	var firstDelta string
	for _, pageSize := range []string{"", "1", "17", "999"} {
		var headers []string
		if pageSize != "" {
			headers = []string{"Prefer", "odata.maxpagesize=" + pageSize}
		}
		objects, deltaLink := deltaRound(t, srv, token, "/v1.0/users/delta?$select=displayName,accountEnabled", headers...)
		if len(objects) != 120 || len(byID(objects)) != 120 {
			t.Fatalf("page size %q: %d objects, %d distinct, want 120", pageSize, len(objects), len(byID(objects)))
		}
		if len(objects[0]) != 3 {
			t.Errorf("$select not carried: %v", objects[0])
		}
		firstDelta = deltaLink
	}
	users := collect(t, srv, token, "/v1.0/users?$top=3")
	patched, softDeleted, purged := users[0], users[1], users[2]
	srv.PatchUser(t, patched, map[string]any{"displayName": "Renamed"})
	srv.DeleteUser(t, softDeleted)
	srv.PurgeUser(t, purged)
	created := srv.CreateUser(t, map[string]any{"displayName": "New", "userPrincipalName": "new@contoso.com"})
	srv.PatchUser(t, patched, map[string]any{"accountEnabled": false})

	for _, round := range []string{"first call", "replay"} {
		objects, nextDelta := deltaRound(t, srv, token, firstDelta)
		got := byID(objects)
		if len(objects) != 4 || len(got) != 4 {
			t.Fatalf("%s: %d changes %v, want 4", round, len(objects), objects)
		}
		if p := got[patched]; str(p, "displayName") != "Renamed" || p["accountEnabled"] != false {
			t.Errorf("%s: patched user %v", round, p)
		}
		if r := got[softDeleted]["@removed"]; r == nil || r.(map[string]any)["reason"] != "changed" {
			t.Errorf("%s: soft-deleted user %v", round, got[softDeleted])
		}
		if r := got[purged]["@removed"]; r == nil || r.(map[string]any)["reason"] != "deleted" {
			t.Errorf("%s: purged user %v", round, got[purged])
		}
		if str(got[created], "displayName") != "New" {
			t.Errorf("%s: created user %v", round, got[created])
		}
		if again, _ := deltaRound(t, srv, token, nextDelta); len(again) != 0 {
			t.Errorf("%s: the next deltaLink brought %v, want nothing", round, again)
		}
	}
}

func TestGroupsDeltaSplitsLargeGroups(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 300, Groups: 6, Seed: 9, DeltaMemberChunk: 40})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	objects, deltaLink := deltaRound(t, srv, token, "/v1.0/groups/delta?$select=displayName,members", "Prefer", "odata.maxpagesize=2")
	groups := byID(objects)
	if len(groups) != 6 || len(objects) <= 6 {
		t.Fatalf("%d objects for %d groups: large groups were not split", len(objects), len(groups))
	}
	for id, g := range groups {
		want := collect(t, srv, token, "/v1.0/groups/"+id+"/members?$top=999")
		sort.Strings(want)
		if got := memberIDs(g, false); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("group %s: %d delta members, %d members", id, len(got), len(want))
		}
	}
	var groupID, memberID string
	for id, g := range groups {
		groupID, memberID = id, memberIDs(g, false)[0]
		break
	}
	newUser := srv.CreateUser(t, map[string]any{"displayName": "Joiner", "userPrincipalName": "joiner@contoso.com"})
	srv.AddMember(t, groupID, newUser)
	srv.RemoveMember(t, groupID, memberID)
	objects, _ = deltaRound(t, srv, token, deltaLink)
	changed := byID(objects)
	if len(changed) != 1 {
		t.Fatalf("changes: %v", objects)
	}
	g := changed[groupID]
	if added, removed := memberIDs(g, false), memberIDs(g, true); len(added) != 1 || added[0] != newUser || len(removed) != 1 || removed[0] != memberID {
		t.Errorf("members@delta added %v removed %v", added, removed)
	}
}

func TestDeltaLatestAndChangesDuringEnumeration(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 30, Groups: 2})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	a := get(t, srv, token, "/v1.0/users/delta?$deltaToken=latest")
	if len(values(t, a)) != 0 || str(a.body, "@odata.deltaLink") == "" {
		t.Fatalf("latest: %s", a.raw)
	}
	latest := str(a.body, "@odata.deltaLink")
	first := get(t, srv, token, "/v1.0/users/delta", "Prefer", "odata.maxpagesize=5")
	during := srv.CreateUser(t, map[string]any{"displayName": "During", "userPrincipalName": "during@contoso.com"})
	_, deltaLink := deltaRound(t, srv, token, str(first.body, "@odata.nextLink"))
	if objects, _ := deltaRound(t, srv, token, deltaLink); len(byID(objects)) != 1 || byID(objects)[during] == nil {
		t.Errorf("a user created during enumeration must come on the next round: %v", objects)
	}
	if objects, _ := deltaRound(t, srv, token, latest); len(objects) != 1 || str(objects[0], "id") != during {
		t.Errorf("latest link: %v", objects)
	}
}

func TestDeltaTokenFailures(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	srv := emulatortest.Start(t, emulatortest.Options{Users: 10, Groups: 2, Now: clock, DeltaTokenTTL: time.Hour})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	_, deltaLink := deltaRound(t, srv, token, "/v1.0/users/delta")
	_, groupsLink := deltaRound(t, srv, token, "/v1.0/groups/delta")
	expectSyncStateNotFound := func(t *testing.T, link string) {
		t.Helper()
		a := get(t, srv, token, link)
		code, message := graphErrorCode(t, a)
		if a.status != 400 || code != "syncStateNotFound" || message != "The sync state generation is not found. The delta token is expired and data must be synchronized again." {
			t.Errorf("got %d %s %q", a.status, code, message)
		}
	}
	t.Run("garbled", func(t *testing.T) { expectSyncStateNotFound(t, "/v1.0/users/delta?$deltatoken=garbage") })
	t.Run("edited", func(t *testing.T) { expectSyncStateNotFound(t, deltaLink[:len(deltaLink)-3]+"AAA") })
	t.Run("other kind", func(t *testing.T) {
		expectSyncStateNotFound(t, strings.Replace(groupsLink, "/groups/delta", "/users/delta", 1))
	})
	t.Run("older than the TTL", func(t *testing.T) {
		offset.Store(int64(2 * time.Hour))
		token := srv.Token(t, "https://graph.microsoft.com/.default")
		a := get(t, srv, token, deltaLink)
		if code, _ := graphErrorCode(t, a); code != "syncStateNotFound" {
			t.Errorf("got %d %s", a.status, code)
		}
		offset.Store(0)
	})
	t.Run("expired by the admin API", func(t *testing.T) {
		_, fresh := deltaRound(t, srv, token, "/v1.0/users/delta")
		srv.ExpireDeltaTokens(t)
		expectSyncStateNotFound(t, fresh)
	})
}

// TestSplitGroupSurvivesMembershipChanges removes members already sent
// while a large group is split across pages: no remaining member may be
// skipped, and the removals come on the next round.
func TestSplitGroupSurvivesMembershipChanges(t *testing.T) {
	srv := emulatortest.Start(t, emulatortest.Options{Users: 400, Groups: 1, Seed: 4, DeltaMemberChunk: 30})
	token := srv.Token(t, "https://graph.microsoft.com/.default")
	first := get(t, srv, token, "/v1.0/groups/delta?$select=members", "Prefer", "odata.maxpagesize=1")
	page := values(t, first)
	groupID := str(page[0], "id")
	sent := memberIDs(page[0], false)
	for _, m := range sent[:5] {
		srv.RemoveMember(t, groupID, m)
	}
	rest, deltaLink := deltaRound(t, srv, token, str(first.body, "@odata.nextLink"), "Prefer", "odata.maxpagesize=1")
	got := map[string]bool{}
	for _, id := range sent {
		got[id] = true
	}
	for _, id := range memberIDs(byID(rest)[groupID], false) {
		got[id] = true
	}
	for _, id := range collect(t, srv, token, "/v1.0/groups/"+groupID+"/members?$top=999") {
		if !got[id] {
			t.Errorf("member %s skipped by the round", id)
		}
	}
	changes, _ := deltaRound(t, srv, token, deltaLink)
	if removed := memberIDs(byID(changes)[groupID], true); len(removed) != 5 {
		t.Errorf("next round removed %v, want the 5 removed members", removed)
	}
}
