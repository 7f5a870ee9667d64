package emulator

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// aadstsError is one of the identity platform's failures (ENTRA-PROTOCOL.md
// §2): an HTTP status, the OAuth "error" and an AADSTS code and message.
type aadstsError struct {
	status  int
	oauth   string
	code    int
	message string
}

func (e aadstsError) Error() string { return fmt.Sprintf("AADSTS%d: %s", e.code, e.message) }

func errWrongSecret(appID string) aadstsError {
	return aadstsError{http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + appID + "'."}
}

func errExpiredSecret(appID string) aadstsError {
	return aadstsError{http.StatusUnauthorized, "invalid_client", 7000222, "The provided client secret keys for app '" + appID + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."}
}

func errUnknownApp(appID, tenantName string) aadstsError {
	return aadstsError{http.StatusBadRequest, "unauthorized_client", 700016, "Application with identifier '" + appID + "' was not found in the directory '" + tenantName + "'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."}
}

func errUnknownTenant(oauth, name string) aadstsError {
	return aadstsError{http.StatusBadRequest, oauth, 90002, "Tenant '" + name + "' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."}
}

func errMalformedTenant(name string) aadstsError {
	return aadstsError{http.StatusBadRequest, "invalid_request", 900023, "Specified tenant identifier '" + name + "' is neither a valid DNS name, nor a valid external domain."}
}

func errUnknownCertificate(thumbprint, appID string) aadstsError {
	return aadstsError{http.StatusUnauthorized, "invalid_client", 700027, "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '" + thumbprint + "', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '" + appID + "'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/" + appID + "']"}
}

func errBadAssertionSignature(thumbprint string) aadstsError {
	return aadstsError{http.StatusUnauthorized, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '" + thumbprint + "']"}
}

func errExpiredCertificate(thumbprint string) aadstsError {
	return aadstsError{http.StatusUnauthorized, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '" + thumbprint + "']"}
}

func errNoCredential() aadstsError {
	return aadstsError{http.StatusBadRequest, "invalid_request", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
}

// errTwoCredentials: Microsoft documents no message for a request with
// both a secret and an assertion; AADSTS90023 is its code for an invalid
// request, and the message says what is wrong.
func errTwoCredentials() aadstsError {
	return aadstsError{http.StatusBadRequest, "invalid_request", 90023, "Only one client credential may be sent: 'client_assertion' or 'client_secret', not both."}
}

func errMissingParameter(name string) aadstsError {
	return aadstsError{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: '" + name + "'."}
}

func errMalformedAssertion() aadstsError {
	return aadstsError{http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed."}
}

func errAssertionTime(now time.Time) aadstsError {
	return aadstsError{http.StatusUnauthorized, "invalid_client", 700024, "Client assertion is not within its valid time range. Current time: " + now.UTC().Format("2006-01-02T15:04:05.0000000Z") + "."}
}

func errAssertionAudience(aud string) aadstsError {
	return aadstsError{http.StatusUnauthorized, "invalid_client", 700212, "No matching federated identity record found for presented assertion audience '" + aud + "'."}
}

func errAssertionSubject() aadstsError {
	return aadstsError{http.StatusUnauthorized, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials ."}
}

func errUnsupportedGrant(grant string) aadstsError {
	return aadstsError{http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '" + grant + "'."}
}

func errInvalidScope(scope string) aadstsError {
	return aadstsError{http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope " + scope + " is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}
}

func errUnknownResource(resource, tenantName string) aadstsError {
	return aadstsError{http.StatusBadRequest, "invalid_resource", 500011, "The resource principal named " + resource + " was not found in the tenant named " + tenantName + ". This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."}
}

func errPostOnly() aadstsError {
	return aadstsError{http.StatusMethodNotAllowed, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a GET request."}
}

// writeAADSTS answers with the token endpoint's error body: the message
// carries Trace ID, Correlation ID and Timestamp lines separated by CRLF.
func writeAADSTS(w http.ResponseWriter, r *http.Request, now time.Time, e aadstsError) {
	traceID, correlationID := newRequestID(), r.Header.Get("client-request-id")
	if correlationID == "" {
		correlationID = newRequestID()
	}
	stamp := now.UTC().Format("2006-01-02 15:04:05Z")
	body := map[string]any{
		"error": e.oauth,
		"error_description": "AADSTS" + strconv.Itoa(e.code) + ": " + e.message +
			"\r\nTrace ID: " + traceID + "\r\nCorrelation ID: " + correlationID + "\r\nTimestamp: " + stamp,
		"error_codes":    []int{e.code},
		"timestamp":      stamp,
		"trace_id":       traceID,
		"correlation_id": correlationID,
		"error_uri":      "https://login.microsoftonline.com/error?code=" + strconv.Itoa(e.code),
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("x-ms-request-id", traceID)
	writeJSON(w, e.status, body)
}

// newRequestID is a random GUID for trace and request ids.
func newRequestID() string {
	var id objectID
	_, _ = rand.Read(id[:])
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id.String()
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	var data []byte
	var err error
	if o, ok := body.(orderedObject); ok {
		data, err = o.appendJSON(nil) // already valid JSON: skip json.Marshal's re-scan
	} else {
		data, err = json.Marshal(body)
	}
	if err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
