package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// deltaState is what a delta query's $skiptoken and $deltatoken carry. Graph
// keeps $select inside its tokens (ENTRA-PROTOCOL.md §4), and so does this.
//
// A round is either a full enumeration (Full, walking the sorted index after
// After) or the changes of the log range (Since, Upto], walking the
// coalesced change list from Pos. Either way a round's deltaLink starts the
// next round at the log position the round began with, so a change made
// during a full enumeration is replayed on the next round, never lost.
type deltaState struct {
	Tenant       string   `json:"t"`
	Kind         string   `json:"k"`
	Select       []string `json:"s"`
	Members      bool     `json:"m,omitempty"`
	Epoch        uint64   `json:"e"`
	Issued       int64    `json:"i"`
	Full         bool     `json:"f,omitempty"`
	Since        uint64   `json:"from"`
	Upto         uint64   `json:"to,omitempty"`
	After        string   `json:"a,omitempty"`
	Pos          int      `json:"p,omitempty"`
	Partial      bool     `json:"pm,omitempty"` // the object at the cursor is resumed mid-members
	MemberOffset int      `json:"mo,omitempty"`
	MemberAfter  string   `json:"ma,omitempty"`
}

func (c *graphCall) usersDelta() *graphError  { return c.serveDelta(kindUser) }
func (c *graphCall) groupsDelta() *graphError { return c.serveDelta(kindGroup) }

func kindName(kind objectKind) string {
	if kind == kindGroup {
		return "groups"
	}
	return "users"
}

func (c *graphCall) serveDelta(kind objectKind) *graphError {
	pageSize := c.s.opts.DeltaPageSize
	if n, ok := preferredPageSize(c.r.Header.Get("Prefer")); ok {
		pageSize = n
		c.w.Header().Set("Preference-Applied", "odata.maxpagesize="+strconv.Itoa(n))
	}
	c.t.mu.RLock()
	defer c.t.mu.RUnlock()
	state, latest, gerr := c.openDeltaState(kind)
	if gerr != nil {
		return gerr
	}
	page := deltaPage{c: c, kind: kind, state: state, pageSize: pageSize, memberBudget: c.s.opts.DeltaMemberChunk}
	if latest {
		return page.finish(false)
	}
	if state.Full {
		page.fullEnumeration()
	} else {
		page.changes()
	}
	return page.finish(page.more)
}

// openDeltaState reads the request's token, or starts a round: a full
// enumeration, or with $deltaToken=latest an empty page whose deltaLink
// starts from now. Unknown, tampered, foreign or expired tokens are all
// Graph's syncStateNotFound.
func (c *graphCall) openDeltaState(kind objectKind) (deltaState, bool, *graphError) {
	raw, isDelta := c.options["$deltatoken"]
	if !isDelta {
		raw = c.options["$skiptoken"]
	}
	latest := isDelta && strings.EqualFold(raw, "latest")
	if latest || raw == "" { // an empty $deltatoken (410's Location) restarts
		var sel selection
		var gerr *graphError
		if kind == kindGroup {
			sel, gerr = parseSelect(c.options["$select"], groupProperties, len(groupProperties), "group", true)
		} else {
			sel, gerr = parseSelect(c.options["$select"], userProperties, userDefaultCount, "user", false)
		}
		if gerr != nil {
			return deltaState{}, false, gerr
		}
		state := deltaState{
			Tenant: c.t.id.String(), Kind: kindName(kind), Select: sel.names, Members: sel.members,
			Epoch: c.t.changes.epoch, Full: !latest, Since: c.t.changes.seq(),
		}
		return state, latest, nil
	}
	var state deltaState
	if err := c.s.openToken(raw, &state); err != nil {
		return state, false, errSyncStateNotFound()
	}
	expired := c.now.Sub(time.Unix(state.Issued, 0)) > c.s.opts.DeltaTokenTTL
	if state.Tenant != c.t.id.String() || state.Kind != kindName(kind) || state.Epoch != c.t.changes.epoch || expired || state.Since > c.t.changes.seq() {
		return state, false, errSyncStateNotFound()
	}
	return state, false, nil
}

