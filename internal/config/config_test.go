package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		check   func(Config) bool
		wantErr string
	}{
		{name: "defaults", check: func(c Config) bool {
			return c.Addr == "127.0.0.1:8080" && c.BaseURL == "http://127.0.0.1:8080" && c.SecretKeyFile == filepath.Join("data", "master.key") && c.Workers == 2
		}},
		{name: "environment", env: map[string]string{"CONNECT_ADDR": "0.0.0.0:9000", "CONNECT_WORKERS": "4", "CONNECT_DATA_DIR": "/srv/c"},
			check: func(c Config) bool {
				return c.Addr == "0.0.0.0:9000" && c.Workers == 4 && c.SecretKeyFile == "/srv/c/master.key"
			}},
		{name: "flags win over environment", env: map[string]string{"CONNECT_WORKERS": "4"}, args: []string{"--workers", "8"},
			check: func(c Config) bool { return c.Workers == 8 }},
		{name: "https base URL", env: map[string]string{"CONNECT_BASE_URL": "https://connect.example.com/"},
			check: func(c Config) bool { return c.SecureCookies() && c.BaseURL == "https://connect.example.com" }},
		{name: "workers not a number", env: map[string]string{"CONNECT_WORKERS": "two"}, wantErr: "CONNECT_WORKERS"},
		{name: "workers out of range", env: map[string]string{"CONNECT_WORKERS": "0"}, wantErr: "CONNECT_WORKERS"},
		{name: "bad address", env: map[string]string{"CONNECT_ADDR": "8080"}, wantErr: "CONNECT_ADDR"},
		{name: "authority not https", env: map[string]string{"CONNECT_AUTHORITY_HOST": "http://login.example"}, wantErr: "CONNECT_AUTHORITY_HOST"},
		{name: "graph not a URL", env: map[string]string{"CONNECT_GRAPH_URL": "graph"}, wantErr: "CONNECT_GRAPH_URL"},
		{name: "log format", env: map[string]string{"CONNECT_LOG_FORMAT": "xml"}, wantErr: "CONNECT_LOG_FORMAT"},
		{name: "CA file missing", env: map[string]string{"CONNECT_EXTRA_CA_FILE": filepath.Join(dir, "none.pem")}, wantErr: "CONNECT_EXTRA_CA_FILE"},
		{name: "CA file not PEM", env: map[string]string{"CONNECT_EXTRA_CA_FILE": notPEM}, wantErr: "holds no PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := Load("test", tt.args, env(tt.env), io.Discard, true)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Fatalf("unexpected config %+v", c)
			}
		})
	}
}
