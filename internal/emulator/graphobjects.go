package emulator

import (
	"slices"
	"strings"
	"time"
)

// lookupUser finds a live user by id or userPrincipalName, as /users/{id}
// accepts both.
func (c *graphCall) lookupUser(key string) *user {
	if id, err := parseObjectID(key); err == nil {
		if u := c.t.users[id]; u != nil && u.deleted == 0 {
			return u
		}
		return nil
	}
	for _, id := range c.t.userIndex {
		if u := c.t.users[id]; u.deleted == 0 && strings.EqualFold(u.userPrincipalName, key) {
			return u
		}
	}
	return nil
}

func (c *graphCall) lookupGroup(key string) *group {
	id, err := parseObjectID(key)
	if err != nil {
		return nil
	}
	if g := c.t.groups[id]; g != nil && g.deleted == 0 {
		return g
	}
	return nil
}

func (c *graphCall) getUser() *graphError {
	return getObject(c, userProperties, userDefaultCount, "user", c.lookupUser)
}

func (c *graphCall) getGroup() *graphError {
	return getObject(c, groupProperties, len(groupProperties), "group", c.lookupGroup)
}

// getObject answers /users/{id} and /groups/{id} with the selected (or
// default) properties.
func getObject[T any](c *graphCall, props []property[T], defaults int, typeName string, lookup func(string) *T) *graphError {
	sel, gerr := parseSelect(c.options["$select"], props, defaults, typeName, false)
	if gerr != nil {
		return gerr
	}
	c.t.mu.RLock()
	defer c.t.mu.RUnlock()
	obj := lookup(c.segments[1])
	if obj == nil {
		return errResourceNotFound(c.segments[1])
	}
	body := orderedObject{{"@odata.context", "https://" + c.r.Host + "/v1.0/$metadata#" + typeName + "s/$entity"}}
	return c.writeOK(append(body, render(obj, props, sel, "")...))
}

// memberSelections resolves $select for a member list, whose entries are
// users and groups: a name must be a property of at least one of them.
func memberSelections(raw string) (users, groups selection, gerr *graphError) {
	if strings.TrimSpace(raw) == "" {
		return userDefaults(), groupDefaults(), nil
	}
	for _, name := range strings.Split(raw, ",") {
		u, uerr := parseSelect(name, userProperties, userDefaultCount, "user", false)
		g, gerr := parseSelect(name, groupProperties, len(groupProperties), "group", false)
		if uerr != nil && gerr != nil {
			return users, groups, badRequest("Request_BadRequest", "Could not find a property named '"+strings.TrimSpace(name)+"' on type 'microsoft.graph.directoryObject'.")
		}
		users.names = append(users.names, u.names...)
		groups.names = append(groups.names, g.names...)
	}
	return users, groups, nil
}

func (c *graphCall) renderMember(m memberRef, users, groups selection) orderedObject {
	if m.kind == kindGroup {
		return render(c.t.groups[m.id], groupProperties, groups, m.kind.odataType())
	}
	return render(c.t.users[m.id], userProperties, users, m.kind.odataType())
}

func (c *graphCall) listMembers() *graphError {
	return c.listMemberRefs(func(g *group) []memberRef { return g.members })
}

// listTransitiveMembers flattens nested groups; each member appears once
// even when reached by several paths (and cycles end).
func (c *graphCall) listTransitiveMembers() *graphError {
	return c.listMemberRefs(c.transitiveMembers)
}

func (c *graphCall) transitiveMembers(root *group) []memberRef {
	seen := map[objectID]bool{root.id: true}
	var out []memberRef
	queue := []*group{root}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		for _, m := range g.members {
			if seen[m.id] || !c.t.liveMember(m) {
				continue
			}
			seen[m.id] = true
			out = append(out, m)
			if m.kind == kindGroup {
				queue = append(queue, c.t.groups[m.id])
			}
		}
	}
	slices.SortFunc(out, func(a, b memberRef) int { return compareIDs(a.id, b.id) })
	return out
}

func (c *graphCall) listMemberRefs(membersOf func(*group) []memberRef) *graphError {
	paging, gerr := c.pagingOptions()
	if gerr != nil {
		return gerr
	}
	users, groups, gerr := memberSelections(c.options["$select"])
	if gerr != nil {
		return gerr
	}
	c.t.mu.RLock()
	defer c.t.mu.RUnlock()
	g := c.lookupGroup(c.segments[1])
	if g == nil {
		return errResourceNotFound(c.segments[1])
	}
	members := membersOf(g)
	keep := c.t.liveMember
	page, more := pageOf(members, func(m memberRef) objectID { return m.id }, paging.after, paging.top, keep)
	p := listPage{context: "directoryObjects", more: more}
	for _, m := range page {
		p.values = append(p.values, c.renderMember(m, users, groups))
	}
	if len(page) > 0 {
		p.lastID = page[len(page)-1].id
	}
	if paging.counted {
		n := 0
		for _, m := range members {
			if keep(m) {
				n++
			}
		}
		p.count = &n
	}
	return c.writeList(p)
}

func (c *graphCall) organization() *graphError {
	c.t.mu.RLock()
	defer c.t.mu.RUnlock()
	var domains []orderedObject
	for i, d := range c.t.domains {
		isDefault := i == min(1, len(c.t.domains)-1)
		domains = append(domains, orderedObject{
			{"capabilities", "Email, OfficeCommunicationsOnline"}, {"isDefault", isDefault},
			{"isInitial", i == 0}, {"name", d}, {"type", "Managed"},
		})
	}
	org := orderedObject{
		{"id", c.t.id.String()},
		{"createdDateTime", c.t.created.UTC().Format(time.RFC3339)},
		{"displayName", c.t.displayName},
		{"countryLetterCode", "GB"},
		{"tenantType", "AAD"},
		{"verifiedDomains", domains},
	}
	org, gerr := selectFields(org, c.options["$select"], "organization")
	if gerr != nil {
		return gerr
	}
	return c.writeOK(orderedObject{{"@odata.context", "https://" + c.r.Host + "/v1.0/$metadata#organization"}, {"value", []orderedObject{org}}})
}
