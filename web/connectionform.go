package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/connect/connect/internal/entra"
	"github.com/connect/connect/templates"
)

// connectionForm is the wizard's input, checked before any network call.
type connectionForm struct {
	ApplicationID string
	Key           string
	TenantDomain  string
	Cloud         string
	AuthorityHost string
	GraphURL      string
}

func readConnectionForm(r *http.Request) connectionForm {
	return connectionForm{
		ApplicationID: strings.ToLower(field(r, "application_id")),
		Key:           strings.TrimSpace(r.PostFormValue("key")),
		TenantDomain:  strings.ToLower(strings.TrimSuffix(field(r, "tenant_domain"), ".")),
		Cloud:         orDefault(field(r, "cloud"), entra.CloudDefault),
		AuthorityHost: strings.TrimRight(field(r, "authority_host"), "/"),
		GraphURL:      strings.TrimRight(field(r, "graph_url"), "/"),
	}
}

// Azure client secrets are about 40 characters; anything far outside that
// is a paste gone wrong.
const (
	minKeyLen = 8
	maxKeyLen = 256
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// checkTenantDomain explains what is wrong with a tenant domain, or "".
func checkTenantDomain(d string) string {
	switch {
	case d == "":
		return "Enter the tenant domain, for example contoso.onmicrosoft.com, or the tenant ID."
	case strings.Contains(d, "://") || strings.Contains(d, "/"):
		return "Enter only the domain, without https:// or a path: for example contoso.onmicrosoft.com."
	case strings.Contains(d, "@"):
		return "Enter the domain only, without the user name before @: for example contoso.onmicrosoft.com."
	case entra.IsGUID(d):
		return ""
	case len(d) > 253:
		return "A domain has at most 253 characters."
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "Enter a full domain such as contoso.onmicrosoft.com, or the tenant ID (a GUID)."
	}
	for _, l := range labels {
		if !dnsLabel.MatchString(l) {
			return "That is not a valid domain name: use letters, digits, hyphens and dots, such as contoso.onmicrosoft.com."
		}
	}
	return ""
}

func checkApplicationID(id string) string {
	switch {
	case id == "":
		return "Enter the Application ID (client ID) from the application's Overview page."
	case !entra.IsGUID(id):
		return "The Application ID is a GUID such as 2b6f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f. Copy it from the application's Overview page."
	}
	return ""
}

func checkKey(key string) string {
	switch {
	case key == "":
		return "Enter the key: the Value of a client secret from the application's Certificates & secrets page."
	case entra.IsGUID(key):
		// The portal shows the Secret ID (a GUID) beside the Value: a classic mix-up.
		return "This looks like the key's Secret ID. Enter the key's Value instead (the longer text beside it, shown only when the key was created)."
	case len(key) < minKeyLen:
		return "This key is too short to be a client secret. Copy the whole Value."
	case len(key) > maxKeyLen:
		return "This is too long to be a client secret. Copy only the key's Value."
	case !utf8.ValidString(key):
		return "The key contains characters that are not text. Copy the Value again from the Azure portal."
	}
	for _, r := range key {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return "The key contains spaces or invisible characters. Copy the Value again, without line breaks."
		}
	}
	return ""
}

func checkHTTPSURL(raw, example string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "Enter the address, for example " + example + "."
	case err != nil || u.Host == "":
		return "Enter a full address such as " + example + "."
	case u.Scheme != "https":
		return "Entra ID and Graph are only reached over https: use an https:// address."
	}
	return ""
}

// validate checks the form; requireIdentity is false on Edit, where only a
// new key is given.
func (f connectionForm) validate(requireIdentity bool) templates.FieldErrors {
	errs := templates.FieldErrors{}
	if requireIdentity {
		addErr(errs, "application_id", checkApplicationID(f.ApplicationID))
	}
	addErr(errs, "key", checkKey(f.Key))
	if !requireIdentity {
		return errs
	}
	addErr(errs, "tenant_domain", checkTenantDomain(f.TenantDomain))
	switch f.Cloud {
	case entra.CloudDefault, entra.CloudUSGov, entra.CloudChina:
	case entra.CloudCustom:
		addErr(errs, "authority_host", checkHTTPSURL(f.AuthorityHost, "https://login.microsoftonline.com"))
		if u, err := url.Parse(f.AuthorityHost); err == nil && u.Path != "" {
			addErr(errs, "authority_host", "Enter only the host, without a path or tenant: for example https://login.microsoftonline.com.")
		}
		addErr(errs, "graph_url", checkHTTPSURL(f.GraphURL, "https://graph.microsoft.com"))
	default:
		errs["cloud"] = "Choose one of the clouds listed."
	}
	return errs
}

// endpoints resolves the cloud choice to the authority host and Graph URL.
func (h *Handler) endpoints(f connectionForm) (authority, graphURL string) {
	switch f.Cloud {
	case entra.CloudCustom:
		return f.AuthorityHost, f.GraphURL
	case entra.CloudDefault:
		return h.authorityHost, h.graphURL
	}
	for _, c := range entra.NationalClouds {
		if c.Name == f.Cloud {
			return c.AuthorityHost, c.GraphURL
		}
	}
	return h.authorityHost, h.graphURL
}

func (h *Handler) cloudOptions() []templates.Option {
	opts := []templates.Option{{Value: entra.CloudDefault, Label: "Global", Hint: h.authorityHost}}
	for _, c := range entra.NationalClouds {
		opts = append(opts, templates.Option{Value: c.Name, Label: c.Label, Hint: c.AuthorityHost})
	}
	return append(opts, templates.Option{Value: entra.CloudCustom, Label: "Custom host", Hint: "An authority host and Graph URL you enter below."})
}

func (h *Handler) cloudLabel(cloud, authority string) string {
	for _, o := range h.cloudOptions() {
		if o.Value == cloud {
			if cloud == entra.CloudCustom {
				return "Custom (" + authority + ")"
			}
			return o.Label + " (" + authority + ")"
		}
	}
	return authority
}
