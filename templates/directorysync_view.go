package templates

// ConnectionRow is one connection in the list on Synchronize Your Directory.
type ConnectionRow struct {
	ID            string
	TenantDomain  string
	ApplicationID string
	StateLabel    string
	StateKind     string // badge colour
	KeyNote       string
	KeyNoteKind   string
	LastRun       string
}

// DirectorySyncView is the Synchronize Your Directory page.
type DirectorySyncView struct {
	Connections []ConnectionRow
	CanEdit     bool
}

// ConnectionFormView is the "Enter Your Directory Synchronization Details"
// form, for a new connection and for Edit.
type ConnectionFormView struct {
	Heading       string
	Lead          string
	Action        string
	Submit        string
	CancelHref    string
	ApplicationID string
	TenantDomain  string
	Cloud         string
	Clouds        []Option
	KeyInUse      string // masked key in use, on Edit
	Errors        FieldErrors
	// Credential is "key" or "certificate"; Credentials offers the choice
	// (absent when the credential type is fixed); Certificate is the
	// generated certificate to upload for "certificate".
	Credential  string
	Credentials []Option
	Certificate *CertificateView
	FixedTenant bool // Edit keeps the tenant and application
}

// ValidationStepView is one step on the validation page.
type ValidationStepView struct {
	Number     int
	Title      string
	State      string
	StateLabel string
	Message    string
	Fix        string
	Code       string
	Duration   string
}

// ValidationView is the live validation page.
type ValidationView struct {
	ConnectionID string
	TenantDomain string
	Running      bool
	Passed       bool
	Failed       bool
	Purpose      string
	Steps        []ValidationStepView
	RetryHref    string
	SummaryHref  string
	CanEdit      bool
	// AutoAdvance moves on to the summary: only just after a new connection
	// passed, never when someone opens an old validation.
	AutoAdvance bool
	// Heading and PassedMessage default to directory synchronization's.
	Heading       string
	PassedMessage string
}

// ScheduledTime is one upcoming run, in the region's zone and in UTC (the
// browser replaces UTC with the viewer's own zone).
type ScheduledTime struct {
	ISO    string
	Region string
	UTC    string
}

// RunView is a run as summary pages show it.
type RunView struct {
	ID         string
	StateLabel string
	StateKind  string
	Trigger    string
	Started    string
	Finished   string
	Summary    string
	Error      string
	Active     bool
}

// ConnectionSummaryView is the summary page of a directory connection.
type ConnectionSummaryView struct {
	ID              string
	TenantDomain    string
	TenantID        string
	ApplicationID   string
	Cloud           string
	KeyMasked       string
	KeySetOn        string
	KeyExpiry       string
	KeyExpiryKind   string
	KeyExpiryNote   string
	Permissions     []string
	Users           int
	Groups          int
	StateLabel      string
	StateKind       string
	Region          string
	RegionZone      string
	NextRuns        []ScheduledTime
	LastRun         *RunView
	ActiveRun       *RunView
	CanEdit         bool
	Disabled        bool
	Active          bool
	ValidationHref  string
	DeleteThreshold int
}

// ConfirmView asks before a destructive action.
type ConfirmView struct {
	Heading     string
	Message     string
	Consequence string
	Action      string
	Button      string
	CancelHref  string
}
