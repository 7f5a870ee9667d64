package entra

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// AADSTSError is an error answer of the Entra ID token or discovery
// endpoints: {"error":"invalid_client","error_description":"AADSTS7000215: …",
// "error_codes":[7000215],…}.
type AADSTSError struct {
	Status      int
	Err         string // e.g. invalid_client
	Code        int    // e.g. 7000215
	Description string // first line of error_description
}

func (e *AADSTSError) Error() string {
	return fmt.Sprintf("entra id: %d %s AADSTS%d: %s", e.Status, e.Err, e.Code, e.Description)
}

// CodeString is the code as support knows it, e.g. AADSTS7000215.
func (e *AADSTSError) CodeString() string { return "AADSTS" + strconv.Itoa(e.Code) }

// The AADSTS codes Connect explains (ENTRA-PROTOCOL.md §2).
const (
	CodeInvalidSecret       = 7000215
	CodeExpiredSecret       = 7000222
	CodeAppNotFound         = 700016
	CodeTenantNotFound      = 90002
	CodeTenantMalformed     = 900023
	CodeCertNotRegistered   = 700027
	CodeMissingCredential   = 7000218
	CodeInvalidScope        = 70011
	CodeDisabledApplication = 7000112
)

func parseAADSTSBody(status int, body []byte) *AADSTSError {
	var doc struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Codes       []int  `json:"error_codes"`
	}
	if json.Unmarshal(body, &doc) != nil || (doc.Error == "" && len(doc.Codes) == 0) {
		return nil
	}
	e := &AADSTSError{Status: status, Err: doc.Error, Description: firstLine(doc.Description)}
	if len(doc.Codes) > 0 {
		e.Code = doc.Codes[0]
	} else if m := aadstsCode.FindStringSubmatch(doc.Description); m != nil {
		e.Code, _ = strconv.Atoi(m[1])
	}
	// Drop the "AADSTS7000215: " prefix from the human text.
	e.Description = strings.TrimSpace(aadstsPrefix.ReplaceAllString(e.Description, ""))
	return e
}

var (
	aadstsCode   = regexp.MustCompile(`AADSTS(\d{4,8})`)
	aadstsPrefix = regexp.MustCompile(`^AADSTS\d+:\s*`)
	replyStatus  = regexp.MustCompile(`reply status code was (\d{3})`)
)

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\r\n")
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

// AsAADSTS finds an Entra ID error answer inside err: ours from discovery, or
// one inside MSAL's CallErr, whose text carries the reply body ("http call(…)
// error: reply status code was 401:\n{…}").
func AsAADSTS(err error) (*AADSTSError, bool) {
	if err == nil {
		return nil, false
	}
	var e *AADSTSError
	if errors.As(err, &e) {
		return e, true
	}
	msg := err.Error()
	status := 0
	if m := replyStatus.FindStringSubmatch(msg); m != nil {
		status, _ = strconv.Atoi(m[1])
	}
	if i := strings.Index(msg, "{"); i >= 0 {
		if j := strings.LastIndex(msg, "}"); j > i {
			if e := parseAADSTSBody(status, []byte(msg[i:j+1])); e != nil {
				return e, true
			}
		}
	}
	if m := aadstsCode.FindStringSubmatch(msg); m != nil {
		code, _ := strconv.Atoi(m[1])
		return &AADSTSError{Status: status, Code: code}, true
	}
	return nil, false
}

// Advice is a failure in plain words and what to do about it in the Azure
// portal.
type Advice struct {
	Problem string
	Fix     string
}

// Advice explains this error. AADSTS700027 covers three causes that need
// different fixes, told apart by the reason Entra ID gives.
func (e *AADSTSError) Advice(tenant, appID string) (Advice, bool) {
	if e.Code == CodeCertNotRegistered {
		switch d := strings.ToLower(e.Description); {
		case strings.Contains(d, "key used is expired"):
			return Advice{"The certificate has expired.",
				"Generate a new certificate in Connect, upload it on the application's Certificates & secrets page " +
					"(or paste its keyCredentials entry into the manifest), and validate again."}, true
		case strings.Contains(d, "invalid signature"):
			return Advice{"Entra ID found the certificate but the signature does not match it.",
				"The certificate registered on the application is not the one Connect holds the key for: upload the .cer file " +
					"Connect shows now, remove the old entry with the same thumbprint if there is one, and try again."}, true
		}
	}
	return AdviceFor(e.Code, tenant, appID)
}

// AdviceFor explains an AADSTS code; ok is false for codes Connect does not
// know (the caller then shows Entra ID's own description).
func AdviceFor(code int, tenant, appID string) (Advice, bool) {
	switch code {
	case CodeInvalidSecret:
		return Advice{"Entra ID did not accept the key.",
			"In the Azure portal, open the application's Certificates & secrets page and copy the key's Value, not its Secret ID. " +
				"The value is shown only once, right after the key is created: if you no longer have it, create a new key and enter that."}, true
	case CodeExpiredSecret:
		return Advice{"The key has expired.",
			"Create a new key on the application's Certificates & secrets page in the Azure portal, and enter its Value here."}, true
	case CodeAppNotFound:
		return Advice{fmt.Sprintf("Entra ID has no application with the ID %s in the tenant %s.", appID, tenant),
			"Check the Application ID (Client ID) on the application's Overview page in the Azure portal, " +
				"and that the application was registered in this tenant, not in another directory."}, true
	case CodeTenantNotFound:
		return Advice{fmt.Sprintf("Entra ID does not know the tenant %q.", tenant),
			"Check the Tenant Domain: use the tenant's contoso.onmicrosoft.com domain, one of its verified domains, " +
				"or its Tenant ID from the Overview page of Microsoft Entra ID in the Azure portal. Also check that the tenant is in the cloud you chose."}, true
	case CodeTenantMalformed:
		return Advice{fmt.Sprintf("%q is not a valid tenant domain or tenant ID.", tenant),
			"Enter a domain such as contoso.onmicrosoft.com, or the tenant's ID (a GUID)."}, true
	case CodeCertNotRegistered:
		return Advice{"The certificate is not registered on the application.",
			"Upload the certificate Connect generated (the .cer file) on the application's Certificates & secrets page, " +
				"or paste the keyCredentials entry into its manifest, then try again."}, true
	case CodeMissingCredential:
		return Advice{"No key or certificate was sent.", "Enter the application's key."}, true
	case CodeDisabledApplication:
		return Advice{"The application is disabled in this tenant.",
			"An administrator of the tenant must enable the application (Enterprise applications › Properties › Enabled for users to sign in)."}, true
	}
	return Advice{}, false
}
