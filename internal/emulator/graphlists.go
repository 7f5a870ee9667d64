package emulator

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// listCursor is the state inside a list $skiptoken: the last id served.
type listCursor struct {
	Tenant string `json:"t"`
	After  string `json:"a"`
}

// pageSize reads $top: Graph's list default is 100, the range 1–999.
func (c *graphCall) pageSize() (int, *graphError) {
	raw, ok := c.options["$top"]
	if !ok {
		return 100, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 999 {
		return 0, errPageSize(raw)
	}
	return n, nil
}

func (c *graphCall) skipCursor() (*objectID, *graphError) {
	raw, ok := c.options["$skiptoken"]
	if !ok {
		return nil, nil
	}
	var cursor listCursor
	if err := c.s.openToken(raw, &cursor); err != nil || cursor.Tenant != c.t.id.String() {
		return nil, badRequest("Request_BadRequest", "Invalid $skiptoken value.")
	}
	id, err := parseObjectID(cursor.After)
	if err != nil {
		return nil, badRequest("Request_BadRequest", "Invalid $skiptoken value.")
	}
	return &id, nil
}

// paging is a list request's $top, $skiptoken cursor and $count.
type paging struct {
	top     int
	after   *objectID
	counted bool
}

func (c *graphCall) pagingOptions() (paging, *graphError) {
	var p paging
	var gerr *graphError
	if p.top, gerr = c.pageSize(); gerr != nil {
		return p, gerr
	}
	if p.after, gerr = c.skipCursor(); gerr != nil {
		return p, gerr
	}
	p.counted, gerr = c.wantsCount()
	return p, gerr
}

// wantsCount reports $count=true, which Graph serves only with the
// "ConsistencyLevel: eventual" header (advanced queries).
func (c *graphCall) wantsCount() (bool, *graphError) {
	raw, ok := c.options["$count"]
	if !ok || strings.EqualFold(raw, "false") {
		return false, nil
	}
	if !strings.EqualFold(raw, "true") {
		return false, badRequest("Request_BadRequest", "Invalid $count value '"+raw+"'.")
	}
	if !strings.EqualFold(c.r.Header.Get("ConsistencyLevel"), "eventual") {
		return false, badRequest("Request_BadRequest", "$count is not currently supported.")
	}
	return true, nil
}

// pageOf walks a sorted list from just after the cursor and returns up to
// top kept items; more says whether another kept item follows. It never
// copies the list, so a 100,000-user tenant pages in O(page).
func pageOf[T any](items []T, idOf func(T) objectID, after *objectID, top int, keep func(T) bool) (page []T, more bool) {
	start := 0
	if after != nil {
		pos, found := slices.BinarySearchFunc(items, *after, func(item T, id objectID) int { return compareIDs(idOf(item), id) })
		start = pos
		if found {
			start++
		}
	}
	for i := start; i < len(items); i++ {
		if !keep(items[i]) {
			continue
		}
		if len(page) == top {
			return page, true
		}
		page = append(page, items[i])
	}
	return page, false
}

// listPage is the common shape of a list answer.
type listPage struct {
	context string
	count   *int
	values  []orderedObject
	lastID  objectID
	more    bool
}

func (c *graphCall) writeList(p listPage) *graphError {
	body := orderedObject{{"@odata.context", "https://" + c.r.Host + "/v1.0/$metadata#" + p.context}}
	if p.count != nil {
		body = body.with("@odata.count", *p.count)
	}
	if p.more {
		token, err := c.s.sealToken(listCursor{Tenant: c.t.id.String(), After: p.lastID.String()})
		if err != nil {
			return &graphError{http.StatusInternalServerError, "generalException", err.Error()}
		}
		body = body.with("@odata.nextLink", c.linkWith("$skiptoken", token))
	}
	if p.values == nil {
		p.values = []orderedObject{}
	}
	return c.writeOK(body.with("value", p.values))
}

func contextWithSelect(entitySet string, sel string) string {
	if sel == "" {
		return entitySet
	}
	return entitySet + "(" + sel + ")"
}

func idOfID(id objectID) objectID { return id }

func (c *graphCall) listUsers() *graphError {
	sel, gerr := parseSelect(c.options["$select"], userProperties, userDefaultCount, "user", false)
	if gerr != nil {
		return gerr
	}
	keep, gerr := c.userFilter()
	if gerr != nil {
		return gerr
	}
	return c.listObjects("users", keep, func(id objectID) orderedObject {
		return render(c.t.users[id], userProperties, sel, "")
	})
}

func (c *graphCall) listGroups() *graphError {
	sel, gerr := parseSelect(c.options["$select"], groupProperties, len(groupProperties), "group", false)
	if gerr != nil {
		return gerr
	}
	keep, gerr := c.groupFilter()
	if gerr != nil {
		return gerr
	}
	return c.listObjects("groups", keep, func(id objectID) orderedObject {
		return render(c.t.groups[id], groupProperties, sel, "")
	})
}

// listObjects serves one page of /users or /groups under the tenant's read
// lock: the page is rendered from the live index.
func (c *graphCall) listObjects(entitySet string, keep func(objectID) bool, renderOne func(objectID) orderedObject) *graphError {
	paging, gerr := c.pagingOptions()
	if gerr != nil {
		return gerr
	}
	c.t.mu.RLock()
	defer c.t.mu.RUnlock()
	index := c.currentIndex(entitySet)
	page, more := pageOf(index, idOfID, paging.after, paging.top, keep)
	p := listPage{context: contextWithSelect(entitySet, c.options["$select"]), more: more}
	for _, id := range page {
		p.values = append(p.values, renderOne(id))
	}
	if len(page) > 0 {
		p.lastID = page[len(page)-1]
	}
	if paging.counted {
		n := countKept(index, keep)
		p.count = &n
	}
	return c.writeList(p)
}

func (c *graphCall) currentIndex(entitySet string) []objectID {
	if entitySet == "users" {
		return c.t.userIndex
	}
	return c.t.groupIndex
}

func countKept(index []objectID, keep func(objectID) bool) int {
	n := 0
	for _, id := range index {
		if keep(id) {
			n++
		}
	}
	return n
}

// userFilter keeps live users matching $filter; it runs under the lock.
func (c *graphCall) userFilter() (func(objectID) bool, *graphError) {
	return liveFilter(c, userProperties, c.t.users, func(u *user) int64 { return u.deleted })
}

func (c *graphCall) groupFilter() (func(objectID) bool, *graphError) {
	return liveFilter(c, groupProperties, c.t.groups, func(g *group) int64 { return g.deleted })
}

func liveFilter[T any](c *graphCall, props []property[T], objects map[objectID]*T, deletedAt func(*T) int64) (func(objectID) bool, *graphError) {
	clause, gerr := parseFilter(c.options["$filter"])
	if gerr != nil {
		return nil, gerr
	}
	match, gerr := filterFor(clause, props)
	if gerr != nil {
		return nil, gerr
	}
	return func(id objectID) bool {
		obj := objects[id]
		return obj != nil && deletedAt(obj) == 0 && match(obj)
	}, nil
}

// countUsers answers /users/$count: a bare number as text/plain, and only
// with ConsistencyLevel: eventual.
func (c *graphCall) countUsers() *graphError { return c.countObjects("users") }

func (c *graphCall) countGroups() *graphError { return c.countObjects("groups") }

func (c *graphCall) countObjects(entitySet string) *graphError {
	if !strings.EqualFold(c.r.Header.Get("ConsistencyLevel"), "eventual") {
		return badRequest("Request_BadRequest", "$count is not currently supported.")
	}
	keep, gerr := c.userFilter()
	if entitySet == "groups" {
		keep, gerr = c.groupFilter()
	}
	if gerr != nil {
		return gerr
	}
	c.t.mu.RLock()
	n := countKept(c.currentIndex(entitySet), keep)
	c.t.mu.RUnlock()
	c.w.Header().Set("Content-Type", "text/plain")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write([]byte(strconv.Itoa(n)))
	return nil
}
