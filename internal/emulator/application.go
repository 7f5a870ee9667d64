package emulator

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"time"
)

// Application role GUIDs and names, from ENTRA-PROTOCOL.md §4 and §5.
const (
	graphAppID    = "00000003-0000-0000-c000-000000000000"
	exchangeAppID = "00000002-0000-0ff1-ce00-000000000000"
	graphAudience = "https://graph.microsoft.com"
	exchangeAud   = "https://outlook.office365.com"
)

var graphRoleIDs = map[string]string{
	"User.Read.All":         "df021288-bdef-4463-88db-98f22de89214",
	"Group.Read.All":        "5b567255-7703-4780-807c-7be8301ae99b",
	"GroupMember.Read.All":  "98830695-27a2-44f7-8c18-0c3ebc9698f6",
	"Directory.Read.All":    "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
	"Application.Read.All":  "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
	"Organization.Read.All": "498476ce-e0fe-48b0-b801-37ba7e2685c6",
	// What server connections ask for instead of EWS's full_access_as_app.
	"Mail.ReadWrite": "e2a3a72e-5f79-4c64-b1b1-878b674786c9",
}

var exchangeRoleIDs = map[string]string{
	"full_access_as_app": "dc890d15-9560-4a4c-9b7f-a736ec74ec40",
}

// application is an app registration together with its service principal
// in the same tenant (the emulator does not model multi-tenant apps).
type application struct {
	appID              objectID
	objectID           objectID
	servicePrincipalID objectID
	displayName        string
	created            time.Time
	passwords          []passwordCredential
	keys               []keyCredential
	graphRoles         []string
	exchangeRoles      []string
}

type passwordCredential struct {
	keyID       objectID
	displayName string
	value       string
	start, end  time.Time
}

// hint is what Graph shows of a secret: its first three characters.
func (p passwordCredential) hint() string {
	if len(p.value) < 3 {
		return p.value
	}
	return p.value[:3]
}

type keyCredential struct {
	keyID       objectID
	displayName string
	cert        *x509.Certificate
	start, end  time.Time
}

// thumbprintSHA1 is the manifest's customKeyIdentifier (base64 SHA-1 of the
// DER certificate, per certificate-credentials.md).
func (k keyCredential) thumbprintSHA1() []byte {
	sum := sha1.Sum(k.cert.Raw)
	return sum[:]
}

// thumbprintSHA256 is what MSAL puts in the assertion's x5t#S256 header.
func (k keyCredential) thumbprintSHA256() []byte {
	sum := sha256.Sum256(k.cert.Raw)
	return sum[:]
}

func newKeyCredential(keyID objectID, cert *x509.Certificate, displayName string) keyCredential {
	return keyCredential{keyID: keyID, displayName: displayName, cert: cert, start: cert.NotBefore, end: cert.NotAfter}
}
