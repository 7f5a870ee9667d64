package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// APIToken is a bearer token for monitoring; only its hash is stored.
type APIToken struct {
	ID         int64
	Name       string
	Hint       string // the first characters, so people can tell tokens apart
	CreatedBy  int64
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// CreateAPIToken stores a token's hash.
func (s *Store) CreateAPIToken(ctx context.Context, name, tokenHash, hint string, createdBy int64) (APIToken, error) {
	now := time.Now()
	res, err := s.Writer.ExecContext(ctx, `INSERT INTO api_tokens (name, token_hash, hint, created_by, created_at)
		VALUES (?, ?, ?, NULLIF(?, 0), ?)`, name, tokenHash, hint, createdBy, formatTime(now))
	if err != nil {
		return APIToken{}, fmt.Errorf("create API token: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return APIToken{}, fmt.Errorf("read new API token id: %w", err)
	}
	return APIToken{ID: id, Name: name, Hint: hint, CreatedBy: createdBy, CreatedAt: now}, nil
}

const apiTokenColumns = `id, name, hint, COALESCE(created_by, 0), created_at, COALESCE(last_used_at, ''), COALESCE(revoked_at, '')`

func scanAPIToken(row interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	var created, used, revoked string
	if err := row.Scan(&t.ID, &t.Name, &t.Hint, &t.CreatedBy, &created, &used, &revoked); err != nil {
		return t, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = parseTime(created), parseTime(used), parseTime(revoked)
	return t, nil
}

// APITokens lists every token, newest first, revoked ones included.
func (s *Store) APITokens(ctx context.Context) ([]APIToken, error) {
	rows, err := s.query(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("scan API token: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// APITokenByHash finds a token that is not revoked and notes its use.
func (s *Store) APITokenByHash(ctx context.Context, tokenHash string, now time.Time) (APIToken, error) {
	t, err := scanAPIToken(s.queryRow(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens
		WHERE token_hash = ? AND revoked_at IS NULL`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("API token: %w", ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("read API token: %w", err)
	}
	// Monitoring polls every few seconds: note the use at most once a minute.
	if now.Sub(t.LastUsedAt) > time.Minute {
		if _, err := s.Writer.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, formatTime(now), t.ID); err != nil {
			return t, fmt.Errorf("note use of API token %d: %w", t.ID, err)
		}
	}
	return t, nil
}

// RevokeAPIToken makes a token useless at once; the row stays for the record.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64) (APIToken, error) {
	t, err := scanAPIToken(s.queryRow(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("API token %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("read API token %d: %w", id, err)
	}
	if _, err := s.Writer.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`,
		formatTime(time.Now()), id); err != nil {
		return t, fmt.Errorf("revoke API token %d: %w", id, err)
	}
	return t, nil
}
