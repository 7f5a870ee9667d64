package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

var (
	// ErrDeltaReset means the delta link can no longer be used and the
	// caller must start a full resync: Graph answers 410 Gone, or 400 with
	// code syncStateNotFound (token expired after 7 days) or resyncRequired
	// (ENTRA-PROTOCOL §4 "Reset").
	ErrDeltaReset = errors.New("delta state expired: a full resync is needed")
	// ErrNotFound matches a 404 answer and lookups that found nothing.
	ErrNotFound = errors.New("not found")
)

// Error is an error answer from Graph:
// {"error":{"code":…,"message":…,"innerError":{"request-id":…}}}.
type Error struct {
	Status          int
	Code            string // e.g. Authorization_RequestDenied
	Message         string
	RequestID       string // Graph's request-id, for Microsoft support
	ClientRequestID string // the client-request-id we sent
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph: %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	return b.String()
}

// Is lets errors.Is(err, ErrDeltaReset) and errors.Is(err, ErrNotFound) see
// through an *Error, so callers test the meaning and not status codes.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrDeltaReset:
		return e.Status == http.StatusGone ||
			(e.Status == http.StatusBadRequest && (strings.EqualFold(e.Code, "syncStateNotFound") || strings.EqualFold(e.Code, "resyncRequired")))
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	}
	return false
}

type errorBody struct {
	Error struct {
		Code       string     `json:"code"`
		Message    string     `json:"message"`
		InnerError innerError `json:"innerError"`
		// Some services spell it in lower case (ENTRA-PROTOCOL §4).
		InnerErrorLower innerError `json:"innererror"`
	} `json:"error"`
}

type innerError struct {
	RequestID string `json:"request-id"`
}

// parseError builds an *Error from an error answer. A body that is not Graph's
// error shape (a proxy's HTML page, say) still gives the status and a short
// excerpt, so nothing is lost for the log.
func parseError(resp *http.Response, body []byte, clientRequestID string) *Error {
	e := &Error{Status: resp.StatusCode, ClientRequestID: clientRequestID, RequestID: resp.Header.Get("request-id")}
	var parsed errorBody
	if json.Unmarshal(body, &parsed) == nil && (parsed.Error.Code != "" || parsed.Error.Message != "") {
		e.Code, e.Message = parsed.Error.Code, parsed.Error.Message
		for _, id := range []string{parsed.Error.InnerError.RequestID, parsed.Error.InnerErrorLower.RequestID} {
			if id != "" {
				e.RequestID = id
			}
		}
		return e
	}
	e.Message = http.StatusText(resp.StatusCode)
	if excerpt := strings.TrimSpace(string(body)); excerpt != "" {
		const maxExcerpt = 200
		if len(excerpt) > maxExcerpt {
			excerpt = strings.ToValidUTF8(excerpt[:maxExcerpt], "") + "…"
		}
		e.Message += ": " + excerpt
	}
	return e
}
