package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// A run stages a group's members@delta entries from one staging
// transaction as one row of stage_member_lists (migration 0011), not one
// row each: one row per group is appended where a row per entry went to a
// random place of a large index. A list holds each member once (the last
// entry the transaction staged), sorted by id: member users and member
// groups as JSON arrays of ids, removals as "u<id>" or "g<id>".

// stageListsHead inserts member lists.
var stageListsHead = newStageHead(`INSERT INTO stage_member_lists (run_id, group_id, adds, removals, users, groups,
	removed)`, `(?, ?, ?, ?, ?, ?, ?)`, 7)

// memberList is one group's entries, ready to stage.
type memberList struct {
	groupID                string
	adds, removals         int
	users, groups, removed []byte // JSON arrays
}

// memberLists turns entries into one list per group. A group's entries are
// contiguous (they are its members@delta, continued on the next page when
// the group is large); a group that comes again later gets a list of its
// own, which folding handles like the lists of other transactions.
func memberLists(entries []StagedMember) []memberList {
	var lists []memberList
	for len(entries) > 0 {
		n := 1
		for n < len(entries) && entries[n].GroupID == entries[0].GroupID {
			n++
		}
		lists = append(lists, newMemberList(entries[:n]))
		entries = entries[n:]
	}
	return lists
}

func newMemberList(entries []StagedMember) memberList {
	// The last entry for a member wins: the entries' positions, sorted by
	// member and then by arrival, put a member's entries together in order,
	// and the last of each run is kept. Sorting positions rather than the
	// entries themselves, which a stable sort moves about many times over,
	// and writing GUIDs through a table, made a 10,000-member list 3.5 times
	// faster (BenchmarkNewMemberList: 7.1 → 2.0 ms).
	order := make([]int32, len(entries))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(strings.Compare(entries[a].MemberID, entries[b].MemberID), cmp.Compare(a, b))
	})
	l := memberList{groupID: entries[0].GroupID, users: append(make([]byte, 0, 2+len(entries)*39), '['),
		groups: []byte{'['}, removed: []byte{'['}}
	for i, at := range order {
		m := entries[at]
		if i+1 < len(order) && entries[order[i+1]].MemberID == m.MemberID {
			continue
		}
		switch {
		case m.Removed:
			prefix := "u"
			if m.MemberKind == MemberGroup {
				prefix = "g"
			}
			l.removed = appendListEntry(l.removed, prefix, m.MemberID)
			l.removals++
		case m.MemberKind == MemberGroup:
			l.groups = appendListEntry(l.groups, "", m.MemberID)
			l.adds++
		default:
			l.users = appendListEntry(l.users, "", m.MemberID)
			l.adds++
		}
	}
	l.users, l.groups, l.removed = append(l.users, ']'), append(l.groups, ']'), append(l.removed, ']')
	return l
}

// appendListEntry appends prefix+id to a JSON array being written. Graph's
// ids are GUIDs, written as they are; anything else is quoted by
// encoding/json.
func appendListEntry(b []byte, prefix, id string) []byte {
	if len(b) > 1 {
		b = append(b, ',')
	}
	for i := 0; i < len(id); i++ {
		if !plainInJSON[id[i]] {
			quoted, _ := json.Marshal(prefix + id) // a string always encodes
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, prefix...)
	b = append(b, id...)
	return append(b, '"')
}

// plainInJSON are the bytes of a GUID: a JSON string holds them as they are.
var plainInJSON = func() (plain [256]bool) {
	for _, r := range [][2]byte{{'0', '9'}, {'a', 'z'}, {'A', 'Z'}, {'-', '-'}} {
		for c := int(r[0]); c <= int(r[1]); c++ {
			plain[c] = true
		}
	}
	return plain
}()

// stagedEntries are the staged entries of run ?1 (and of the lists the
// caller's condition keeps), one row each; a list's seq is its arrival.
func stagedEntries(condition string) string {
	from := ` FROM stage_member_lists l, json_each(l.%s) e WHERE l.run_id = ?1` + condition
	return `SELECT l.group_id, l.seq, e.value AS member_id, 'user' AS member_kind, 0 AS removed` + fmt.Sprintf(from, "users") + `
		UNION ALL SELECT l.group_id, l.seq, e.value, 'group', 0` + fmt.Sprintf(from, "groups") + `
		UNION ALL SELECT l.group_id, l.seq, substr(e.value, 2), CASE substr(e.value, 1, 1) WHEN 'g' THEN 'group' ELSE 'user' END, 1` +
		fmt.Sprintf(from, "removed")
}

// foldEntries keeps, of the entries for a (group, member) pair, the one of
// the latest list (a list holds a member once). SQLite takes the bare
// columns of an aggregate with one max() from the row holding the maximum.
func foldEntries(entries string) string {
	return `SELECT group_id, member_id, member_kind, removed FROM (
		SELECT group_id, member_id, member_kind, removed, MAX(seq) FROM (` + entries + `) GROUP BY group_id, member_id)`
}

// lastStagedMembers are a run's members@delta entries, folded: the last
// entry for a (group, member) pair wins, because Graph may send a change
// again (replays) and a large group's members arrive over several pages
// with the group repeated (ENTRA-PROTOCOL §4). ?1 is the run.
var lastStagedMembers = foldEntries(stagedEntries(""))

// soleList is true for a list (alias l) that is its group's only list and
// removes nothing, as most groups of a first sync are: the list is the
// group's members, with no folding. The lists of other groups (in more
// than one list, or with removed members) are folded.
const soleList = `l.removals = 0 AND NOT EXISTS (SELECT 1 FROM stage_member_lists o
	WHERE o.run_id = l.run_id AND o.group_id = l.group_id AND o.seq <> l.seq)`

var lastFoldedMembers = foldEntries(stagedEntries(` AND NOT (` + soleList + `)`))

// countDirectMemberships counts the memberships run ?1 ends with.
var countDirectMemberships = `SELECT (SELECT COALESCE(SUM(adds), 0) FROM stage_member_lists l WHERE l.run_id = ?1 AND ` +
	soleList + `) + (SELECT COUNT(*) FROM (` + lastFoldedMembers + `) WHERE removed = 0)`

// applyDirectMemberships adds the memberships of a run planned with
// PlanDirectMemberships: the lists of groups staged once, read in group
// order and each sorted by member, are appended as they are (member users,
// then member groups; such a list removes nothing); then the folded
// groups. ?1 run, ?2 connection.
//
// Each kind of member is its own statement, not an arm of stagedEntries'
// UNION ALL: SQLite runs a compound subquery as a co-routine, handing over
// every one of a million rows, which made the copy a third slower.
var applyDirectMemberships = []applyStatement{
	{"add member users of groups staged once", soleListMembers("users", MemberUser)},
	{"add member groups of groups staged once", soleListMembers("groups", MemberGroup)},
	{"add memberships of folded groups", `INSERT INTO dir_memberships (connection_id, group_id, member_id, member_kind)
		SELECT ?2, group_id, member_id, member_kind FROM (` + lastFoldedMembers + `) WHERE removed = 0`},
}

// soleListMembers copies one kind of member (a list's column) of the
// groups staged in one list into dir_memberships. ?1 run, ?2 connection.
func soleListMembers(column, kind string) string {
	return `INSERT INTO dir_memberships (connection_id, group_id, member_id, member_kind)
		SELECT ?2, l.group_id, e.value, '` + kind + `' FROM stage_member_lists l, json_each(l.` + column + `) e
		WHERE l.run_id = ?1 AND ` + soleList
}