// preferredPageSize reads "Prefer: odata.maxpagesize=N" (1–999).
func preferredPageSize(prefer string) (int, bool) {
	for _, part := range strings.Split(prefer, ",") {
		value, ok := strings.CutPrefix(strings.TrimSpace(part), "odata.maxpagesize=")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(value); err == nil && n >= 1 && n <= 999 {
			return n, true
		}
	}
	return 0, false
}

// deltaPage builds one page of a delta round under the tenant's read lock.
type deltaPage struct {
	c            *graphCall
	kind         objectKind
	state        deltaState
	pageSize     int
	memberBudget int
	values       []orderedObject
	more         bool
}

// fullEnumeration walks the live objects in id order after the cursor.
func (p *deltaPage) fullEnumeration() {
	index := p.c.currentIndex(kindName(p.kind))
	start, found := slices.BinarySearchFunc(index, p.state.After, func(id objectID, after string) int {
		return strings.Compare(id.String(), after)
	})
	if found && !p.state.Partial {
		start++
	}
	resume := p.state.Partial
	p.state.Partial = false
	for i := start; i < len(index); i++ {
		id := index[i]
		if !p.live(id) {
			resume = false
			continue
		}
		members := p.currentMembers(id)
		from := 0
		if resume && id.String() == p.state.After {
			from = membersAfter(members, p.state.MemberAfter)
		}
		resume = false
		if !p.emit(id, from, members) {
			p.more = true
			return
		}
		p.state.After = id.String()
	}
}

// changes walks the objects changed in (Since, Upto], coalesced per object.
func (p *deltaPage) changes() {
	if p.state.Upto == 0 {
		p.state.Upto = p.c.t.changes.seq()
	}
	ids, members := p.c.t.changes.changedSince(p.kind, p.state.Since, p.state.Upto)
	for p.state.Pos < len(ids) {
		id := ids[p.state.Pos]
		from := 0
		if p.state.Partial {
			from = p.state.MemberOffset
		}
		p.state.Partial = false
		var memberList []memberRef
		if p.kind == kindGroup && p.state.Members {
			memberList = members[id]
		}
		if !p.emit(id, from, memberList) {
			p.more = true
			return
		}
		p.state.Pos++
	}
}

func (p *deltaPage) live(id objectID) bool {
	if p.kind == kindGroup {
		g := p.c.t.groups[id]
		return g != nil && g.deleted == 0
	}
	u := p.c.t.users[id]
	return u != nil && u.deleted == 0
}

func (p *deltaPage) currentMembers(id objectID) []memberRef {
	if p.kind != kindGroup || !p.state.Members {
		return nil
	}
	return p.c.t.groups[id].members
}

// emit adds one object with its members from index from; false means the
// page is full and the cursor says where the next page resumes. A group
// whose members do not fit is repeated on the next page with the rest of
// them, as Graph does. A full enumeration lists live members only.
func (p *deltaPage) emit(id objectID, from int, memberList []memberRef) bool {
	if len(p.values) == p.pageSize || from < len(memberList) && p.memberBudget == 0 {
		p.suspend(id, from, memberList)
		return false
	}
	obj := p.render(id)
	if !p.live(id) {
		memberList = nil // a removed group carries no members@delta
	}
	if from >= len(memberList) {
		p.values = append(p.values, obj)
		return true
	}
	entries := make([]json.RawMessage, 0, min(len(memberList)-from, p.memberBudget))
	next := from
	for ; next < len(memberList) && len(entries) < p.memberBudget; next++ {
		m := memberList[next]
		if p.state.Full && !p.c.t.liveMember(m) {
			continue
		}
		entries = append(entries, p.memberEntry(id, m))
	}
	p.memberBudget -= len(entries)
	p.values = append(p.values, obj.with("members@delta", entries))
	if next < len(memberList) {
		p.suspend(id, next, memberList)
		return false
	}
	return true
}

