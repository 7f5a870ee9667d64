package emulator

import (
	"slices"
	"testing"
	"time"
)

// Soft-deleting a member keeps every group's member list exactly as it was
// (Entra ID restores the memberships with the object); purging removes only
// that member. The list is a shared sorted slice, so an in-place delete
// would silently drop its last element.
func TestSoftDeleteKeepsMemberLists(t *testing.T) {
	tn := generateTenant(generateSpec{name: "contoso", users: 60, groups: 6, seed: 9, now: time.Now()})
	var g *group
	for _, id := range tn.groupIndex {
		if c := tn.groups[id]; len(c.members) >= 3 && c.members[0].kind == kindUser {
			g = c
			break
		}
	}
	if g == nil {
		t.Fatal("no group with three members")
	}
	before := slices.Clone(g.members)
	first := before[0]
	if err := tn.deleteObject(kindUser, first.id, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.members, before) {
		t.Fatalf("a soft delete changed the member list:\n got %v\nwant %v", g.members, before)
	}
	if err := tn.deleteObject(kindUser, first.id, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.members, before[1:]) {
		t.Fatalf("a purge should remove only that member:\n got %v\nwant %v", g.members, before[1:])
	}
}
