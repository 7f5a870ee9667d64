// Package config turns flags and CONNECT_* environment variables into one
// validated Config. Only cmd/connect calls it; everything else receives the
// struct.
package config

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is everything Connect needs to know at start-up.
type Config struct {
	Addr          string
	DataDir       string
	BaseURL       string
	SecretKeyFile string
	AuthorityHost string
	GraphURL      string
	ExtraCAFile   string
	Workers       int
	LogFormat     string
}

// Defaults are the values of SPEC.md's "Environment" table.
func Defaults() Config {
	return Config{
		Addr:          "127.0.0.1:8080",
		DataDir:       "./data",
		AuthorityHost: "https://login.microsoftonline.com",
		GraphURL:      "https://graph.microsoft.com",
		Workers:       2,
		LogFormat:     "text",
	}
}

// setting ties one Config field to its flag and environment variable, so the
// two can never drift apart and messages can name both.
type setting struct {
	flag, env, usage string
	str              *string
	num              *int
}

func (c *Config) settings() []setting {
	return []setting{
		{flag: "addr", env: "CONNECT_ADDR", usage: "listen address", str: &c.Addr},
		{flag: "data-dir", env: "CONNECT_DATA_DIR", usage: "directory of the SQLite database and generated master key", str: &c.DataDir},
		{flag: "base-url", env: "CONNECT_BASE_URL", usage: "public URL (https turns on Secure cookies); default http://<addr>", str: &c.BaseURL},
		{flag: "secret-key-file", env: "CONNECT_SECRET_KEY_FILE", usage: "32-byte key that encrypts stored secrets; default <data dir>/master.key", str: &c.SecretKeyFile},
		{flag: "authority-host", env: "CONNECT_AUTHORITY_HOST", usage: "Entra ID authority host", str: &c.AuthorityHost},
		{flag: "graph-url", env: "CONNECT_GRAPH_URL", usage: "Microsoft Graph base URL", str: &c.GraphURL},
		{flag: "extra-ca-file", env: "CONNECT_EXTRA_CA_FILE", usage: "PEM file of extra CAs to trust for Entra ID and Graph", str: &c.ExtraCAFile},
		{flag: "workers", env: "CONNECT_WORKERS", usage: "concurrent sync runs", num: &c.Workers},
		{flag: "log-format", env: "CONNECT_LOG_FORMAT", usage: "text or json", str: &c.LogFormat},
	}
}

// Load reads the environment, then flags (which win), fills derived defaults
// and validates. withFlags is false for sub-commands that take their own flags
// but must still find the same database (connect user add).
func Load(name string, args []string, getenv func(string) string, stderr io.Writer, withFlags bool) (Config, []string, error) {
	cfg := Defaults()
	var problems []string
	for _, s := range cfg.settings() {
		v := strings.TrimSpace(getenv(s.env))
		if v == "" {
			continue
		}
		if s.str != nil {
			*s.str = v
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not a whole number", s.env, v))
			continue
		}
		*s.num = n
	}
	rest := args
	if withFlags {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		for _, s := range cfg.settings() {
			if s.str != nil {
				fs.StringVar(s.str, s.flag, *s.str, s.usage+" ("+s.env+")")
			} else {
				fs.IntVar(s.num, s.flag, *s.num, s.usage+" ("+s.env+")")
			}
		}
		if err := fs.Parse(args); err != nil {
			return cfg, nil, err
		}
		rest = fs.Args()
	}
	if len(problems) > 0 {
		return cfg, rest, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	cfg.fillDerived()
	return cfg, rest, cfg.Validate()
}

func (c *Config) fillDerived() {
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.AuthorityHost = strings.TrimRight(c.AuthorityHost, "/")
	c.GraphURL = strings.TrimRight(c.GraphURL, "/")
	if c.SecretKeyFile == "" {
		c.SecretKeyFile = filepath.Join(c.DataDir, "master.key")
	}
}

// Validate explains every problem at once, naming the variable to change.
func (c Config) Validate() error {
	var problems []string
	bad := func(env, format string, a ...any) {
		problems = append(problems, env+": "+fmt.Sprintf(format, a...))
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("CONNECT_ADDR", "%q is not host:port (for example 127.0.0.1:8080)", c.Addr)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("CONNECT_DATA_DIR", "must not be empty")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("CONNECT_BASE_URL", "%q is not an http:// or https:// URL", c.BaseURL)
	}
	// MSAL refuses an authority that is not https ("authority url scheme must be https").
	if u, err := url.Parse(c.AuthorityHost); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		bad("CONNECT_AUTHORITY_HOST", "%q must be an https:// host with no path (for example https://login.microsoftonline.com)", c.AuthorityHost)
	}
	if u, err := url.Parse(c.GraphURL); err != nil || u.Scheme != "https" || u.Host == "" {
		bad("CONNECT_GRAPH_URL", "%q must be an https:// URL (for example https://graph.microsoft.com)", c.GraphURL)
	}
	if c.ExtraCAFile != "" {
		if _, err := LoadCAFile(c.ExtraCAFile); err != nil {
			bad("CONNECT_EXTRA_CA_FILE", "%v", err)
		}
	}
	if c.Workers < 1 || c.Workers > 64 {
		bad("CONNECT_WORKERS", "%d is out of range: use 1 to 64", c.Workers)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("CONNECT_LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	if len(problems) > 0 {
		return errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return nil
}

// SecureCookies is true when the public URL is https.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// DatabasePath is where the SQLite file lives.
func (c Config) DatabasePath() string { return filepath.Join(c.DataDir, "connect.db") }

// LoadCAFile reads a PEM bundle of extra CAs and fails if it holds none.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}
