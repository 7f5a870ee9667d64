package entra

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

func TestGenerateCertificate(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, bits := range []int{2048, 3072} {
		gen, err := GenerateCertificate(CertificateCommonName, bits, now, CertificateYears)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(gen.CertDER)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Subject.CommonName != CertificateCommonName || cert.PublicKey.(*rsa.PublicKey).N.BitLen() != bits {
			t.Errorf("%d bits: subject %q, key %d bits", bits, cert.Subject.CommonName, cert.PublicKey.(*rsa.PublicKey).N.BitLen())
		}
		if days := cert.NotAfter.Sub(now).Hours() / 24; days < 730 || days > 731 {
			t.Errorf("valid for %.0f days, want two years", days)
		}
		sum := sha1.Sum(gen.CertDER)
		entry := NewKeyCredential(gen.CertDER, gen.KeyID)
		if entry.CustomKeyIdentifier != base64.StdEncoding.EncodeToString(sum[:]) || entry.Value != base64.StdEncoding.EncodeToString(gen.CertDER) ||
			!IsGUID(entry.KeyID) || entry.Type != "AsymmetricX509Cert" || entry.Usage != "Verify" {
			t.Errorf("entry %+v", entry)
		}
		// MSAL reads the credential PEM Connect builds.
		certs, key, err := confidential.CertFromPEM(CredentialPEM(gen.CertDER, gen.KeyPKCS8), "")
		if err != nil || len(certs) != 1 || key == nil {
			t.Fatalf("MSAL cannot read the credential: %v", err)
		}
		if got, err := CertificateOf(CredentialPEM(gen.CertDER, gen.KeyPKCS8)); err != nil || !got.NotAfter.Equal(cert.NotAfter) {
			t.Errorf("CertificateOf: %v", err)
		}
	}
	if _, err := GenerateCertificate(CertificateCommonName, 1024, now, CertificateYears); err == nil {
		t.Error("a 1024-bit key was accepted")
	}
}
