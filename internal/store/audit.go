package store

import (
	"context"
	"fmt"
	"time"
)

// Audit actions: the names stored in audit_log.action.
const (
	AuditSignIn            = "sign_in"
	AuditSignInFailed      = "sign_in_failed"
	AuditSignOut           = "sign_out"
	AuditUserAdded         = "user_added"
	AuditUserChanged       = "user_changed"
	AuditConnectionCreated = "connection_created"
	AuditConnectionEdited  = "connection_edited"
	AuditConnectionState   = "connection_state_changed"
	AuditConnectionDeleted = "connection_deleted"
	AuditSyncRequested     = "sync_requested"
	AuditRunApproved       = "run_approved"
	AuditRunRejected       = "run_rejected"
	AuditRunCancelled      = "run_cancelled"
	AuditSettingsChanged   = "settings_changed"
	AuditTokenCreated      = "api_token_created"
	AuditTokenRevoked      = "api_token_revoked"
	AuditCertificateAdded  = "certificate_generated"
)

// AuditEvent is one row of the audit log.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    int64
	ActorEmail string
	Address    string
	Action     string
	Target     string
	Detail     string
}

// RecordAudit appends one event. There is no method to change or remove one:
// the table's triggers refuse it too.
func (s *Store) RecordAudit(ctx context.Context, e AuditEvent) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := s.Writer.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_email, address, action, target, detail)
		VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?)`,
		formatTime(e.At), e.ActorID, e.ActorEmail, e.Address, e.Action, e.Target, e.Detail)
	if err != nil {
		return fmt.Errorf("record audit event %s: %w", e.Action, err)
	}
	return nil
}

// AuditEvents lists events newest first, a page at a time.
func (s *Store) AuditEvents(ctx context.Context, limit, offset int) ([]AuditEvent, error) {
	rows, err := s.query(ctx, `SELECT id, at, COALESCE(actor_id, 0), actor_email, address, action, target, detail
		FROM audit_log ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorEmail, &e.Address, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("scan audit event: %w", err)
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
