package emulator

import (
	cryptorand "crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// registerApp adds an app registration with one secret and the given Graph
// roles; it answers with the app.
func (t *tenant) registerApp(displayName string, graphRoles []string, now time.Time) *application {
	rng := mathRandFromCrypto()
	app := generateApp(rng, displayName, now)
	app.graphRoles = graphRoles
	t.mu.Lock()
	defer t.mu.Unlock()
	t.apps = append(t.apps, app)
	return app
}

func mathRandFromCrypto() *rand.Rand {
	var seed [32]byte
	_, _ = cryptorand.Read(seed[:])
	return rand.New(rand.NewChaCha8(seed))
}

// addSecret adds a password credential; a zero end gives two years.
func (t *tenant) addSecret(appID, displayName string, end, now time.Time) (passwordCredential, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	app := t.appByID(appID)
	if app == nil {
		return passwordCredential{}, errObjectNotFound
	}
	if end.IsZero() {
		end = now.AddDate(2, 0, 0)
	}
	start := now
	if end.Before(start) {
		start = end.AddDate(-1, 0, 0)
	}
	p := passwordCredential{
		keyID: randomObjectID(), displayName: displayName, value: newSecretValue(mathRandFromCrypto()),
		start: start.UTC().Truncate(time.Second), end: end.UTC().Truncate(time.Second),
	}
	app.passwords = append(app.passwords, p)
	return p, nil
}

// parseCertificatePEM reads the first CERTIFICATE block.
func parseCertificatePEM(data []byte) (*x509.Certificate, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no CERTIFICATE block in the PEM")
		}
		if block.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse certificate: %w", err)
			}
			return cert, nil
		}
	}
}

// certificateUpload is a certificate as the admin API and the tenant file
// take it: a PEM, or a manifest keyCredentials entry (base64 DER "value",
// optional "keyId" and "customKeyIdentifier").
type certificateUpload struct {
	PEM                 string    `json:"pem"`
	Value               string    `json:"value"`
	KeyID               string    `json:"keyId"`
	CustomKeyIdentifier string    `json:"customKeyIdentifier"`
	DisplayName         string    `json:"displayName"`
	EndDateTime         time.Time `json:"endDateTime"`
}

// keyCredential checks the upload as Entra checks a pasted manifest entry:
// customKeyIdentifier, when given, must be the base64 SHA-1 thumbprint.
func (u certificateUpload) keyCredential() (keyCredential, error) {
	var cert *x509.Certificate
	var err error
	if u.Value != "" {
		der, decodeErr := base64.StdEncoding.DecodeString(u.Value)
		if decodeErr != nil {
			return keyCredential{}, fmt.Errorf("keyCredential value is not base64: %w", decodeErr)
		}
		cert, err = x509.ParseCertificate(der)
	} else {
		cert, err = parseCertificatePEM([]byte(u.PEM))
	}
	if err != nil {
		return keyCredential{}, fmt.Errorf("parse certificate: %w", err)
	}
	keyID := randomObjectID()
	if u.KeyID != "" {
		if keyID, err = parseObjectID(u.KeyID); err != nil {
			return keyCredential{}, fmt.Errorf("keyId: %w", err)
		}
	}
	displayName := u.DisplayName
	if displayName == "" {
		displayName = "CN=" + cert.Subject.CommonName
	}
	k := newKeyCredential(keyID, cert, displayName)
	if u.CustomKeyIdentifier != "" && u.CustomKeyIdentifier != base64.StdEncoding.EncodeToString(k.thumbprintSHA1()) {
		return keyCredential{}, errors.New("customKeyIdentifier is not the base64 SHA-1 thumbprint of the certificate")
	}
	if !u.EndDateTime.IsZero() {
		k.end = u.EndDateTime
	}
	return k, nil
}

// addCertificate registers a certificate (keyCredential) on the app.
func (t *tenant) addCertificate(appID string, upload certificateUpload) (keyCredential, error) {
	k, err := upload.keyCredential()
	if err != nil {
		return keyCredential{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	app := t.appByID(appID)
	if app == nil {
		return keyCredential{}, errObjectNotFound
	}
	app.keys = append(app.keys, k)
	return k, nil
}

func (t *tenant) removeCredential(appID, keyID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	app := t.appByID(appID)
	if app == nil {
		return errObjectNotFound
	}
	for i, p := range app.passwords {
		if strings.EqualFold(p.keyID.String(), keyID) {
			app.passwords = append(app.passwords[:i], app.passwords[i+1:]...)
			return nil
		}
	}
	for i, k := range app.keys {
		if strings.EqualFold(k.keyID.String(), keyID) {
			app.keys = append(app.keys[:i], app.keys[i+1:]...)
			return nil
		}
	}
	return errObjectNotFound
}

// setRoles replaces the consented application permissions; names or role
// GUIDs are accepted, names are stored (they go into the token's roles).
func (t *tenant) setRoles(appID string, graph, exchange []string) error {
	graphNames, err := roleNames(graph, graphRoleIDs)
	if err != nil {
		return err
	}
	exchangeNames, err := roleNames(exchange, exchangeRoleIDs)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	app := t.appByID(appID)
	if app == nil {
		return errObjectNotFound
	}
	app.graphRoles, app.exchangeRoles = graphNames, exchangeNames
	return nil
}

func roleNames(given []string, known map[string]string) ([]string, error) {
	names := []string{}
	for _, g := range given {
		found := ""
		for name, id := range known {
			if strings.EqualFold(g, name) || strings.EqualFold(g, id) {
				found = name
			}
		}
		if found == "" {
			return nil, fmt.Errorf("unknown application role %q", g)
		}
		names = append(names, found)
	}
	return names, nil
}
