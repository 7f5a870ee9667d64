package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ServerCertificate is a certificate Connect generated; its private key is
// sealed and opened only to build a credential.
type ServerCertificate struct {
	ID         string
	KeyID      string // the manifest's keyId
	Thumbprint string // base64 SHA-1 of CertDER
	CertDER    []byte
	KeySealed  string
	NotBefore  time.Time
	NotAfter   time.Time
	CreatedBy  int64
	CreatedAt  time.Time
}

// ServerCertificateKeyAD is the associated data a certificate's private key
// is sealed with, so the sealed key cannot be moved to another row.
func ServerCertificateKeyAD(id string) string { return "server_certificates/" + id + "/key" }

const serverCertificateColumns = `id, key_id, thumbprint, cert_der, key_sealed, not_before, not_after, COALESCE(created_by, 0), created_at`

func scanServerCertificate(row interface{ Scan(...any) error }) (ServerCertificate, error) {
	var c ServerCertificate
	var notBefore, notAfter, created string
	if err := row.Scan(&c.ID, &c.KeyID, &c.Thumbprint, &c.CertDER, &c.KeySealed, &notBefore, &notAfter, &c.CreatedBy, &created); err != nil {
		return c, err
	}
	c.NotBefore, c.NotAfter, c.CreatedAt = parseTime(notBefore), parseTime(notAfter), parseTime(created)
	return c, nil
}

// CreateServerCertificate stores a generated certificate; c.KeySealed must
// be sealed with ServerCertificateKeyAD(c.ID). A zero CreatedAt is now.
func (s *Store) CreateServerCertificate(ctx context.Context, c ServerCertificate) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	_, err := s.Writer.ExecContext(ctx, `INSERT INTO server_certificates (id, key_id, thumbprint, cert_der, key_sealed,
		not_before, not_after, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?)`,
		c.ID, c.KeyID, c.Thumbprint, c.CertDER, c.KeySealed, formatTime(c.NotBefore), formatTime(c.NotAfter), c.CreatedBy,
		formatTime(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("store server certificate: %w", err)
	}
	return nil
}

// ServerCertificates lists the generated certificates, newest first.
func (s *Store) ServerCertificates(ctx context.Context) ([]ServerCertificate, error) {
	rows, err := s.query(ctx, `SELECT `+serverCertificateColumns+` FROM server_certificates ORDER BY created_at DESC, rowid DESC`)
	if err != nil {
		return nil, fmt.Errorf("list server certificates: %w", err)
	}
	defer rows.Close()
	var out []ServerCertificate
	for rows.Next() {
		c, err := scanServerCertificate(rows)
		if err != nil {
			return nil, fmt.Errorf("scan server certificate: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ServerCertificateByID reads one generated certificate.
func (s *Store) ServerCertificateByID(ctx context.Context, id string) (ServerCertificate, error) {
	c, err := scanServerCertificate(s.queryRow(ctx, `SELECT `+serverCertificateColumns+` FROM server_certificates WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("server certificate %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read server certificate %s: %w", id, err)
	}
	return c, nil
}
