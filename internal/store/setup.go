package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrSetupTokenInvalid covers unknown, expired and already used setup tokens
// alike, so the page does not tell an attacker which.
var ErrSetupTokenInvalid = errors.New("setup token is unknown, expired or already used")

// noAdminYet keeps a setup token from working once an administrator exists
// by any route (another setup, or `connect user add` while serve runs).
const noAdminYet = `NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0)`

// DropSetupTokens removes every unused setup token, for a start that finds an
// administrator already there.
func (s *Store) DropSetupTokens(ctx context.Context) error {
	if _, err := s.Writer.ExecContext(ctx, `DELETE FROM setup_tokens WHERE used_at IS NULL`); err != nil {
		return fmt.Errorf("drop unused setup tokens: %w", err)
	}
	return nil
}

// ReplaceSetupToken drops any earlier unused token and stores the hash of a
// new one: only the latest printed link works.
func (s *Store) ReplaceSetupToken(ctx context.Context, tokenHash string, expires time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens WHERE used_at IS NULL`); err != nil {
			return fmt.Errorf("drop old setup tokens: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)`,
			tokenHash, formatTime(time.Now()), formatTime(expires))
		if err != nil {
			return fmt.Errorf("store setup token: %w", err)
		}
		return nil
	})
}

// SetupTokenValid tells whether a token hash may still be used.
func (s *Store) SetupTokenValid(ctx context.Context, tokenHash string, now time.Time) (bool, error) {
	var n int
	err := s.queryRow(ctx,
		`SELECT COUNT(*) FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? AND `+noAdminYet,
		tokenHash, formatTime(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check setup token: %w", err)
	}
	return n == 1, nil
}

// CreateFirstAdmin spends the setup token and creates the administrator in
// one transaction: a token can create exactly one account, and a failed
// insert leaves the token usable.
func (s *Store) CreateFirstAdmin(ctx context.Context, tokenHash string, now time.Time, email, passwordHash string) (User, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? AND `+noAdminYet,
			formatTime(now), tokenHash, formatTime(now))
		if err != nil {
			return fmt.Errorf("spend setup token: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrSetupTokenInvalid
		}
		ts := formatTime(now)
		res, err = tx.ExecContext(ctx,
			`INSERT INTO users (email, password_hash, role, created_at, updated_at) VALUES (?, ?, 'admin', ?, ?)`,
			email, passwordHash, ts, ts)
		if err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("create administrator %s: %w", email, ErrConflict)
			}
			return fmt.Errorf("create administrator %s: %w", email, err)
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return User{}, err
	}
	return s.UserByID(ctx, id)
}
