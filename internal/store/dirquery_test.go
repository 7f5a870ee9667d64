package store

import (
	"context"
	"fmt"
	"testing"
)

// TestTransitiveGroupsDenseNesting nests 25 groups in each other (every
// one in every other): cycles everywhere and a huge number of paths. The
// walk still ends, finds every group once, and gives shortest paths.
func TestTransitiveGroupsDenseNesting(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	conn := newTestConnection(t, s, ConnActive)
	const n = 25
	group := func(i int) string { return fmt.Sprintf("g%02d", i) }
	add := func(groupID, memberID, kind string) {
		t.Helper()
		if _, err := s.Writer.Exec(`INSERT INTO dir_memberships (connection_id, group_id, member_id, member_kind) VALUES (?, ?, ?, ?)`,
			conn, groupID, memberID, kind); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if _, err := s.Writer.Exec(`INSERT INTO dir_groups (connection_id, id, display_name, created_at, updated_at)
			VALUES (?, ?, ?, '', '')`, conn, group(i), "Group "+group(i)); err != nil {
			t.Fatal(err)
		}
		for j := range n {
			if i != j {
				add(group(i), group(j), MemberGroup)
			}
		}
	}
	add(group(0), "user-1", MemberUser)

	paths, err := s.TransitiveGroups(ctx, conn, "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != n {
		t.Fatalf("%d groups, want %d", len(paths), n)
	}
	for _, p := range paths {
		want := 2
		if p.Group.ID == group(0) {
			want = 1
		}
		if len(p.Path) != want || p.Path[0].ID != group(0) || p.Path[len(p.Path)-1] != p.Group || p.Group.DisplayName == "" {
			t.Errorf("path to %s: %+v", p.Group.ID, p.Path)
		}
	}
}
