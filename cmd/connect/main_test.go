package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connect/connect/internal/store"
)

func TestCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "CONNECT_DATA_DIR" {
			return dir
		}
		return ""
	}
	tests := []struct {
		name    string
		args    []string
		stdin   string
		wantOut string
		wantErr string
	}{
		{name: "version", args: []string{"version"}, wantOut: "connect "},
		{name: "migrate", args: []string{"migrate"}, wantOut: "schema version"},
		{name: "migrate twice", args: []string{"migrate"}, wantOut: "schema version"},
		{name: "add admin", args: []string{"user", "add", "--email", "ops@example.com", "--role", "admin"}, stdin: "correct horse battery\n", wantOut: "added ops@example.com (admin)"},
		{name: "add again", args: []string{"user", "add", "--email", "ops@example.com", "--role", "admin"}, stdin: "correct horse battery\n", wantErr: "already exists"},
		{name: "bad role", args: []string{"user", "add", "--email", "x@example.com", "--role", "root"}, stdin: "correct horse battery\n", wantErr: "--role"},
		{name: "short password", args: []string{"user", "add", "--email", "x@example.com", "--role", "helpdesk"}, stdin: "short\n", wantErr: "at least 12"},
		{name: "no password", args: []string{"user", "add", "--email", "x@example.com", "--role", "helpdesk"}, stdin: "", wantErr: "Enter a password"},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(ctx, tt.args, getenv, strings.NewReader(tt.stdin), &out, &errOut)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("output %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
	st, err := store.Open(ctx, filepath.Join(dir, "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if u, err := st.UserByEmail(ctx, "ops@example.com"); err != nil || u.Role != "admin" {
		t.Fatalf("user add did not store the account: %v %v", u, err)
	}
	if _, err := st.UserByEmail(ctx, "x@example.com"); err == nil {
		t.Fatal("a refused user add stored an account")
	}
	events, err := st.AuditEvents(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != store.AuditUserAdded || events[0].Target != "ops@example.com (admin)" ||
		events[0].Address != "command line" {
		t.Fatalf("audit log after user add = %+v, want one user_added from the command line", events)
	}
}

// A data directory that cannot be created is a configuration mistake: the
// message names the setting.
func TestUnusableDataDirNamesTheSetting(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "CONNECT_DATA_DIR" {
			return filepath.Join(file, "data")
		}
		return ""
	}
	for _, args := range [][]string{{"migrate"}, {"serve", "--addr", "127.0.0.1:0"}} {
		err := run(context.Background(), args, getenv, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "CONNECT_DATA_DIR") {
			t.Errorf("%v: error %v, want it to name CONNECT_DATA_DIR", args, err)
		}
	}
}
