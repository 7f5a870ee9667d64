package entra

import (
	"encoding/pem"
	"testing"
	"time"
)

// FuzzPEMInput: the extra-CA file and a stored certificate credential are
// PEM from outside the program; garbage must be refused, never panic.
func FuzzPEMInput(f *testing.F) {
	gen, err := GenerateCertificate("fuzz", 2048, time.Now(), 1)
	if err != nil {
		f.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: gen.CertDER})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: gen.KeyPKCS8})
	f.Add(certPEM)
	f.Add(append(append([]byte{}, certPEM...), keyPEM...))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("not pem at all"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = NewHTTPClient(data)
		_, _ = Credential{CertPEM: data}.msal()
	})
}
