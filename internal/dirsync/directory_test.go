package dirsync_test

import (
	"slices"
	"testing"

	"github.com/connect/connect/internal/emulator/emulatortest"
	"github.com/connect/connect/internal/store"
)

func TestNestedGroupsWithCycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 3, Groups: 1, Seed: 31})
	user := f.srv.CreateUser(t, map[string]any{"displayName": "Nina Nested", "userPrincipalName": "nina@" + f.srv.Tenant.Domain})
	a := f.srv.CreateGroup(t, map[string]any{"displayName": "A"})
	b := f.srv.CreateGroup(t, map[string]any{"displayName": "B"})
	c := f.srv.CreateGroup(t, map[string]any{"displayName": "C"})
	f.srv.AddMember(t, c, user)
	f.srv.AddMember(t, b, c) // C is in B
	f.srv.AddMember(t, a, b) // B is in A
	f.srv.AddMember(t, c, a) // A is in C: a cycle
	f.mustSync(store.TriggerValidation)
	f.assertEqualsTenant()

	paths, err := f.st.TransitiveGroups(t.Context(), f.conn.ID, user)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range paths {
		var names []string
		for _, g := range p.Path {
			names = append(names, g.DisplayName)
		}
		got[p.Group.DisplayName] = names
	}
	want := map[string][]string{"C": {"C"}, "B": {"C", "B"}, "A": {"C", "B", "A"}}
	if len(got) != len(want) {
		t.Fatalf("groups of the user: %v, want %v", got, want)
	}
	for name, path := range want {
		if !slices.Equal(got[name], path) {
			t.Errorf("path to %s: %v, want %v", name, got[name], path)
		}
	}
	if !paths[0].Direct() || paths[1].Direct() {
		t.Errorf("direct flags wrong: %+v", paths)
	}

	members, err := f.st.GroupMembers(t.Context(), f.conn.ID, c)
	if err != nil || len(members) != 2 || members[0].Kind != store.MemberUser || members[0].DisplayName != "Nina Nested" ||
		members[1].Kind != store.MemberGroup || members[1].DisplayName != "A" {
		t.Fatalf("members of C: %+v, %v", members, err)
	}

	// A group in the cycle reaches the others but is not its own group.
	groupPaths, err := f.st.TransitiveGroups(t.Context(), f.conn.ID, a)
	if err != nil || len(groupPaths) != 2 {
		t.Fatalf("groups of A: %+v, %v", groupPaths, err)
	}
}

func TestSearchDirectory(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 10, Groups: 2, Seed: 32})
	ann := f.srv.CreateUser(t, map[string]any{"displayName": "Annabel Searchable", "userPrincipalName": "a.searchable@" + f.srv.Tenant.Domain,
		"mail": "annabel@contoso.com", "proxyAddresses": []string{"SMTP:annabel@contoso.com", "smtp:zz-alias@fabrikam.com"}})
	group := f.srv.CreateGroup(t, map[string]any{"displayName": "Searchers Guild", "mail": "guild@contoso.com"})
	f.mustSync(store.TriggerValidation)

	tests := []struct {
		query, want string
	}{
		{"annabel s", ann},       // display name, any case
		{"A.SEARCH", ann},        // UPN prefix
		{"annabel@", ann},        // mail prefix
		{"zz-alias", ann},        // proxy address without its protocol
		{"smtp:zz-alias@f", ann}, // proxy address as written
		{"searchers", group},     // group name
		{"guild@", group},        // group mail
		{ann, ann},               // id
	}
	for _, tt := range tests {
		hits, err := f.st.SearchDirectory(t.Context(), "", tt.query, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].ID != tt.want || hits[0].ConnectionID != f.conn.ID {
			t.Errorf("search %q: %+v, want only %s", tt.query, hits, tt.want)
		}
	}
	if hits, _ := f.st.SearchDirectory(t.Context(), f.conn.ID, "no such name", 10); len(hits) != 0 {
		t.Errorf("search for nothing found %+v", hits)
	}
}

// TestSearchFollowsChangedAddresses: a user's proxy addresses are found by
// what they are now. A run that updates no user leaves the addresses
// alone; one that changes a user's addresses drops the old ones.
func TestSearchFollowsChangedAddresses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulatortest.Options{Users: 10, Groups: 2, Seed: 33})
	ann := f.srv.CreateUser(t, map[string]any{"displayName": "Ann Moving", "userPrincipalName": "ann.moving@" + f.srv.Tenant.Domain,
		"proxyAddresses": []string{"SMTP:ann@old.example"}})
	f.mustSync(store.TriggerValidation)

	found := func(query string) bool {
		t.Helper()
		hits, err := f.st.SearchDirectory(t.Context(), f.conn.ID, query, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(hits) == 1 && hits[0].ID == ann
	}
	steps := []struct {
		name   string
		change func()
		want   map[string]bool
	}{
		{"first sync", func() {}, map[string]bool{"ann@old": true, "ann@new": false}},
		{"nothing changed", func() {}, map[string]bool{"ann@old": true, "ann@new": false}},
		{"another user changed", func() {
			f.srv.CreateUser(t, map[string]any{"displayName": "Bea Newcomer", "userPrincipalName": "bea@" + f.srv.Tenant.Domain, "proxyAddresses": []string{"SMTP:bea@new.example"}})
		}, map[string]bool{"ann@old": true, "ann@new": false}},
		{"her addresses changed", func() {
			f.srv.PatchUser(t, ann, map[string]any{"proxyAddresses": []string{"SMTP:ann@new.example"}})
		}, map[string]bool{"ann@old": false, "ann@new": true}},
	}
	for i, s := range steps {
		if i > 0 {
			s.change()
			f.mustSync(store.TriggerManual)
		}
		for query, want := range s.want {
			if got := found(query); got != want {
				t.Errorf("%s: search %q found Ann: %v, want %v", s.name, query, got, want)
			}
		}
	}
}
