// Package entra talks to Microsoft Entra ID: MSAL confidential clients per
// connection, tenant discovery, the live validation steps of the wizard and
// the translation of AADSTS errors into plain advice. It knows Microsoft's
// wire formats and nothing of Connect's store.
package entra

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"time"
)

// NewHTTPClient is the client for Entra ID and Graph: the system's roots plus
// extra CAs in PEM (CONNECT_EXTRA_CA_FILE, for proxies and the emulator), and
// timeouts at every stage so nothing can hang.
func NewHTTPClient(extraCAPEM []byte) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(extraCAPEM) > 0 {
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(extraCAPEM) {
			return nil, errors.New("extra CA file holds no PEM certificate")
		}
		tlsConfig.RootCAs = roots
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: transport, Timeout: 60 * time.Second}, nil
}
