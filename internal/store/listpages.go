package store

import (
	"context"
	"fmt"
)

// UsersPage lists one page of accounts, administrators first, with how
// many there are in all.
func (s *Store) UsersPage(ctx context.Context, limit, offset int) ([]User, int, error) {
	return readPage(ctx, s, "users", `SELECT COUNT(*) FROM users`,
		`SELECT `+userColumns+` FROM users ORDER BY role, email COLLATE NOCASE, id LIMIT ? OFFSET ?`, scanUser, limit, offset)
}

// APITokensPage lists one page of tokens, newest first, revoked ones
// included, with how many there are in all.
func (s *Store) APITokensPage(ctx context.Context, limit, offset int) ([]APIToken, int, error) {
	return readPage(ctx, s, "API tokens", `SELECT COUNT(*) FROM api_tokens`,
		`SELECT `+apiTokenColumns+` FROM api_tokens ORDER BY id DESC LIMIT ? OFFSET ?`, scanAPIToken, limit, offset)
}

// readPage counts a list and reads one page of it.
func readPage[T any](ctx context.Context, s *Store, what, count, query string,
	scan func(interface{ Scan(...any) error }) (T, error), limit, offset int) ([]T, int, error) {
	var total int
	if err := s.queryRow(ctx, count).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", what, err)
	}
	rows, err := s.query(ctx, query, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", what, err)
	}
	items, err := collect(rows, scan)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", what, err)
	}
	return items, total, nil
}
