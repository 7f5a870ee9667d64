package entra

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/connect/connect/internal/graph"
)

// StepID numbers the validation steps of SPEC.md flow 1.
type StepID int

// The five steps, in the order they run.
const (
	StepTenant StepID = iota + 1
	StepCredential
	StepPermissions
	StepDirectory
	StepKeyExpiry
)

// StepTitles name each step as the validation page shows it.
var StepTitles = map[StepID]string{
	StepTenant:      "The tenant domain resolves",
	StepCredential:  "The application and key are accepted",
	StepPermissions: "The application may read the directory",
	StepDirectory:   "The directory can be read",
	StepKeyExpiry:   "The key's expiry date",
}

// StepState is where a step stands.
type StepState string

// Step states. A warning passes but says something the administrator should know.
const (
	StateWaiting StepState = "waiting"
	StateRunning StepState = "running"
	StatePassed  StepState = "passed"
	StateWarning StepState = "warning"
	StateFailed  StepState = "failed"
	StateSkipped StepState = "skipped"
)

// StepReport is one step's outcome, reported as it happens.
type StepReport struct {
	Step     StepID
	State    StepState
	Message  string // what happened, in plain words
	Fix      string // what to do, when it failed
	Code     string // AADSTS or Graph code, kept visible for support
	Duration time.Duration
}

// Target is the connection being validated.
type Target struct {
	AuthorityHost string
	GraphURL      string
	Tenant        string // as typed: domain or GUID
	ClientID      string
	Credential    Credential
	// KeyHint is the secret's first three characters, or for a certificate
	// its base64 SHA-1 thumbprint, to find its record on the application.
	KeyHint string
}

// Result is what a validation learned.
type Result struct {
	Passed        bool
	TenantID      string
	Roles         []string
	Users, Groups int
	KeyExpires    time.Time // zero when unknown
	KeyExpiryNote string    // why the expiry is unknown
}

// Validator runs the steps.
type Validator struct {
	Clients      *Clients
	GraphOptions []graph.Option
	Now          func() time.Time
}

// Validate runs every step in order, reporting each as it starts and ends;
// the first failure stops it and marks the rest skipped. ctx bounds the whole
// run: when it expires the running step fails with "did not answer".
func (v *Validator) Validate(ctx context.Context, t Target, report func(StepReport)) Result {
	var res Result
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	steps := []step{
		{StepTenant, func() StepReport { return v.stepTenant(ctx, t, &res) }},
		{StepCredential, func() StepReport { return v.stepCredential(ctx, t, &res) }},
		{StepPermissions, func() StepReport { return v.stepPermissions(&res) }},
		{StepDirectory, func() StepReport { return v.stepDirectory(ctx, t, &res) }},
		{StepKeyExpiry, func() StepReport { return v.stepKeyExpiry(ctx, t, &res, now()) }},
	}
	res.Passed = runSteps(steps, report)
	return res
}

// step is one check of a validation.
type step struct {
	id StepID
	fn func() StepReport
}

// runSteps runs steps in order, reporting each as it starts and ends; the
// first failure stops it and marks the rest skipped. It reports whether
// every step passed.
func runSteps(steps []step, report func(StepReport)) bool {
	for i, s := range steps {
		report(StepReport{Step: s.id, State: StateRunning})
		start := time.Now()
		r := s.fn()
		r.Step = s.id
		r.Duration = time.Since(start)
		report(r)
		if r.State != StatePassed && r.State != StateWarning {
			for _, rest := range steps[i+1:] {
				report(StepReport{Step: rest.id, State: StateSkipped, Message: "Not checked: an earlier step failed."})
			}
			return false
		}
	}
	return true
}

func (v *Validator) app(t Target, res *Result) App {
	return App{AuthorityHost: t.AuthorityHost, Tenant: res.TenantID, ClientID: t.ClientID}
}

func (v *Validator) stepTenant(ctx context.Context, t Target, res *Result) StepReport {
	info, err := ResolveTenant(ctx, v.Clients.HTTPClient(), t.AuthorityHost, t.Tenant)
	if err != nil {
		return failure(ctx, err, t, "resolve the tenant")
	}
	res.TenantID = info.ID
	return StepReport{State: StatePassed, Message: fmt.Sprintf("%s is tenant %s.", t.Tenant, info.ID)}
}

func (v *Validator) stepCredential(ctx context.Context, t Target, res *Result) StepReport {
	if failed, ok := v.freshTokenRoles(ctx, t, GraphScope(t.GraphURL), res); !ok {
		return failed
	}
	return StepReport{State: StatePassed, Message: "Entra ID accepted the application and its key, and issued a token."}
}

