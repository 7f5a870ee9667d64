package graph

import (
	"strings"
	"time"
)

// User is a user as /users and /users/delta return it, limited to the
// properties Connect selects (userSelect).
type User struct {
	ID                string           `json:"id"`
	UserPrincipalName Field[string]    `json:"userPrincipalName,omitzero"`
	Mail              Field[string]    `json:"mail,omitzero"`
	DisplayName       Field[string]    `json:"displayName,omitzero"`
	GivenName         Field[string]    `json:"givenName,omitzero"`
	Surname           Field[string]    `json:"surname,omitzero"`
	JobTitle          Field[string]    `json:"jobTitle,omitzero"`
	Department        Field[string]    `json:"department,omitzero"`
	OfficeLocation    Field[string]    `json:"officeLocation,omitzero"`
	CompanyName       Field[string]    `json:"companyName,omitzero"`
	MobilePhone       Field[string]    `json:"mobilePhone,omitzero"`
	BusinessPhones    Field[[]string]  `json:"businessPhones,omitzero"`
	ProxyAddresses    Field[[]string]  `json:"proxyAddresses,omitzero"`
	AccountEnabled    Field[bool]      `json:"accountEnabled,omitzero"`
	UserType          Field[string]    `json:"userType,omitzero"`
	CreatedDateTime   Field[time.Time] `json:"createdDateTime,omitzero"`
	EmployeeID        Field[string]    `json:"employeeId,omitzero"`
	UsageLocation     Field[string]    `json:"usageLocation,omitzero"`
	PreferredLanguage Field[string]    `json:"preferredLanguage,omitzero"`
	Removed           *Removed         `json:"@removed,omitempty"`
}

// userSelect is the $select of user queries. /users returns only a default
// set (ENTRA-PROTOCOL §4: "everything else needs $select"), and for delta the
// selection is carried inside the next and delta links.
const userSelect = "id,userPrincipalName,mail,displayName,givenName,surname,jobTitle,department," +
	"officeLocation,companyName,mobilePhone,businessPhones,proxyAddresses,accountEnabled,userType," +
	"createdDateTime,employeeId,usageLocation,preferredLanguage"

// Group is a group as /groups and /groups/delta return it. In a delta page
// MembersDelta lists membership changes; a large group's members are split
// across pages with the group repeated, so callers merge by ID.
type Group struct {
	ID              string          `json:"id"`
	DisplayName     Field[string]   `json:"displayName,omitzero"`
	Mail            Field[string]   `json:"mail,omitzero"`
	MailEnabled     Field[bool]     `json:"mailEnabled,omitzero"`
	SecurityEnabled Field[bool]     `json:"securityEnabled,omitzero"`
	GroupTypes      Field[[]string] `json:"groupTypes,omitzero"`
	Description     Field[string]   `json:"description,omitzero"`
	MembersDelta    []MemberChange  `json:"members@delta,omitempty"`
	Removed         *Removed        `json:"@removed,omitempty"`
}

// groupSelect includes members so that delta pages carry members@delta.
const groupSelect = "id,displayName,mail,mailEnabled,securityEnabled,groupTypes,description,members"

// MemberChange is one entry of a group's members@delta: a member added, or
// removed when Removed is set.
type MemberChange struct {
	ODataType string   `json:"@odata.type"`
	ID        string   `json:"id"`
	Removed   *Removed `json:"@removed,omitempty"`
}

// ObjectKind is the kind of a group member.
type ObjectKind string

// The member kinds Connect synchronizes; groups may also hold devices,
// service principals and contacts, which Kind reports by their type name.
const (
	KindUser  ObjectKind = "user"
	KindGroup ObjectKind = "group"
)

// Kind is the member's type without the "#microsoft.graph." prefix: KindUser,
// KindGroup, or another type name such as "device".
func (m MemberChange) Kind() ObjectKind {
	kind, ok := strings.CutPrefix(m.ODataType, "#microsoft.graph.")
	if !ok {
		return "" // Graph always qualifies the type; a bare "group" is no group
	}
	return ObjectKind(kind)
}

// Removed marks a removed object or membership. Reason is RemovedChanged
// (soft-deleted, restorable for 30 days) or RemovedDeleted (permanent).
type Removed struct {
	Reason string `json:"reason"`
}

// The reasons of @removed.
const (
	RemovedChanged = "changed"
	RemovedDeleted = "deleted"
)

// Page is one page of a collection: a list page ends with NextLink when more
// follow; a delta page ends with either NextLink or DeltaLink.
type Page[T any] struct {
	Value     []T    `json:"value"`
	NextLink  string `json:"@odata.nextLink,omitempty"`
	DeltaLink string `json:"@odata.deltaLink,omitempty"`
	Count     *int   `json:"@odata.count,omitempty"`
}

// UsersPage is a page of users.
type UsersPage = Page[User]

// GroupsPage is a page of groups.
type GroupsPage = Page[Group]

// Application is an app registration as /applications returns it.
type Application struct {
	ID                  string               `json:"id"`
	AppID               string               `json:"appId"`
	DisplayName         string               `json:"displayName"`
	PasswordCredentials []PasswordCredential `json:"passwordCredentials"`
	KeyCredentials      []KeyCredential      `json:"keyCredentials"`
}

// PasswordCredential is a client secret's record. Graph never returns the
// secret itself, only Hint (its first three characters).
type PasswordCredential struct {
	KeyID         string     `json:"keyId"`
	DisplayName   string     `json:"displayName"`
	Hint          string     `json:"hint"`
	StartDateTime *time.Time `json:"startDateTime"`
	EndDateTime   *time.Time `json:"endDateTime"`
}

// KeyCredential is a certificate's record on an application.
type KeyCredential struct {
	KeyID               string     `json:"keyId"`
	DisplayName         string     `json:"displayName"`
	Type                string     `json:"type"`
	Usage               string     `json:"usage"`
	CustomKeyIdentifier string     `json:"customKeyIdentifier"`
	StartDateTime       *time.Time `json:"startDateTime"`
	EndDateTime         *time.Time `json:"endDateTime"`
}

// Organization is the tenant as /organization returns it.
type Organization struct {
	ID              string           `json:"id"`
	DisplayName     string           `json:"displayName"`
	VerifiedDomains []VerifiedDomain `json:"verifiedDomains"`
}

// VerifiedDomain is one of the tenant's domains.
type VerifiedDomain struct {
	Name      string `json:"name"`
	IsDefault bool   `json:"isDefault"`
	IsInitial bool   `json:"isInitial"`
}
