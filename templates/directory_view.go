package templates

// DirectoryHitRow is one user or group found by a search.
type DirectoryHitRow struct {
	Kind       string // "user" or "group"
	KindLabel  string
	Href       string
	Name       string
	Secondary  string // UPN or mail
	Connection string // tenant domain
}

// DirectorySearchView is the directory look-up page.
type DirectorySearchView struct {
	Query          string
	Hits           []DirectoryHitRow
	Pager          PagerView
	HasDirectories bool // at least one connection has synchronized
	CanConnect     bool
	QueryError     string
	TruncatedAt    int // non-zero: the last page allowed, and more hits follow
}

// AttributeRow is one attribute of a user or group.
type AttributeRow struct {
	Label, Value string
	Code         bool // an identifier, shown as code
}

// GroupPathRow is a group an object belongs to, with how.
type GroupPathRow struct {
	Href   string
	Name   string
	Direct bool
	Via    []GroupLink // the groups between, from the direct one up
}

// GroupLink names and links a group.
type GroupLink struct {
	Href, Name string
}

// DirectoryObjectView is a user's or a group's page.
type DirectoryObjectView struct {
	Kind           string // "user" or "group"
	Name           string
	ConnectionHref string
	TenantDomain   string
	Attributes     []AttributeRow
	FirstSynced    *TimeView
	LastChanged    *TimeView
	LastChangedRun string // href of the run, when known
	Groups         []GroupPathRow
	GroupsPager    PagerView
	Members        []DirectoryHitRow // groups only
	MembersPager   PagerView
	SearchHref     string
}
