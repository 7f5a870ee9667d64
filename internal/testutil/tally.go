// Package testutil holds helpers that only tests use.
package testutil

import (
	"fmt"
	"os"
	"testing"
)

// Tally reports a suite's closing figures. `go test ./...` hides the output
// of packages that pass, so besides the test log the line is appended to
// the file named by CONNECT_TALLY_FILE, which `make test` prints at the end.
func Tally(t testing.TB, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	path := os.Getenv("CONNECT_TALLY_FILE")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("open tally file: %v", err)
		return
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, line); err != nil {
		t.Errorf("write tally file: %v", err)
	}
}
