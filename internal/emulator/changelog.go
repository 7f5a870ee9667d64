package emulator

// change is one entry of a tenant's change log. Delta links carry the
// sequence number they were issued at; a later request replays the entries
// after it, which is how Graph returns "only the changes since".
type change struct {
	kind   objectKind // kind of the object that changed
	id     objectID
	member *memberRef // set when a group's membership changed
}

// changeLog is append-only; an entry's sequence number is its index + 1, so
// sequence 0 means "the state the tenant was generated with".
type changeLog struct {
	entries []change
	// epoch is bumped to invalidate every delta token issued so far (the
	// admin API's "expire delta tokens").
	epoch uint64
}

func (l *changeLog) seq() uint64 { return uint64(len(l.entries)) }

func (l *changeLog) recordObject(kind objectKind, id objectID) {
	l.entries = append(l.entries, change{kind: kind, id: id})
}

func (l *changeLog) recordMember(groupID objectID, m memberRef) {
	l.entries = append(l.entries, change{kind: kindGroup, id: groupID, member: &m})
}

// changedSince coalesces the entries in (from, to] per object of the given
// kind, in the order each object first changed. For groups it also gathers
// the members whose membership changed.
func (l *changeLog) changedSince(kind objectKind, from, to uint64) (ids []objectID, members map[objectID][]memberRef) {
	seen := map[objectID]bool{}
	members = map[objectID][]memberRef{}
	memberSeen := map[[2]objectID]bool{}
	for _, c := range l.entries[from:to] {
		if c.kind != kind {
			continue
		}
		if !seen[c.id] {
			seen[c.id] = true
			ids = append(ids, c.id)
		}
		if c.member != nil {
			key := [2]objectID{c.id, c.member.id}
			if !memberSeen[key] {
				memberSeen[key] = true
				members[c.id] = append(members[c.id], *c.member)
			}
		}
	}
	return ids, members
}
