package store

import (
	"cmp"
	"encoding/json"
	"slices"
)

// A run stages a group's members@delta entries from one page as one row of
// stage_member_lists (migration 0012): a JSON array of "<kind><op><id>"
// entries, kind u (user) or g (group), op + (member) or - (removed), one
// per member (the last the page sent), sorted by member id. One row per
// group and page is appended where a row per entry went to a random place
// of a large index.

// stageListsHead inserts member lists.
var stageListsHead = newStageHead(`INSERT INTO stage_member_lists (run_id, group_id, adds, removals, members)`, 5)

// memberList is one group's entries from one page, ready to stage.
type memberList struct {
	groupID        string
	adds, removals int
	members        []byte // JSON array
}

// memberLists turns a page's entries into one list per group. A group's
// entries are contiguous in a page (they are its members@delta); a group
// that comes again later in the same page gets a list of its own, which
// folding handles like the lists of a group repeated over pages.
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
	// The last entry for a member wins: a stable sort by member keeps
	// arrival order among a member's entries, and the last of each run is
	// kept.
	sorted := slices.Clone(entries)
	slices.SortStableFunc(sorted, func(a, b StagedMember) int { return cmp.Compare(a.MemberID, b.MemberID) })
	l := memberList{groupID: entries[0].GroupID, members: []byte{'['}}
	for i, m := range sorted {
		if i+1 < len(sorted) && sorted[i+1].MemberID == m.MemberID {
			continue
		}
		if len(l.members) > 1 {
			l.members = append(l.members, ',')
		}
		entry := []byte{'u', '+'}
		if m.MemberKind == MemberGroup {
			entry[0] = 'g'
		}
		if m.Removed {
			entry[1] = '-'
			l.removals++
		} else {
			l.adds++
		}
		l.members = appendListEntry(l.members, entry, m.MemberID)
	}
	l.members = append(l.members, ']')
	return l
}

// appendListEntry appends the JSON string prefix+id. Graph's ids are GUIDs,
// written as they are; anything else is quoted by encoding/json.
func appendListEntry(b, prefix []byte, id string) []byte {
	plain := true
	for i := 0; i < len(id) && plain; i++ {
		c := id[i]
		plain = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-'
	}
	if plain {
		b = append(b, '"')
		b = append(b, prefix...)
		b = append(b, id...)
		return append(b, '"')
	}
	quoted, _ := json.Marshal(string(prefix) + id) // a string always encodes
	return append(b, quoted...)
}

// stagedEntries are run ?1's staged entries, one row each: the list's
// arrival (seq) and the entry's place in it (pos) order them.
const stagedEntries = `SELECT l.group_id, l.seq, e.key AS pos, substr(e.value, 3) AS member_id,
		CASE substr(e.value, 1, 1) WHEN 'g' THEN 'group' ELSE 'user' END AS member_kind,
		substr(e.value, 2, 1) = '-' AS removed
	FROM stage_member_lists l, json_each(l.members) e WHERE l.run_id = ?1`

// lastStagedMembers are a run's members@delta entries, folded: the last
// entry for a (group, member) pair wins, because Graph may send a change
// again (replays) and a large group's members arrive over several pages
// with the group repeated (ENTRA-PROTOCOL §4). SQLite takes the bare
// columns of an aggregate with one max() from the row holding the
// maximum. ?1 is the run.
const lastStagedMembers = `SELECT group_id, member_id, member_kind, removed FROM (
	SELECT group_id, member_id, member_kind, removed, MAX(seq << 32 | pos)
	FROM (` + stagedEntries + `) GROUP BY group_id, member_id)`

// A group staged in one list without removals (most groups of a first
// sync) needs no folding: its list is its members. The others (a group
// repeated over pages, or with removed members) are folded. ?1 is the run.
const (
	foldedGroups = `SELECT group_id FROM stage_member_lists WHERE run_id = ?1
		GROUP BY group_id HAVING COUNT(*) > 1 OR SUM(removals) > 0`
	soleLists = `SELECT group_id, members, adds FROM stage_member_lists l WHERE run_id = ?1 AND removals = 0
		AND NOT EXISTS (SELECT 1 FROM stage_member_lists o WHERE o.run_id = l.run_id AND o.group_id = l.group_id
			AND o.seq <> l.seq)`
	lastFoldedMembers = `SELECT group_id, member_id, member_kind, removed FROM (
		SELECT group_id, member_id, member_kind, removed, MAX(seq << 32 | pos)
		FROM (` + stagedEntries + ` AND l.group_id IN (` + foldedGroups + `)) GROUP BY group_id, member_id)`
)

// countDirectMemberships counts the memberships run ?1 ends with.
const countDirectMemberships = `SELECT (SELECT COALESCE(SUM(adds), 0) FROM (` + soleLists + `))
	+ (SELECT COUNT(*) FROM (` + lastFoldedMembers + `) WHERE removed = 0)`

// applyDirectMemberships adds the memberships of a run planned with
// PlanDirectMemberships: the lists of groups staged once, read in group
// order and each sorted by member, are appended as they are; then the
// folded groups. ?1 run, ?2 connection.
var applyDirectMemberships = []applyStatement{
	{"add memberships of groups staged once", `INSERT INTO dir_memberships (connection_id, group_id, member_id, member_kind)
		SELECT ?2, l.group_id, substr(e.value, 3), CASE substr(e.value, 1, 1) WHEN 'g' THEN 'group' ELSE 'user' END
		FROM (` + soleLists + ` ORDER BY group_id) l, json_each(l.members) e`},
	{"add memberships of folded groups", `INSERT INTO dir_memberships (connection_id, group_id, member_id, member_kind)
		SELECT ?2, group_id, member_id, member_kind FROM (` + lastFoldedMembers + `) WHERE removed = 0`},
}
