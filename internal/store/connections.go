package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Connection kinds.
const (
	KindAzureDirectorySync = "azure_directory_sync"
	KindOffice365Server    = "office365_server"
)

// Credential types: a client secret ("key"), or a certificate Connect
// generated, whose PEM (certificate and private key) is sealed in its place.
const (
	CredentialSecret      = "secret"
	CredentialCertificate = "certificate"
)

// Connection states.
const (
	ConnPending  = "pending"
	ConnActive   = "active"
	ConnFailed   = "failed"
	ConnDisabled = "disabled"
)

// Connection is one tenant connected to Connect. Sealed values are opened
// only by the packages that need the secret, never for display.
type Connection struct {
	ID              string
	Kind            string
	Cloud           string
	AuthorityHost   string
	GraphURL        string
	TenantDomain    string
	TenantID        string
	ApplicationID   string
	CredentialType  string // CredentialSecret or CredentialCertificate
	Association     string // server connections: "graph" or "ews"
	SecretSealed    string
	SecretHint      string
	SecretSetAt     time.Time
	PendingSealed   string
	PendingHint     string
	KeyExpiresAt    time.Time
	KeyExpiryNote   string
	Permissions     []string
	UserCount       int
	GroupCount      int
	State           string
	DeleteThreshold int
	CreatedBy       int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ValidatedAt     time.Time
}

const connectionColumns = `id, kind, cloud, authority_host, graph_url, tenant_domain, tenant_id, application_id,
	credential_type, association, secret_sealed, secret_hint, COALESCE(secret_set_at, ''), pending_sealed, pending_hint,
	COALESCE(key_expires_at, ''), key_expiry_note, permissions, user_count, group_count, state, delete_threshold,
	COALESCE(created_by, 0), created_at, updated_at, COALESCE(validated_at, '')`

func scanConnection(row interface{ Scan(...any) error }) (Connection, error) {
	var c Connection
	var setAt, expires, perms, created, updated, validated string
	err := row.Scan(&c.ID, &c.Kind, &c.Cloud, &c.AuthorityHost, &c.GraphURL, &c.TenantDomain, &c.TenantID, &c.ApplicationID,
		&c.CredentialType, &c.Association, &c.SecretSealed, &c.SecretHint, &setAt, &c.PendingSealed, &c.PendingHint,
		&expires, &c.KeyExpiryNote, &perms, &c.UserCount, &c.GroupCount, &c.State, &c.DeleteThreshold,
		&c.CreatedBy, &created, &updated, &validated)
	if err != nil {
		return c, err
	}
	c.SecretSetAt, c.KeyExpiresAt = parseTime(setAt), parseTime(expires)
	c.CreatedAt, c.UpdatedAt, c.ValidatedAt = parseTime(created), parseTime(updated), parseTime(validated)
	if perms != "" {
		c.Permissions = strings.Fields(perms)
	}
	return c, nil
}

// NewID is a random 16-hex-digit identifier for connections and runs.
func NewID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewConnection is what the wizard stores before validation.
type NewConnection struct {
	ID            string // from NewID, so the secret can be sealed with it as associated data first
	Kind          string
	Cloud         string
	AuthorityHost string
	GraphURL      string
	TenantDomain  string
	ApplicationID string
	// CredentialType defaults to CredentialSecret; for a certificate,
	// SecretHint is its base64 SHA-1 thumbprint.
	CredentialType string
	Association    string
	SecretSealed   string
	SecretHint     string
	CreatedBy      int64
}

// CreateConnection stores a pending connection.
func (s *Store) CreateConnection(ctx context.Context, n NewConnection) error {
	now := formatTime(time.Now())
	_, err := s.Writer.ExecContext(ctx, `INSERT INTO connections (id, kind, cloud, authority_host, graph_url, tenant_domain,
		application_id, credential_type, association, secret_sealed, secret_hint, secret_set_at, state, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULLIF(?, 0), ?, ?)`,
		n.ID, n.Kind, n.Cloud, n.AuthorityHost, n.GraphURL, n.TenantDomain, n.ApplicationID, n.credentialType(), n.Association,
		n.SecretSealed, n.SecretHint, now, n.CreatedBy, now, now)
	if err != nil {
		return fmt.Errorf("create connection: %w", err)
	}
	return nil
}

