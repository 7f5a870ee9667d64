package emulator

import (
	"net/http"
	"time"
)

// graphError is a Microsoft Graph error: status, code and message, written
// as {"error":{"code","message","innerError":{…}}} (ENTRA-PROTOCOL.md §4).
type graphError struct {
	status  int
	code    string
	message string
}

// Error lets mutations return a refusal Graph would give (a taken
// userPrincipalName) through the admin API unchanged.
func (e *graphError) Error() string { return e.code + ": " + e.message }

func badRequest(code, message string) *graphError {
	return &graphError{http.StatusBadRequest, code, message}
}

func errUPNTaken() *graphError {
	return badRequest("Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
}

func errInsufficientPrivileges() *graphError {
	return &graphError{http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."}
}

func errTokenInvalid(message string) *graphError {
	return &graphError{http.StatusUnauthorized, "InvalidAuthenticationToken", message}
}

func errResourceNotFound(id string) *graphError {
	return &graphError{http.StatusNotFound, "Request_ResourceNotFound", "Resource '" + id + "' does not exist or one of its queried reference-property objects are not present."}
}

func errSegmentNotFound(segment string) *graphError {
	return badRequest("BadRequest", "Resource not found for the segment '"+segment+"'.")
}

func errSyncStateNotFound() *graphError {
	return badRequest("syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.")
}

func errPageSize(top string) *graphError {
	return badRequest("Request_UnsupportedQuery", "Invalid page size specified: '"+top+"'. Must be between 1 and 999 inclusive.")
}

func errTooManyRequests() *graphError {
	return &graphError{http.StatusTooManyRequests, "TooManyRequests", "Too many requests."}
}

func errServiceUnavailable() *graphError {
	return &graphError{http.StatusServiceUnavailable, "serviceNotAvailable", "Service unavailable."}
}

func writeGraphError(w http.ResponseWriter, requestID, clientRequestID string, now time.Time, e *graphError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	writeJSON(w, e.status, orderedObject{{"error", orderedObject{
		{"code", e.code},
		{"message", e.message},
		{"innerError", orderedObject{
			{"date", now.UTC().Format("2006-01-02T15:04:05")},
			{"request-id", requestID},
			{"client-request-id", clientRequestID},
		}},
	}}})
}
