package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestSearchDirectoryPagesAreSlicesOfOneOrder: objects match a query by
// name, UPN, mail and several proxy addresses at once, in two
// connections. Every limit must give the first limit hits of the longest
// answer (so pages neither repeat nor skip a hit), and that answer must
// hold every match exactly once, names first.
func TestSearchDirectoryPagesAreSlicesOfOneOrder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	type object struct{ conn, kind, id, name, upn, mail string }
	var all []object
	var addresses [][3]string // conn, user, address
	for c := range 2 {
		conn := newTestConnection(t, s, ConnActive)
		for i := range 40 {
			// Names, UPNs and mails that start with "ch" in different
			// objects, and in different orders than the names.
			name := fmt.Sprintf("%s %02d", []string{"Chen", "Ann", "charlie", "Bo"}[i%4], 40-i)
			upn := fmt.Sprintf("%s%02d@contoso.com", []string{"ann", "ch.x", "bo", "CH"}[i%4], i)
			mail := fmt.Sprintf("%s%02d@contoso.com", []string{"ch", "zed", "Chi", "ann"}[(i+c)%4], i)
			id := fmt.Sprintf("u%d-%02d", c, i)
			if _, err := s.Writer.Exec(`INSERT INTO dir_users (connection_id, id, user_principal_name, mail, display_name,
				created_at, updated_at) VALUES (?, ?, ?, ?, ?, '', '')`, conn, id, upn, mail, name); err != nil {
				t.Fatal(err)
			}
			all = append(all, object{conn, MemberUser, id, name, upn, mail})
			for j := range i % 3 { // several addresses of one user match
				addresses = append(addresses, [3]string{conn, id, fmt.Sprintf("ch-alias%d-%02d@fabrikam.com", j, 40-i)})
			}
			if i%5 == 0 {
				gid := fmt.Sprintf("g%d-%02d", c, i)
				gname := fmt.Sprintf("%s group %02d", []string{"Chess", "Admins"}[i%2], i)
				gmail := fmt.Sprintf("chgroup%02d@contoso.com", i)
				if _, err := s.Writer.Exec(`INSERT INTO dir_groups (connection_id, id, display_name, mail, created_at, updated_at)
					VALUES (?, ?, ?, ?, '', '')`, conn, gid, gname, gmail); err != nil {
					t.Fatal(err)
				}
				all = append(all, object{conn, MemberGroup, gid, gname, "", gmail})
			}
		}
	}
	for _, a := range addresses {
		if _, err := s.Writer.Exec(`INSERT INTO dir_user_addresses (connection_id, user_id, address) VALUES (?, ?, ?)`,
			a[0], a[1], a[2]); err != nil {
			t.Fatal(err)
		}
	}
	matches := func(v string) bool { return strings.HasPrefix(strings.ToLower(v), "ch") }
	want := map[string]bool{}
	for _, o := range all {
		if matches(o.name) || matches(o.upn) || matches(o.mail) {
			want[o.conn+"/"+o.id] = true
		}
	}
	for _, a := range addresses {
		want[a[0]+"/"+a[1]] = true
	}

	full, err := s.SearchDirectory(ctx, "", "Ch", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range full {
		got = append(got, h.ConnectionID+"/"+h.ID)
	}
	if len(got) != len(want) || len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(want) {
		t.Fatalf("%d hits (%d distinct), want each of %d matches once", len(got), len(slices.Compact(slices.Sorted(slices.Values(got)))), len(want))
	}
	for _, g := range got {
		if !want[g] {
			t.Fatalf("%s does not match", g)
		}
	}
	seenOther := false
	for _, h := range full {
		byName := matches(h.DisplayName)
		if byName && seenOther {
			t.Fatalf("%q found by name comes after hits found otherwise", h.DisplayName)
		}
		seenOther = seenOther || !byName
	}
	for n := 1; n <= len(full); n++ {
		page, err := s.SearchDirectory(ctx, "", "ch", n)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(page, full[:n]) {
			t.Fatalf("limit %d is not the first %d hits of the whole answer:\n%v\n%v", n, n, page, full[:n])
		}
	}
}
