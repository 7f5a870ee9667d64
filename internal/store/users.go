package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is a person who signs in to Connect.
type User struct {
	ID           int64
	Email        string
	PasswordHash string
	Role         string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastSignInAt time.Time
}

const userColumns = `id, email, password_hash, role, disabled, created_at, updated_at, COALESCE(last_sign_in_at, '')`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created, updated, lastSignIn string
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Role, &u.Disabled, &created, &updated, &lastSignIn); err != nil {
		return u, err
	}
	u.CreatedAt = parseTime(created)
	u.UpdatedAt = parseTime(updated)
	u.LastSignInAt = parseTime(lastSignIn)
	return u, nil
}

// CreateUser adds an account; ErrConflict when the email is taken.
func (s *Store) CreateUser(ctx context.Context, email, passwordHash, role string) (User, error) {
	now := formatTime(time.Now())
	res, err := s.Writer.ExecContext(ctx,
		`INSERT INTO users (email, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		email, passwordHash, role, now, now)
	if err != nil {
		if isUniqueViolation(err) {
			return User{}, fmt.Errorf("create user %s: %w", email, ErrConflict)
		}
		return User{}, fmt.Errorf("create user %s: %w", email, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", email, err)
	}
	return s.UserByID(ctx, id)
}

// UserByID finds an account by its ID.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail finds an account by email, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ? COLLATE NOCASE`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("read user %s: %w", email, err)
	}
	return u, nil
}

// Users lists every account, administrators first.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY role, email COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("scan user: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountActiveAdmins counts administrators who can sign in.
func (s *Store) CountActiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count administrators: %w", err)
	}
	return n, nil
}

// ErrLastAdmin refuses a change that would leave nobody able to administer Connect.
var ErrLastAdmin = errors.New("this is the last active administrator")

// UpdateUser sets role and disabled together, refusing to remove the last
// active administrator (checked inside the same transaction).
func (s *Store) UpdateUser(ctx context.Context, id int64, role string, disabled bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var curRole string
		var curDisabled bool
		err := tx.QueryRowContext(ctx, `SELECT role, disabled FROM users WHERE id = ?`, id).Scan(&curRole, &curDisabled)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read user %d: %w", id, err)
		}
		if curRole == "admin" && !curDisabled && (role != "admin" || disabled) {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0`).Scan(&admins); err != nil {
				return fmt.Errorf("count administrators: %w", err)
			}
			if admins <= 1 {
				return ErrLastAdmin
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET role = ?, disabled = ?, updated_at = ? WHERE id = ?`,
			role, disabled, formatTime(time.Now()), id)
		if err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		return nil
	})
}

// SetPassword replaces an account's password hash.
func (s *Store) SetPassword(ctx context.Context, id int64, passwordHash string) error {
	_, err := s.Writer.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`,
		passwordHash, formatTime(time.Now()), id)
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", id, err)
	}
	return nil
}

// RecordSignIn notes when an account last signed in.
func (s *Store) RecordSignIn(ctx context.Context, id int64, at time.Time) error {
	_, err := s.Writer.ExecContext(ctx, `UPDATE users SET last_sign_in_at = ? WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return fmt.Errorf("record sign-in of user %d: %w", id, err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Times are stored as RFC 3339 text in UTC with fixed fraction width, so
// they sort as text and read well in the sqlite3 shell.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