// suspend records where the next page resumes: object id, member next. A
// full enumeration resumes after the last member id sent, not at an index,
// so members added or removed between pages cannot shift a member out of
// the round; the change-list walk is fixed by its log range, so an index
// is safe there.
func (p *deltaPage) suspend(id objectID, next int, memberList []memberRef) {
	p.state.Partial, p.state.MemberOffset, p.state.MemberAfter = next > 0, next, ""
	if next > 0 {
		p.state.MemberAfter = memberList[next-1].id.String()
		if p.state.Full {
			p.state.After = id.String()
		}
	}
}

// membersAfter is the index of the first member whose id sorts after
// the given one.
func membersAfter(members []memberRef, after string) int {
	pos, found := slices.BinarySearchFunc(members, after, func(m memberRef, after string) int {
		return strings.Compare(m.id.String(), after)
	})
	if found {
		pos++
	}
	return pos
}

// render gives the object's selected properties, or for a removed one
// {"id","@removed":{"reason"}}: "changed" when soft-deleted (restorable),
// "deleted" when gone for good.
func (p *deltaPage) render(id objectID) orderedObject {
	sel := selection{names: p.state.Select}
	if p.kind == kindGroup {
		g := p.c.t.groups[id]
		if g == nil || g.deleted != 0 {
			return removedObject(id, g != nil)
		}
		return render(g, groupProperties, sel, "")
	}
	u := p.c.t.users[id]
	if u == nil || u.deleted != 0 {
		return removedObject(id, u != nil)
	}
	return render(u, userProperties, sel, "")
}

func removedObject(id objectID, softDeleted bool) orderedObject {
	reason := "deleted"
	if softDeleted {
		reason = "changed"
	}
	return orderedObject{{"id", id.String()}, {"@removed", orderedObject{{"reason", reason}}}}
}

// memberEntry is one members@delta item; a membership that no longer holds
// (removed, or the member deleted) carries @removed. It is written as raw
// JSON: a large tenant's first groups round has a million of them.
func (p *deltaPage) memberEntry(groupID objectID, m memberRef) json.RawMessage {
	g := p.c.t.groups[groupID]
	still := false
	if g != nil {
		_, still = slices.BinarySearchFunc(g.members, m.id, func(e memberRef, id objectID) int { return compareIDs(e.id, id) })
	}
	entry := make([]byte, 0, 112)
	entry = append(entry, `{"@odata.type":"`...)
	entry = append(entry, m.kind.odataType()...)
	entry = append(entry, `","id":"`...)
	entry = append(entry, m.id.String()...)
	entry = append(entry, '"')
	if !still || !p.c.t.liveMember(m) {
		entry = append(entry, `,"@removed":{"reason":"deleted"}`...)
	}
	return append(entry, '}')
}

// finish writes the page with a nextLink (more) or a deltaLink that starts
// the next round where this one's changes end.
func (p *deltaPage) finish(more bool) *graphError {
	c := p.c
	next := p.state
	next.Issued = c.now.Unix()
	linkName := "$skiptoken"
	if !more {
		linkName = "$deltatoken"
		if !p.state.Full && p.state.Upto != 0 {
			next.Since = p.state.Upto
		}
		next = deltaState{Tenant: next.Tenant, Kind: next.Kind, Select: next.Select, Members: next.Members,
			Epoch: next.Epoch, Issued: next.Issued, Since: next.Since}
	}
	token, err := c.s.sealToken(next)
	if err != nil {
		return &graphError{http.StatusInternalServerError, "generalException", err.Error()}
	}
	selected := strings.Join(p.state.Select, ",")
	if p.state.Members {
		selected = strings.Join(append(slices.Clone(p.state.Select), "members"), ",")
	}
	link := "https://" + c.r.Host + "/v1.0/" + kindName(p.kind) + "/delta?" + linkName + "=" + token
	body := orderedObject{{"@odata.context", "https://" + c.r.Host + "/v1.0/$metadata#" + contextWithSelect(kindName(p.kind), selected)}}
	if more {
		body = body.with("@odata.nextLink", link)
	} else {
		body = body.with("@odata.deltaLink", link)
	}
	if p.values == nil {
		p.values = []orderedObject{}
	}
	return c.writeOK(body.with("value", p.values))
}
