package emulator

import (
	"encoding/base64"
	"strings"
	"time"
)

// listApplications answers /applications, usually with
// $filter=appId eq '…': Connect reads the expiry of the app's secrets and
// certificates from passwordCredentials and keyCredentials.
func (c *graphCall) listApplications() *graphError {
	clause, gerr := parseFilter(c.options["$filter"])
	if gerr != nil {
		return gerr
	}
	if clause != nil && clause.property != "appId" && clause.property != "id" && clause.property != "displayName" {
		return badRequest("Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property '"+clause.property+"' of resource 'Application'.")
	}
	top, gerr := c.pageSize()
	if gerr != nil {
		return gerr
	}
	c.t.mu.RLock()
	defer c.t.mu.RUnlock()
	var values []orderedObject
	for _, app := range c.t.apps {
		if len(values) == top {
			break
		}
		if clause != nil && !clause.matches(appFilterValue(app, clause.property)) {
			continue
		}
		view, gerr := selectFields(c.renderApplication(app), c.options["$select"], "application")
		if gerr != nil {
			return gerr
		}
		values = append(values, view)
	}
	if values == nil {
		values = []orderedObject{}
	}
	return c.writeOK(orderedObject{{"@odata.context", "https://" + c.r.Host + "/v1.0/$metadata#applications"}, {"value", values}})
}

func appFilterValue(app *application, property string) string {
	switch property {
	case "appId":
		return app.appID.String()
	case "id":
		return app.objectID.String()
	}
	return app.displayName
}

func (c *graphCall) renderApplication(app *application) orderedObject {
	passwords := []orderedObject{}
	for _, p := range app.passwords {
		passwords = append(passwords, orderedObject{
			{"customKeyIdentifier", nil},
			{"displayName", stringOrNull(p.displayName)},
			{"endDateTime", p.end.UTC().Format(time.RFC3339)},
			{"hint", p.hint()},
			{"keyId", p.keyID.String()},
			{"secretText", nil},
			{"startDateTime", p.start.UTC().Format(time.RFC3339)},
		})
	}
	keys := []orderedObject{}
	for _, k := range app.keys {
		keys = append(keys, orderedObject{
			{"customKeyIdentifier", base64.StdEncoding.EncodeToString(k.thumbprintSHA1())},
			{"displayName", stringOrNull(k.displayName)},
			{"endDateTime", k.end.UTC().Format(time.RFC3339)},
			{"key", nil},
			{"keyId", k.keyID.String()},
			{"startDateTime", k.start.UTC().Format(time.RFC3339)},
			{"type", "AsymmetricX509Cert"},
			{"usage", "Verify"},
		})
	}
	access := []orderedObject{}
	for _, group := range []struct {
		resource string
		roles    []string
		ids      map[string]string
	}{{graphAppID, app.graphRoles, graphRoleIDs}, {exchangeAppID, app.exchangeRoles, exchangeRoleIDs}} {
		if len(group.roles) == 0 {
			continue
		}
		var entries []orderedObject
		for _, r := range group.roles {
			entries = append(entries, orderedObject{{"id", group.ids[r]}, {"type", "Role"}})
		}
		access = append(access, orderedObject{{"resourceAppId", group.resource}, {"resourceAccess", entries}})
	}
	return orderedObject{
		{"id", app.objectID.String()},
		{"appId", app.appID.String()},
		{"createdDateTime", app.created.UTC().Format(time.RFC3339)},
		{"displayName", app.displayName},
		{"publisherDomain", c.t.primaryDomain()},
		{"signInAudience", "AzureADMyOrg"},
		{"keyCredentials", keys},
		{"passwordCredentials", passwords},
		{"requiredResourceAccess", access},
	}
}

// selectFields keeps id and the $select-ed members of a rendered object.
func selectFields(obj orderedObject, raw, typeName string) (orderedObject, *graphError) {
	if strings.TrimSpace(raw) == "" {
		return obj, nil
	}
	keep := map[string]bool{"id": true}
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, f := range obj {
			if strings.EqualFold(f.name, name) {
				keep[f.name], found = true, true
			}
		}
		if !found {
			return nil, badRequest("Request_BadRequest", "Could not find a property named '"+name+"' on type 'microsoft.graph."+typeName+"'.")
		}
	}
	var out orderedObject
	for _, f := range obj {
		if keep[f.name] {
			out = append(out, f)
		}
	}
	return out, nil
}
