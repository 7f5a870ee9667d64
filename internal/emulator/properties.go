package emulator

import (
	"strings"
	"time"
)

// property reads one Graph property of an object of type T.
type property[T any] struct {
	name string
	get  func(*T) any
}

func stringOrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func stringsOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func unixOrNull(sec int64) any {
	if sec == 0 {
		return nil
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

// userProperties lists the user properties the emulator knows, in Graph's
// order. The first eleven (after id) are the defaults ENTRA-PROTOCOL.md §4
// names; the others come only with $select.
var userProperties = []property[user]{
	{"businessPhones", func(u *user) any { return stringsOrEmpty(u.businessPhones) }},
	{"displayName", func(u *user) any { return stringOrNull(u.displayName) }},
	{"givenName", func(u *user) any { return stringOrNull(u.givenName) }},
	{"jobTitle", func(u *user) any { return stringOrNull(u.jobTitle) }},
	{"mail", func(u *user) any { return stringOrNull(u.mail) }},
	{"mobilePhone", func(u *user) any { return stringOrNull(u.mobilePhone) }},
	{"officeLocation", func(u *user) any { return stringOrNull(u.officeLocation) }},
	{"preferredLanguage", func(u *user) any { return stringOrNull(u.preferredLanguage) }},
	{"surname", func(u *user) any { return stringOrNull(u.surname) }},
	{"userPrincipalName", func(u *user) any { return u.userPrincipalName }},
	{"id", func(u *user) any { return u.id.String() }},
	{"accountEnabled", func(u *user) any { return u.accountEnabled }},
	{"city", func(u *user) any { return stringOrNull(u.city) }},
	{"companyName", func(u *user) any { return stringOrNull(u.companyName) }},
	{"country", func(u *user) any { return stringOrNull(u.country) }},
	{"createdDateTime", func(u *user) any { return unixOrNull(u.created) }},
	{"deletedDateTime", func(u *user) any { return unixOrNull(u.deleted) }},
	{"department", func(u *user) any { return stringOrNull(u.department) }},
	{"employeeId", func(u *user) any { return stringOrNull(u.employeeID) }},
	{"mailNickname", func(u *user) any { return stringOrNull(u.mailNickname) }},
	{"proxyAddresses", func(u *user) any { return stringsOrEmpty(u.proxyAddresses) }},
	{"usageLocation", func(u *user) any { return stringOrNull(u.usageLocation) }},
	{"userType", func(u *user) any { return stringOrNull(u.userType) }},
	{"onPremisesImmutableId", func(u *user) any { return nil }},
	{"onPremisesSyncEnabled", func(u *user) any { return nil }},
	{"otherMails", func(u *user) any { return []string{} }},
}

const userDefaultCount = 11

var groupProperties = []property[group]{
	{"id", func(g *group) any { return g.id.String() }},
	{"deletedDateTime", func(g *group) any { return unixOrNull(g.deleted) }},
	{"classification", func(g *group) any { return nil }},
	{"createdDateTime", func(g *group) any { return unixOrNull(g.created) }},
	{"creationOptions", func(g *group) any { return []string{} }},
	{"description", func(g *group) any { return stringOrNull(g.description) }},
	{"displayName", func(g *group) any { return stringOrNull(g.displayName) }},
	{"expirationDateTime", func(g *group) any { return nil }},
	{"groupTypes", func(g *group) any { return stringsOrEmpty(g.groupTypes) }},
	{"isAssignableToRole", func(g *group) any { return nil }},
	{"mail", func(g *group) any { return stringOrNull(g.mail) }},
	{"mailEnabled", func(g *group) any { return g.mailEnabled }},
	{"mailNickname", func(g *group) any { return stringOrNull(g.mailNickname) }},
	{"membershipRule", func(g *group) any { return nil }},
	{"onPremisesSyncEnabled", func(g *group) any { return nil }},
	{"preferredDataLocation", func(g *group) any { return nil }},
	{"proxyAddresses", func(g *group) any { return stringsOrEmpty(g.proxyAddresses) }},
	{"renewedDateTime", func(g *group) any { return unixOrNull(g.created) }},
	{"securityEnabled", func(g *group) any { return g.securityEnabled }},
	{"visibility", func(g *group) any { return stringOrNull(g.visibility) }},
}

// selection is a resolved $select: property indexes in the order asked,
// plus whether "members" was asked (groups delta only).
type selection struct {
	names   []string // canonical names, as carried inside delta tokens
	members bool
}

// parseSelect resolves $select case-insensitively against the known
// properties; unknown names give Graph's "Could not find a property" error.
// An empty $select gives the defaults.
func parseSelect[T any](raw string, props []property[T], defaults int, typeName string, allowMembers bool) (selection, *graphError) {
	var sel selection
	if strings.TrimSpace(raw) == "" {
		for _, p := range props[:defaults] {
			sel.names = append(sel.names, p.name)
		}
		return sel, nil
	}
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		if allowMembers && strings.EqualFold(name, "members") {
			sel.members = true
			continue
		}
		found := false
		for _, p := range props {
			if strings.EqualFold(p.name, name) {
				sel.names = append(sel.names, p.name)
				found = true
				break
			}
		}
		if !found {
			return sel, badRequest("Request_BadRequest", "Could not find a property named '"+name+"' on type 'microsoft.graph."+typeName+"'.")
		}
	}
	return sel, nil
}

// render writes the selected properties of obj; id always comes first, as
// Graph includes it whether asked or not.
func render[T any](obj *T, props []property[T], sel selection, odataType string) orderedObject {
	out := make(orderedObject, 0, len(sel.names)+2)
	if odataType != "" {
		out = out.with("@odata.type", odataType)
	}
	for _, p := range props {
		if p.name == "id" {
			out = out.with("id", p.get(obj))
		}
	}
	for _, name := range sel.names {
		if name == "id" {
			continue
		}
		for _, p := range props {
			if p.name == name {
				out = out.with(p.name, p.get(obj))
				break
			}
		}
	}
	return out
}

func userDefaults() selection {
	sel, _ := parseSelect("", userProperties, userDefaultCount, "user", false)
	return sel
}

func groupDefaults() selection {
	sel, _ := parseSelect("", groupProperties, len(groupProperties), "group", false)
	return sel
}
