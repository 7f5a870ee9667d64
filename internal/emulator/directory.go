package emulator

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// objectKind says whether a membership points at a user or a nested group;
// Graph tells them apart by "@odata.type".
type objectKind uint8

const (
	kindUser objectKind = iota + 1
	kindGroup
)

func (k objectKind) odataType() string {
	if k == kindGroup {
		return "#microsoft.graph.group"
	}
	return "#microsoft.graph.user"
}

// user holds the properties Connect synchronises. Repeated values (job
// titles, departments, offices…) share their backing strings with the
// generator's word lists, which keeps a 100,000-user tenant small.
type user struct {
	id                objectID
	displayName       string
	givenName         string
	surname           string
	userPrincipalName string
	mail              string
	mailNickname      string
	jobTitle          string
	department        string
	officeLocation    string
	companyName       string
	mobilePhone       string
	businessPhones    []string
	proxyAddresses    []string
	preferredLanguage string
	usageLocation     string
	city              string
	country           string
	employeeID        string
	userType          string
	accountEnabled    bool
	created           int64 // unix seconds
	deleted           int64 // unix seconds of the soft delete; 0 when live
}

// memberRef is one direct membership of a group.
type memberRef struct {
	id   objectID
	kind objectKind
}

type group struct {
	id              objectID
	displayName     string
	description     string
	mail            string
	mailNickname    string
	mailEnabled     bool
	securityEnabled bool
	groupTypes      []string
	proxyAddresses  []string
	visibility      string
	created         int64
	deleted         int64
	members         []memberRef // sorted by id so member pages are stable
}

// tenant is one directory. Every read and write holds mu; the sorted id
// indexes let list and delta pages resume from a cursor without copying
// the tenant per request.
type tenant struct {
	mu          sync.RWMutex
	id          objectID
	displayName string
	domains     []string // domains[0] is the primary *.onmicrosoft.com domain
	created     time.Time
	users       map[objectID]*user
	userIndex   []objectID // sorted; soft-deleted users stay until purged
	groups      map[objectID]*group
	groupIndex  []objectID
	apps        []*application
	changes     changeLog
}

func newTenant(id objectID, displayName string, domains []string) *tenant {
	return &tenant{
		id:          id,
		displayName: displayName,
		domains:     domains,
		created:     time.Date(2019, 3, 1, 9, 0, 0, 0, time.UTC),
		users:       map[objectID]*user{},
		groups:      map[objectID]*group{},
	}
}

func (t *tenant) primaryDomain() string { return t.domains[0] }

// matches reports whether name designates this tenant: its GUID or any of its
// domains, compared case-insensitively as Entra does.
func (t *tenant) matches(name string) bool {
	if strings.EqualFold(name, t.id.String()) {
		return true
	}
	for _, d := range t.domains {
		if strings.EqualFold(name, d) {
			return true
		}
	}
	return false
}

func (t *tenant) addUserLocked(u *user) {
	t.users[u.id] = u
	t.userIndex = insertSorted(t.userIndex, u.id)
}

func (t *tenant) addGroupLocked(g *group) {
	t.groups[g.id] = g
	t.groupIndex = insertSorted(t.groupIndex, g.id)
}

func (t *tenant) appByID(appID string) *application {
	for _, a := range t.apps {
		if strings.EqualFold(a.appID.String(), appID) {
			return a
		}
	}
	return nil
}

// liveMember reports whether a membership points at an object that is not
// soft-deleted: Entra hides deleted users from member lists.
func (t *tenant) liveMember(m memberRef) bool {
	if m.kind == kindGroup {
		g := t.groups[m.id]
		return g != nil && g.deleted == 0
	}
	u := t.users[m.id]
	return u != nil && u.deleted == 0
}

func insertSorted(index []objectID, id objectID) []objectID {
	pos, found := slices.BinarySearchFunc(index, id, compareIDs)
	if found {
		return index
	}
	return slices.Insert(index, pos, id)
}

func removeSorted(index []objectID, id objectID) []objectID {
	pos, found := slices.BinarySearchFunc(index, id, compareIDs)
	if !found {
		return index
	}
	return slices.Delete(index, pos, pos+1)
}

// directory is every tenant the emulator serves.
type directory struct {
	mu      sync.RWMutex
	tenants []*tenant
}

func (d *directory) add(t *tenant) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tenants = append(d.tenants, t)
}

// lookup finds a tenant by GUID or domain; nil when unknown.
func (d *directory) lookup(name string) *tenant {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, t := range d.tenants {
		if t.matches(name) {
			return t
		}
	}
	return nil
}
