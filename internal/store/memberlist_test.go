package store

import "testing"

func TestNewMemberListKeepsEachMembersLastEntry(t *testing.T) {
	user := func(id string, removed bool) StagedMember {
		return StagedMember{GroupID: "g1", MemberID: id, MemberKind: MemberUser, Removed: removed}
	}
	group := func(id string, removed bool) StagedMember {
		return StagedMember{GroupID: "g1", MemberID: id, MemberKind: MemberGroup, Removed: removed}
	}
	tests := []struct {
		name                   string
		entries                []StagedMember
		users, groups, removed string
		adds, removals         int
	}{
		{"sorted by member", []StagedMember{user("c", false), user("a", false), group("b", false)},
			`["a","c"]`, `["b"]`, `[]`, 3, 0},
		{"added, then removed", []StagedMember{user("a", false), user("b", false), user("a", true)},
			`["b"]`, `[]`, `["ua"]`, 1, 1},
		{"removed, then added again", []StagedMember{group("a", true), user("b", false), group("a", false)},
			`["b"]`, `["a"]`, `[]`, 2, 0},
		{"the same entry three times", []StagedMember{user("a", true), user("a", false), user("a", true)},
			`[]`, `[]`, `["ua"]`, 0, 1},
		{"an id that is not a GUID is quoted", []StagedMember{user(`x"y`, false), group(`é`, true)},
			`["x\"y"]`, `[]`, `["gé"]`, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newMemberList(tt.entries)
			if string(l.users) != tt.users || string(l.groups) != tt.groups || string(l.removed) != tt.removed {
				t.Errorf("lists %s %s %s, want %s %s %s", l.users, l.groups, l.removed, tt.users, tt.groups, tt.removed)
			}
			if l.adds != tt.adds || l.removals != tt.removals || l.groupID != "g1" {
				t.Errorf("group %q, %d adds, %d removals; want g1, %d, %d", l.groupID, l.adds, l.removals, tt.adds, tt.removals)
			}
		})
	}
}
