package templates

// CertificateView is a certificate Connect generated, as the administrator
// uploads it: the manifest's keyCredentials entry and the .cer download.
type CertificateView struct {
	ID           string
	Thumbprint   string
	KeyID        string
	Manifest     string // `"keyCredentials": [ … ],`
	DownloadHref string
	Expires      string // "23 November 2028 (730 days left)"
	ExpiresKind  string // badge colour
	CreatedOn    string
}

// ServerConnectionRow is the newest server connection, on the page.
type ServerConnectionRow struct {
	ID            string
	TenantDomain  string
	ApplicationID string
	Association   string
	StateLabel    string
	StateKind     string
	Validated     bool // has passed a validation once: rotation, not the form
	Rotating      bool // a new certificate is being validated
}

// ServerConnectionForm is what the administrator typed.
type ServerConnectionForm struct {
	ApplicationID string
	TenantDomain  string
	Association   string
	CertificateID string
	Errors        FieldErrors
}

// ServerConnectionsView is the Office 365 server connection page.
type ServerConnectionsView struct {
	CanEdit      bool
	Connection   *ServerConnectionRow
	InUse        *CertificateView // the certificate a validated connection uses
	Upload       *CertificateView // the certificate to upload now (first time, or rotation)
	Form         ServerConnectionForm
	Associations []Option
	KeySizes     []Option
}

// ServerConnectionSummaryView is the summary of a server connection.
type ServerConnectionSummaryView struct {
	ID             string
	TenantDomain   string
	TenantID       string
	ApplicationID  string
	Association    string
	EWS            bool
	Thumbprint     string
	Expiry         string
	ExpiryKind     string
	StateLabel     string
	StateKind      string
	LastValidation string
	ValidationKind string
	ValidationHref string
	CanEdit        bool
}