// freshTokenRoles gets a new token for scope and keeps its roles in res; it
// returns the failed step when Entra ID refuses.
func (v *Validator) freshTokenRoles(ctx context.Context, t Target, scope string, res *Result) (StepReport, bool) {
	// A cached token would hide a consent (or a certificate) added since it
	// was issued: an administrator who fixed it and tries again must be seen.
	v.Clients.Forget(v.app(t, res))
	token, err := v.Clients.Token(ctx, v.app(t, res), t.Credential, scope)
	if err != nil {
		return failure(ctx, err, t, "get a token"), false
	}
	claims, err := ReadClaims(token)
	if err != nil {
		return StepReport{State: StateFailed, Message: "Entra ID answered with a token Connect cannot read.",
			Fix: "Check that the authority host is an Entra ID endpoint."}, false
	}
	res.Roles = claims.Roles
	return StepReport{}, true
}

func (v *Validator) stepPermissions(res *Result) StepReport {
	if len(res.Roles) == 0 {
		return StepReport{State: StateFailed, Code: "no roles",
			Message: "The application has no application permissions with admin consent.",
			Fix: "In the Azure portal, open the application's API permissions, add the Microsoft Graph application permission " +
				"Directory.Read.All (Read directory data), then click \"Grant admin consent\" for your tenant."}
	}
	if missing := MissingDirectoryPermissions(res.Roles); len(missing) > 0 {
		return StepReport{State: StateFailed, Code: "missing " + strings.Join(missing, ", "),
			Message: fmt.Sprintf("The application may not read the whole directory: it lacks %s. It has %s.",
				strings.Join(missing, " and "), strings.Join(res.Roles, ", ")),
			Fix: "Add the Microsoft Graph application permission Directory.Read.All (Read directory data) — or " +
				strings.Join(missing, " and ") + " — then click \"Grant admin consent\" for your tenant."}
	}
	return StepReport{State: StatePassed, Message: "Permissions found: " + strings.Join(res.Roles, ", ") + "."}
}

func (v *Validator) graphClient(t Target, res *Result) (*graph.Client, error) {
	ts := TokenSource{Clients: v.Clients, App: v.app(t, res), Credential: t.Credential, Scope: GraphScope(t.GraphURL)}
	return graph.New(t.GraphURL, v.Clients.HTTPClient(), ts, v.GraphOptions...)
}

func (v *Validator) stepDirectory(ctx context.Context, t Target, res *Result) StepReport {
	gc, err := v.graphClient(t, res)
	if err != nil {
		return StepReport{State: StateFailed, Message: "The Graph URL is not usable.", Fix: "Check the Graph URL."}
	}
	users, err := gc.Count(ctx, "/users")
	if err != nil {
		return failure(ctx, err, t, "read users")
	}
	groups, err := gc.Count(ctx, "/groups")
	if err != nil {
		return failure(ctx, err, t, "read groups")
	}
	res.Users, res.Groups = users, groups
	return StepReport{State: StatePassed, Message: fmt.Sprintf("Connect can read %d users and %d groups.", users, groups)}
}

func (v *Validator) stepKeyExpiry(ctx context.Context, t Target, res *Result, now time.Time) StepReport {
	gc, err := v.graphClient(t, res)
	if err != nil {
		return StepReport{State: StateWarning, Message: "The key's expiry date could not be read."}
	}
	app, err := gc.ApplicationByAppID(ctx, t.ClientID)
	var ge *graph.Error
	switch {
	case errors.As(err, &ge) && ge.Status == 403:
		res.KeyExpiryNote = "The application may not read its own record (Application.Read.All), so Connect cannot tell when the key expires. Note its expiry date in the Azure portal."
		return StepReport{State: StateWarning, Code: ge.Code, Message: res.KeyExpiryNote}
	case err != nil:
		if ctx.Err() != nil {
			return failure(ctx, err, t, "read the application")
		}
		res.KeyExpiryNote = "Connect could not read the application's record, so it cannot tell when the key expires."
		return StepReport{State: StateWarning, Message: res.KeyExpiryNote}
	}
	end, found := keyEnd(app, t)
	if !found {
		res.KeyExpiryNote = "The application's record lists no key that matches the one you entered, so Connect cannot tell when it expires."
		return StepReport{State: StateWarning, Message: res.KeyExpiryNote}
	}
	res.KeyExpires = end
	days := int(end.Sub(now).Hours() / 24)
	switch {
	case !end.After(now):
		return StepReport{State: StateFailed, Message: fmt.Sprintf("The key expired on %s.", end.UTC().Format("2 January 2006")),
			Fix: "Create a new key on the application's Certificates & secrets page and enter it here."}
	case days < 30:
		return StepReport{State: StateWarning, Message: fmt.Sprintf("The key expires on %s, in %d days. Create a new key soon and enter it with Edit.", end.UTC().Format("2 January 2006"), days)}
	}
	return StepReport{State: StatePassed, Message: fmt.Sprintf("The key expires on %s (in %d days).", end.UTC().Format("2 January 2006"), days)}
}

