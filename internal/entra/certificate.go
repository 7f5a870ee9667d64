package entra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // #nosec G505 -- the manifest's customKeyIdentifier is defined as the SHA-1 thumbprint
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Certificate generation for certificate credentials (ENTRA-PROTOCOL.md §1):
// MSAL Go signs its client assertion with an RSA key only, so Connect makes
// RSA key pairs and a self-signed certificate the administrator uploads to
// the application.

// Certificate defaults.
const (
	CertificateCommonName = "Connect server connection"
	CertificateYears      = 2
	DefaultCertificateRSA = 2048
)

// GeneratedCertificate is a new self-signed certificate and its private key.
// KeyPKCS8 is the secret: seal it before it is stored.
type GeneratedCertificate struct {
	CertDER    []byte
	KeyPKCS8   []byte
	Thumbprint string // base64 SHA-1 of CertDER: the manifest's customKeyIdentifier
	KeyID      string // a new GUID: the manifest's keyId
	NotBefore  time.Time
	NotAfter   time.Time
}

// GenerateCertificate makes an RSA key pair of bits (2048 or 3072) and a
// self-signed certificate for commonName, valid from now for years.
func GenerateCertificate(commonName string, bits int, now time.Time, years int) (GeneratedCertificate, error) {
	if bits != 2048 && bits != 3072 {
		return GeneratedCertificate{}, fmt.Errorf("generate certificate: RSA key size %d, want 2048 or 3072", bits)
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return GeneratedCertificate{}, fmt.Errorf("generate RSA key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return GeneratedCertificate{}, fmt.Errorf("generate certificate serial: %w", err)
	}
	// A minute of slack so a verifier whose clock is a little behind still
	// accepts the certificate right away.
	notBefore := now.UTC().Add(-time.Minute).Truncate(time.Second)
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             notBefore,
		NotAfter:              now.UTC().AddDate(years, 0, 0).Truncate(time.Second),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return GeneratedCertificate{}, fmt.Errorf("create certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return GeneratedCertificate{}, fmt.Errorf("encode private key: %w", err)
	}
	keyID, err := NewGUID()
	if err != nil {
		return GeneratedCertificate{}, err
	}
	return GeneratedCertificate{CertDER: der, KeyPKCS8: pkcs8, Thumbprint: Thumbprint(der), KeyID: keyID,
		NotBefore: template.NotBefore, NotAfter: template.NotAfter}, nil
}

// Thumbprint is the base64 SHA-1 of a certificate's DER, as Entra ID shows
// it in keyCredentials.customKeyIdentifier.
func Thumbprint(der []byte) string {
	sum := sha1.Sum(der) // #nosec G401 -- an identifier, not a signature
	return base64.StdEncoding.EncodeToString(sum[:])
}

// NewGUID is a random (version 4) GUID, such as a keyCredentials keyId.
func NewGUID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate GUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// CredentialPEM is the certificate and its private key as one PEM, the form
// Credential.CertPEM (and MSAL's CertFromPEM) reads.
func CredentialPEM(certDER, keyPKCS8 []byte) []byte {
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyPKCS8})...)
}

// CertificateOf reads the certificate part of a credential PEM.
func CertificateOf(credentialPEM []byte) (*x509.Certificate, error) {
	for rest := credentialPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("credential PEM holds no certificate")
		}
		if block.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse certificate: %w", err)
			}
			return c, nil
		}
	}
}

// KeyCredential is one entry of an application manifest's keyCredentials,
// with its fields in the order the portal and the product document show.
type KeyCredential struct {
	CustomKeyIdentifier string `json:"customKeyIdentifier"`
	KeyID               string `json:"keyId"`
	Type                string `json:"type"`
	Usage               string `json:"usage"`
	Value               string `json:"value"`
}

// NewKeyCredential is the manifest entry of a certificate.
func NewKeyCredential(certDER []byte, keyID string) KeyCredential {
	return KeyCredential{CustomKeyIdentifier: Thumbprint(certDER), KeyID: keyID, Type: "AsymmetricX509Cert",
		Usage: "Verify", Value: base64.StdEncoding.EncodeToString(certDER)}
}

// ManifestSnippet is the text to paste into the manifest in place of its
// keyCredentials section: `"keyCredentials": [ {…} ],`.
func (k KeyCredential) ManifestSnippet() string {
	entry, _ := json.MarshalIndent([]KeyCredential{k}, "", "  ") // plain strings: cannot fail
	return `"keyCredentials": ` + string(entry) + ","
}
