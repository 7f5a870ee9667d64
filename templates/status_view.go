package templates

// TimeView is one instant shown in the region's zone, with how long ago or
// ahead it is; static/app.js fills LocalID with the viewer's own time.
type TimeView struct {
	ISO      string // RFC 3339, for <time datetime>
	Region   string // in the account region's zone
	UTC      string // shown until the browser puts the viewer's time there
	Relative string // "2 hours ago", "in 3 hours"
	LocalID  string // id of the element that gets the viewer's time
}

// PagerView links to the neighbouring pages of a list.
type PagerView struct {
	Page, Pages int
	PrevHref    string
	NextHref    string
	Total       int
	Noun        string // "runs", "events"
}

// StatusRow is one connection on the status page.
type StatusRow struct {
	ID           string
	TenantDomain string
	Health       string // green, amber, red, grey
	HealthLabel  string
	Reasons      []string
	StateLabel   string
	StateKind    string
	LastSuccess  *TimeView
	NextSync     *TimeView
	Progress     string // of a queued or running run
	RunHref      string // the active run, while there is one
	LastError    string
	Counts       string     // "12 users, 4 groups, 30 memberships"
	Delta        *DeltaView // active connections only
}

// DeltaView is when a connection's delta links were renewed and, when near
// or past, the date after which Graph forgets them (a full resync).
type DeltaView struct {
	None     bool // no delta links yet
	Renewed  TimeView
	FullSync *TimeView
	Deadline *TimeView // set when it is near
	Warn     bool
	Expired  bool // past the deadline already
}

// HealthRuleLine is one colour of the rule written on the status page.
type HealthRuleLine struct {
	Colour, Label, Text string
}

// StatusView is the status page.
type StatusView struct {
	Rows        []StatusRow
	ServerRows  []ServerStatusRow
	ServerPager PagerView
	Rule        []HealthRuleLine
	Region      string
	RegionZone  string
	Live        bool // a run is active: the table refreshes itself
	Pager       PagerView
	CanConnect  bool
}

// RunRow is one run in a connection's history.
type RunRow struct {
	ID         string
	Href       string
	StateLabel string
	StateKind  string
	Trigger    string
	Queued     TimeView
	Duration   string
	Summary    string
	Error      string
}

// RunsView is the run history of one connection.
type RunsView struct {
	ConnectionID   string
	TenantDomain   string
	ConnectionHref string
	Rows           []RunRow
	Pager          PagerView
	Live           bool
}

// CountRow is added/updated/deleted of one kind of object in a run.
type CountRow struct {
	Kind                    string
	Added, Updated, Deleted int
	NoUpdates               bool // memberships are added or removed, never updated
}

// LogLineView is one line of a run's log.
type LogLineView struct {
	Seq     int
	At      TimeView
	Level   string
	Message string
}

// RunDetailView is one run's page.
type RunDetailView struct {
	ID             string
	ConnectionHref string
	TenantDomain   string
	HistoryHref    string
	StateLabel     string
	StateKind      string
	Trigger        string
	RequestedBy    string
	FullSync       bool
	Queued         TimeView
	Started        *TimeView
	Finished       *TimeView
	Duration       string
	Active         bool
	Progress       string
	Counts         []CountRow
	Requests       int
	Retries        int
	Throttled      int
	Pages          int
	Objects        int
	Error          string
	Log            []LogLineView
	LogPager       PagerView
	Approval       *ApprovalView
	// Applied is false when the counts are what the run would have changed
	// (a preview, a held, rejected or superseded run): nothing was applied.
	Applied   bool
	CanCancel bool   // an administrator, and the run is queued or running
	Decision  string // "Approved by ann@… " or "Rejected by …", for a held run decided
	DecidedAt *TimeView
	Preview   *PreviewView
}

// PreviewView is what a preview found: it applied nothing.
type PreviewView struct {
	Deletions []DeletionRow
	Pager     PagerView
	Total     int // users and groups it would delete
	Kept      int // how many of them the record names (the first ones)
	Threshold int // the safeguard it was compared with; -1 unknown
	WouldHold bool
}

// ApprovalView is a run held because it would delete more than the
// connection's threshold: what it would delete, and the decision.
type ApprovalView struct {
	RunID     string
	Threshold int
	Users     int
	Groups    int
	Deletions []DeletionRow
	Pager     PagerView // the deletions, a page at a time
	CanDecide bool
}

// DeletionRow is one user or group a held run would delete.
type DeletionRow struct {
	Kind        string
	DisplayName string
	Detail      string
	ID          string
}

// ServerStatusRow is one Office 365 server connection on the status page.
type ServerStatusRow struct {
	ID              string
	TenantDomain    string
	Association     string
	StateLabel      string
	StateKind       string
	Health          string
	HealthLabel     string
	Reason          string
	Certificate     string
	CertificateKind string
}
