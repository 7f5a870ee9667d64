package entra

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Association is how a server connection reaches mailboxes: Microsoft
// Graph application permissions (recommended), or EWS impersonation, which
// Microsoft is retiring in Exchange Online (ENTRA-PROTOCOL.md §5).
type Association string

// The two associations.
const (
	AssociationGraph Association = "graph"
	AssociationEWS   Association = "ews"
)

// Scopes and roles of the associations.
const (
	ScopeEWS       = "https://outlook.office365.com/.default"
	RoleEWS        = "full_access_as_app"
	RoleGraphMail  = "Mail.ReadWrite"
	EWSBlockedFrom = "1 October 2026"
	EWSShutdown    = "1 April 2027"
)

// Label names an association as pages show it.
func (a Association) Label() string {
	switch a {
	case AssociationGraph:
		return "Microsoft Graph (application permission " + RoleGraphMail + ")"
	case AssociationEWS:
		return "Exchange Web Services impersonation (" + RoleEWS + ", legacy)"
	}
	return string(a)
}

// Steps of a server connection's validation.
const (
	ServerStepTenant StepID = iota + 1
	ServerStepCertificate
	ServerStepRole
	ServerStepExpiry
)

// ServerStepTitles name the server connection's steps.
var ServerStepTitles = map[StepID]string{
	ServerStepTenant:      "The tenant domain resolves",
	ServerStepCertificate: "The application and certificate are accepted",
	ServerStepRole:        "The token carries the mailbox permission",
	ServerStepExpiry:      "The certificate's expiry date",
}

// ValidateServer checks a server connection: the tenant resolves, MSAL gets
// a token with the certificate (client assertion) for the association's
// resource, and the token carries its role. t.Credential must hold CertPEM.
func (v *Validator) ValidateServer(ctx context.Context, t Target, assoc Association, report func(StepReport)) Result {
	var res Result
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	scope, role := GraphScope(t.GraphURL), RoleGraphMail
	if assoc == AssociationEWS {
		scope, role = ScopeEWS, RoleEWS
	}
	steps := []step{
		{ServerStepTenant, func() StepReport { return v.stepTenant(ctx, t, &res) }},
		{ServerStepCertificate, func() StepReport { return v.stepServerToken(ctx, t, scope, &res) }},
		{ServerStepRole, func() StepReport { return stepServerRole(assoc, role, res.Roles) }},
		{ServerStepExpiry, func() StepReport { return stepCertificateExpiry(t.Credential, &res, now()) }},
	}
	res.Passed = runSteps(steps, report)
	return res
}

func (v *Validator) stepServerToken(ctx context.Context, t Target, scope string, res *Result) StepReport {
	if failed, ok := v.freshTokenRoles(ctx, t, scope, res); !ok {
		return failed
	}
	return StepReport{State: StatePassed,
		Message: fmt.Sprintf("Entra ID accepted the certificate and issued a token for %s.", strings.TrimSuffix(scope, "/.default"))}
}

func stepServerRole(assoc Association, role string, roles []string) StepReport {
	if slices.Contains(roles, role) {
		return StepReport{State: StatePassed, Message: "The token carries " + role + "."}
	}
	found := "no application permissions"
	if len(roles) > 0 {
		found = strings.Join(roles, ", ")
	}
	r := StepReport{State: StateFailed, Code: "missing " + role,
		Message: fmt.Sprintf("The token does not carry %s: the application has %s for this resource.", role, found)}
	if assoc == AssociationEWS {
		r.Fix = "In the Azure portal, open the application's API permissions › Add a permission › APIs my organization uses › " +
			"Office 365 Exchange Online › Application permissions, add full_access_as_app (use Exchange Web Services with full access to all mailboxes), " +
			"then click \"Grant admin consent\" for your tenant."
	} else {
		r.Fix = "In the Azure portal, open the application's API permissions › Add a permission › Microsoft Graph › Application permissions, " +
			"add Mail.ReadWrite, then click \"Grant admin consent\" for your tenant."
	}
	return r
}

// stepCertificateExpiry reads the expiry from the certificate itself: Connect
// made it, so no Graph call (and no Application.Read.All) is needed.
func stepCertificateExpiry(cred Credential, res *Result, now time.Time) StepReport {
	cert, err := CertificateOf(cred.CertPEM)
	if err != nil {
		return StepReport{State: StateWarning, Message: "The certificate's expiry date could not be read."}
	}
	end := cert.NotAfter
	res.KeyExpires = end
	days := int(end.Sub(now).Hours() / 24)
	date := end.UTC().Format("2 January 2006")
	switch {
	case !end.After(now):
		return StepReport{State: StateFailed, Message: "The certificate expired on " + date + ".",
			Fix: "Generate a new certificate on the Server Connections page, upload it to the application, and validate it."}
	case days < 30:
		return StepReport{State: StateWarning,
			Message: fmt.Sprintf("The certificate expires on %s, in %d days. Generate a new one soon and switch to it.", date, days)}
	}
	return StepReport{State: StatePassed, Message: fmt.Sprintf("The certificate expires on %s (in %d days).", date, days)}
}
