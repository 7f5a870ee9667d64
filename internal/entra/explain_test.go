package entra

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/connect/connect/internal/graph"
)

// Explain is what a failed validation step and a failed run show: plain
// words, a fix, and the code kept for support — never the raw error.
func TestExplainSaysWhatToDo(t *testing.T) {
	target := Target{AuthorityHost: "https://login.example", GraphURL: "https://graph.example", Tenant: "contoso.onmicrosoft.com", ClientID: "app"}
	tests := []struct {
		name                 string
		err                  error
		code, message, fix   string
		mustNotContainRawErr bool
	}{
		{"Graph refuses (no consent)", fmt.Errorf("fetch users: %w", &graph.Error{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation.", RequestID: "rid-1"}),
			"Authorization_RequestDenied", "insufficient privileges", "Grant admin consent", true},
		{"Graph fails otherwise", &graph.Error{Status: 500, Code: "generalException", Message: "boom"},
			"generalException", "answered 500", "Try again", false},
		{"malformed tenant", &AADSTSError{Status: 400, Err: "invalid_request", Code: CodeTenantMalformed, Description: "AADSTS900023: Specified tenant identifier 'x' is neither a valid DNS name, nor a valid external domain."},
			"AADSTS900023", "", "", false},
		{"no credential sent", &AADSTSError{Status: 400, Err: "invalid_request", Code: CodeMissingCredential, Description: "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."},
			"AADSTS7000218", "No key or certificate", "key", false},
		{"timeout", fmt.Errorf("get: %w", context.DeadlineExceeded), "timeout", "Microsoft Graph did not answer in time", "graph.example", false},
		{"unreachable", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, "network", "could not reach graph.example", "network", false},
		{"anything else", errors.New("disk I/O error"), "error", "could not read the directory", "Try again", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Explain(tt.err, target, "read the directory")
			if r.State != StateFailed || r.Code != tt.code || r.Message == "" || r.Fix == "" {
				t.Fatalf("report %+v, want failed with code %q, a message and a fix", r, tt.code)
			}
			if !strings.Contains(strings.ToLower(r.Message), strings.ToLower(tt.message)) || !strings.Contains(r.Fix, tt.fix) {
				t.Errorf("report %+v, want message with %q and fix with %q", r, tt.message, tt.fix)
			}
			if tt.mustNotContainRawErr && (strings.Contains(r.Message+r.Fix, tt.err.Error()) || strings.Contains(r.Message+r.Fix, "rid-1")) {
				t.Errorf("report shows the raw error: %+v", r)
			}
		})
	}
}
