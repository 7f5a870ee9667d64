package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect/connect/internal/emulator"
)

func TestRunServesAndStops(t *testing.T) {
	dir := t.TempDir()
	credsPath := filepath.Join(dir, "creds.json")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	out := &logBuffer{wrote: make(chan struct{}, 1)}
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--users", "20", "--groups", "3", "--seed", "5",
			"--ca-out", filepath.Join(dir, "ca.pem"), "--write-credentials", credsPath, "--admin-api", "--churn", "600"}, out)
	}()
	var creds map[string]string
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(credsPath)
		if err == nil && json.Unmarshal(data, &creds) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("credentials file never appeared")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// connect-bench reads the generation time from this line.
	if log := out.String(); !strings.Contains(log, `msg="tenant ready" took=`) || !strings.Contains(log, "users=20 groups=3") {
		t.Errorf("no tenant ready line with took, users and groups:\n%s", log)
	}
	for _, k := range []string{"tenant_domain", "tenant_id", "application_id", "key", "authority_host", "graph_url", "ca_file"} {
		if creds[k] == "" {
			t.Errorf("credentials lack %s: %v", k, creds)
		}
	}
	caPEM, err := os.ReadFile(creds["ca_file"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(creds["authority_host"] + "/" + creds["tenant_domain"] + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("openid-configuration: %s", resp.Status)
	}
	client.CloseIdleConnections()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

func TestFlagsRefuseNonLoopback(t *testing.T) {
	if _, err := parseFlags([]string{"--addr", "0.0.0.0:8443"}, io.Discard); err == nil {
		t.Error("0.0.0.0 accepted")
	}
}

// TestRequestLogKeepsFaultsWorking: the log wrapper must let the "reset"
// fault reach the connection.
func TestRequestLogKeepsFaultsWorking(t *testing.T) {
	buf := &logBuffer{wrote: make(chan struct{}, 1)}
	handler := logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack through the log wrapper: %v", err)
			return
		}
		conn.Close()
	}), slog.New(slog.NewTextHandler(buf, nil)))
	srv := httptest.NewServer(handler)
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/v1.0/users?$skiptoken=secret"); err == nil {
		resp.Body.Close()
		t.Error("connection was not dropped")
	}
	<-buf.wrote // a hijacked handler outlives srv.Close; wait for its line
	if line := buf.String(); strings.Contains(line, "secret") || !strings.Contains(line, "path=/v1.0/users") {
		t.Errorf("log line: %s", line)
	}
}

// logBuffer is a log destination safe to read while a handler writes.
type logBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer func() {
		select {
		case l.wrote <- struct{}{}:
		default:
		}
	}()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestFlagsRefuseWhatTheEmulatorCannotHonour(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error; "" = accepted
	}{
		{"defaults", nil, ""},
		{"users only", []string{"--users", "3", "--groups", "0"}, ""},
		{"tenant file alone", []string{"--tenant-file", "t.json"}, ""},
		{"negative users", []string{"--users", "-5"}, "--users -5: want 0 or more"},
		{"negative groups", []string{"--groups", "-1"}, "--groups -1: want 0 or more"},
		{"empty tenant", []string{"--users", "0", "--groups", "0"}, "--users 0: want at least 1 when --groups is 0"},
		{"tenant file and users", []string{"--tenant-file", "t.json", "--users", "10"}, "--users: not with --tenant-file"},
		{"tenant file and groups", []string{"--groups", "10", "--tenant-file", "t.json"}, "--groups: not with --tenant-file"},
		{"tenant file and seed", []string{"--tenant-file", "t.json", "--seed", "2"}, "--seed: not with --tenant-file"},
		{"page size", []string{"--delta-page-size", "0"}, "--delta-page-size 0: want 1 or more"},
		{"member chunk", []string{"--delta-member-chunk", "-3"}, "--delta-member-chunk -3: want 1 or more"},
		{"token lifetime", []string{"--token-lifetime", "-1s"}, "--token-lifetime -1s: want a positive duration"},
		{"delta token TTL", []string{"--delta-token-ttl", "0s"}, "--delta-token-ttl 0s: want a positive duration"},
		{"churn", []string{"--churn", "-2"}, "--churn -2: want 0 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, io.Discard)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("error %v, want it to start with %q", err, tt.want)
			}
		})
	}
}

// TestRunRefusesNegativeSizes: the library refuses too, so no caller can
// reach a makeslice panic in the generator.
func TestRunRefusesNegativeSizes(t *testing.T) {
	for _, opts := range []emulator.Options{{Users: -5, Groups: 1}, {Users: 1, Groups: -1}} {
		if _, err := emulator.New(opts); err == nil {
			t.Errorf("emulator.New(%+v) accepted", opts)
		}
	}
	file := []byte(`{"name":"contoso","generate":{"users":-3,"groups":1}}`)
	if _, err := emulator.New(emulator.Options{TenantFile: file}); err == nil || !strings.Contains(err.Error(), "generate.users -3") {
		t.Errorf("tenant file with negative users: %v", err)
	}
}
