package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
)

// userFields maps writable Graph property names to the user's fields, for
// the admin API and the tenant file (both take Graph's JSON names).
func userFields(u *user) map[string]any {
	return map[string]any{
		"displayName": &u.displayName, "givenName": &u.givenName, "surname": &u.surname,
		"userPrincipalName": &u.userPrincipalName, "mail": &u.mail, "mailNickname": &u.mailNickname,
		"jobTitle": &u.jobTitle, "department": &u.department, "officeLocation": &u.officeLocation,
		"companyName": &u.companyName, "mobilePhone": &u.mobilePhone, "businessPhones": &u.businessPhones,
		"proxyAddresses": &u.proxyAddresses, "preferredLanguage": &u.preferredLanguage,
		"usageLocation": &u.usageLocation, "city": &u.city, "country": &u.country,
		"employeeId": &u.employeeID, "userType": &u.userType, "accountEnabled": &u.accountEnabled,
	}
}

func groupFields(g *group) map[string]any {
	return map[string]any{
		"displayName": &g.displayName, "description": &g.description, "mail": &g.mail,
		"mailNickname": &g.mailNickname, "mailEnabled": &g.mailEnabled, "securityEnabled": &g.securityEnabled,
		"groupTypes": &g.groupTypes, "proxyAddresses": &g.proxyAddresses, "visibility": &g.visibility,
	}
}

// applyAttributes decodes each attribute into its field, matching names
// case-insensitively; ignored names (such as "id" or "members", handled by
// the caller) are skipped, unknown ones are an error.
func applyAttributes(fields map[string]any, attrs map[string]json.RawMessage, ignored ...string) error {
	for name, raw := range attrs {
		if containsFold(ignored, name) {
			continue
		}
		target := fieldFold(fields, name)
		if target == nil {
			return fmt.Errorf("unknown or read-only attribute %q", name)
		}
		if string(raw) == "null" {
			raw = zeroJSON(target)
		}
		if err := json.Unmarshal(raw, target); err != nil {
			return fmt.Errorf("attribute %q: %w", name, err)
		}
	}
	return nil
}

func zeroJSON(target any) json.RawMessage {
	switch target.(type) {
	case *string:
		return json.RawMessage(`""`)
	case *bool:
		return json.RawMessage(`false`)
	}
	return json.RawMessage(`[]`)
}

func fieldFold(fields map[string]any, name string) any {
	for k, v := range fields {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}