// keyEnd finds the credential's record: a secret by its hint (first three
// characters; the latest end date when several keys share it), a
// certificate by its thumbprint.
func keyEnd(app graph.Application, t Target) (time.Time, bool) {
	var end time.Time
	found := false
	if len(t.Credential.CertPEM) > 0 {
		for _, k := range app.KeyCredentials {
			if k.CustomKeyIdentifier == t.KeyHint && k.EndDateTime != nil && k.EndDateTime.After(end) {
				end, found = *k.EndDateTime, true
			}
		}
		return end, found
	}
	for _, p := range app.PasswordCredentials {
		if p.Hint != "" && p.Hint == t.KeyHint && p.EndDateTime != nil && p.EndDateTime.After(end) {
			end, found = *p.EndDateTime, true
		}
	}
	return end, found
}

// Explain says in plain words why a call to Entra ID or Microsoft Graph
// failed and what to do about it; doing names the call ("read the
// directory"). Code is "error" when the cause is not one we recognise.
func Explain(err error, t Target, doing string) StepReport {
	return failure(context.Background(), err, t, doing)
}

// failure turns an error of Entra ID, Graph or the network into a step report.
func failure(ctx context.Context, err error, t Target, doing string) StepReport {
	host, service := hostOf(t.AuthorityHost), "Entra ID"
	if strings.Contains(doing, "read") {
		host, service = hostOf(t.GraphURL), "Microsoft Graph"
	}
	if e, ok := AsAADSTS(err); ok {
		r := StepReport{State: StateFailed, Code: e.CodeString()}
		if adv, ok := e.Advice(t.Tenant, t.ClientID); ok {
			r.Message, r.Fix = adv.Problem, adv.Fix
		} else {
			r.Message = "Entra ID refused: " + orText(e.Description, e.Err)
			r.Fix = "Look up " + e.CodeString() + " in Microsoft's documentation, or contact support with this code."
		}
		return r
	}
	var ge *graph.Error
	if errors.As(err, &ge) {
		r := StepReport{State: StateFailed, Code: ge.Code}
		if ge.Status == 403 {
			r.Message = "Microsoft Graph refused to let the application read the directory (insufficient privileges)."
			r.Fix = "Add the Microsoft Graph application permission Directory.Read.All (Read directory data) and click \"Grant admin consent\" for your tenant."
		} else {
			r.Message = fmt.Sprintf("Microsoft Graph answered %d %s.", ge.Status, orText(ge.Message, ge.Code))
			r.Fix = "Try again in a few minutes. If it persists, contact support with the code shown."
		}
		return r
	}
	var unknownCA x509.UnknownAuthorityError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return StepReport{State: StateFailed, Code: "timeout",
			Message: fmt.Sprintf("%s did not answer in time (%s at %s).", service, doing, host),
			Fix:     "Try again in a few minutes. If it keeps happening, check that this server can reach " + host + "."}
	case errors.As(err, &unknownCA) || strings.Contains(err.Error(), "certificate signed by unknown authority"):
		return StepReport{State: StateFailed, Code: "tls",
			Message: fmt.Sprintf("The TLS certificate of %s is not trusted.", host),
			Fix:     "If Connect reaches Entra ID through a proxy that inspects TLS, give that proxy's CA in CONNECT_EXTRA_CA_FILE."}
	case errors.As(err, &dnsErr) || errors.As(err, &opErr):
		return StepReport{State: StateFailed, Code: "network",
			Message: fmt.Sprintf("Connect could not reach %s.", host),
			Fix:     "Check this server's network and DNS, and that the cloud chosen is the right one."}
	}
	return StepReport{State: StateFailed, Code: "error",
		Message: fmt.Sprintf("Connect could not %s.", doing),
		Fix:     "Try again. If it keeps failing, contact support with the time of this attempt."}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

func orText(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