func (n NewConnection) credentialType() string {
	if n.CredentialType == "" {
		return CredentialSecret
	}
	return n.CredentialType
}

// ConnectionByID reads one connection.
func (s *Store) ConnectionByID(ctx context.Context, id string) (Connection, error) {
	c, err := scanConnection(s.queryRow(ctx, `SELECT `+connectionColumns+` FROM connections WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("connection %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read connection %s: %w", id, err)
	}
	return c, nil
}

// Connections lists the connections of one kind, oldest first.
func (s *Store) Connections(ctx context.Context, kind string) ([]Connection, error) {
	rows, err := s.query(ctx, `SELECT `+connectionColumns+` FROM connections WHERE kind = ? ORDER BY created_at`, kind)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("scan connection: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ValidatedFacts is what a passed validation learned about a connection.
type ValidatedFacts struct {
	TenantID      string
	Permissions   []string
	UserCount     int
	GroupCount    int
	KeyExpiresAt  time.Time
	KeyExpiryNote string
}

func (f ValidatedFacts) expires() any {
	if f.KeyExpiresAt.IsZero() {
		return nil
	}
	return formatTime(f.KeyExpiresAt)
}

// SetPendingSecret stores a replacement key to validate; the key in use
// stays. A validation still running for the connection is ended: it was
// checking other details, and must not promote this key when it passes.
func (s *Store) SetPendingSecret(ctx context.Context, id, sealed, hint string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := formatTime(time.Now())
		if err := supersedeValidationsTx(ctx, tx, id, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE connections SET pending_sealed = ?, pending_hint = ?, updated_at = ? WHERE id = ?`,
			sealed, hint, now, id)
		if err != nil {
			return fmt.Errorf("store replacement key of %s: %w", id, err)
		}
		return nil
	})
}

// supersedeValidationsTx ends a connection's running validations as failed
// before its details change, so a late answer for the old details can never
// activate the new ones (Finish* only act on a running validation).
func supersedeValidationsTx(ctx context.Context, tx *sql.Tx, connID, now string) error {
	_, err := tx.ExecContext(ctx, `UPDATE validations SET state = 'failed', finished_at = ? WHERE connection_id = ? AND state = 'running'`,
		now, connID)
	if err != nil {
		return fmt.Errorf("end running validations of %s: %w", connID, err)
	}
	return nil
}

// SetConnectionState changes only the state (disable, enable, failed).
func (s *Store) SetConnectionState(ctx context.Context, id, state string) error {
	res, err := s.Writer.ExecContext(ctx, `UPDATE connections SET state = ?, updated_at = ? WHERE id = ?`, state, formatTime(time.Now()), id)
	if err != nil {
		return fmt.Errorf("set state of connection %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("connection %s: %w", id, ErrNotFound)
	}
	return nil
}

// DeleteConnection removes a connection with its validations and runs.
func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	res, err := s.Writer.ExecContext(ctx, `DELETE FROM connections WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete connection %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("connection %s: %w", id, ErrNotFound)
	}
	return nil
}

// ResetConnection replaces every detail of a connection that never passed
// validation (the wizard's "Try again") and makes it pending again.
func (s *Store) ResetConnection(ctx context.Context, id string, n NewConnection) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := formatTime(time.Now())
		if err := supersedeValidationsTx(ctx, tx, id, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE connections SET cloud = ?, authority_host = ?, graph_url = ?, tenant_domain = ?,
			application_id = ?, credential_type = ?, association = ?, secret_sealed = ?, secret_hint = ?, secret_set_at = ?,
			pending_sealed = '', pending_hint = '',
			tenant_id = '', permissions = '', key_expires_at = NULL, key_expiry_note = '', state = 'pending', updated_at = ?
			WHERE id = ?`, n.Cloud, n.AuthorityHost, n.GraphURL, n.TenantDomain, n.ApplicationID, n.credentialType(), n.Association,
			n.SecretSealed, n.SecretHint, now, now, id)
		if err != nil {
			return fmt.Errorf("reset connection %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("connection %s: %w", id, ErrNotFound)
		}
		return nil
	})
}
