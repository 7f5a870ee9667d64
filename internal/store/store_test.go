package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "connect.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrationsAreIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "connect.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := s.SchemaVersion(ctx)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v2, _ := s.SchemaVersion(ctx)
	var rows int
	s.Reader.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows)
	want, _ := loadMigrations()
	if v1 == 0 || v1 != v2 || rows != len(want) {
		t.Fatalf("versions %d then %d, %d rows for %d migrations", v1, v2, rows, len(want))
	}
}

func TestPragmasOnEveryConnection(t *testing.T) {
	s := openTest(t)
	checks := []struct{ pragma, want string }{
		{"journal_mode", "wal"}, {"foreign_keys", "1"}, {"synchronous", "1"}, {"busy_timeout", "10000"},
	}
	for _, c := range checks {
		var got string
		if err := s.Writer.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil || got != c.want {
			t.Errorf("writer %s = %q (%v), want %q", c.pragma, got, err, c.want)
		}
		if err := s.Reader.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil || got != c.want {
			t.Errorf("reader %s = %q (%v), want %q", c.pragma, got, err, c.want)
		}
	}
	if _, err := s.Reader.Exec(`INSERT INTO settings (key, value, updated_at) VALUES ('x', 'y', 'z')`); err == nil {
		t.Error("the reader pool accepted a write")
	}
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a, err := s.CreateUser(ctx, "Admin@Example.com", "hash", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, "admin@example.com", "hash", "helpdesk"); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate email in another case: %v, want ErrConflict", err)
	}
	if _, err := s.CreateUser(ctx, "x@example.com", "hash", "root"); err == nil {
		t.Fatal("unknown role stored")
	}
	got, err := s.UserByEmail(ctx, "ADMIN@example.com")
	if err != nil || got.ID != a.ID {
		t.Fatalf("look-up ignoring case: %v %v", got, err)
	}
	if _, err := s.UserByID(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing user: %v, want ErrNotFound", err)
	}
	if err := s.UpdateUser(ctx, a.ID, "helpdesk", false); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("demoting the last admin: %v, want ErrLastAdmin", err)
	}
	if err := s.UpdateUser(ctx, a.ID, "admin", true); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("disabling the last admin: %v, want ErrLastAdmin", err)
	}
	b, _ := s.CreateUser(ctx, "b@example.com", "hash", "admin")
	if err := s.UpdateUser(ctx, a.ID, "helpdesk", false); err != nil {
		t.Fatalf("demoting with another admin left: %v", err)
	}
	if n, _ := s.CountActiveAdmins(ctx); n != 1 {
		t.Fatalf("active admins %d, want 1", n)
	}
	_ = b
}

func TestSetupTokens(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	now := time.Now()
	if err := s.ReplaceSetupToken(ctx, "old", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceSetupToken(ctx, "new", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.SetupTokenValid(ctx, "old", now); ok {
		t.Error("a replaced token still works")
	}
	if ok, _ := s.SetupTokenValid(ctx, "new", now.Add(2*time.Hour)); ok {
		t.Error("an expired token still works")
	}
	if _, err := s.CreateFirstAdmin(ctx, "new", now, "a@example.com", "hash"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateFirstAdmin(ctx, "new", now, "b@example.com", "hash"); !errors.Is(err, ErrSetupTokenInvalid) {
		t.Fatalf("second use: %v, want ErrSetupTokenInvalid", err)
	}
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if v, _ := s.Setting(ctx, SettingRegion, "europe"); v != "europe" {
		t.Fatalf("default %q", v)
	}
	s.SetSetting(ctx, SettingRegion, "australia")
	s.SetSetting(ctx, SettingRegion, "south_africa")
	if v, _ := s.Setting(ctx, SettingRegion, "europe"); v != "south_africa" {
		t.Fatalf("stored %q", v)
	}
}

// TestBulkAddTxCheckpointsAfterItsCommit: a bulk transaction commits
// without copying the WAL into the database file and without foreign key
// checks; a background checkpoint copies it afterwards, and the writer has
// both settings back.
func TestBulkAddTxCheckpointsAfterItsCommit(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.Writer.Exec(`CREATE TABLE bulk (n INTEGER, pad TEXT, parent TEXT REFERENCES connections (id))`); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	err = s.inBulkAddTx(ctx, func(tx *sql.Tx) error {
		fk, checkpoint, err := fkAndCheckpoint(tx)
		if err != nil {
			return err
		}
		if fk != 0 || checkpoint != 0 {
			t.Errorf("in the transaction: foreign_keys %d, wal_autocheckpoint %d", fk, checkpoint)
		}
		// 8 MB, with a parent that does not exist.
		_, err = tx.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
			INSERT INTO bulk SELECT i, printf('%4000d', i), 'nowhere' FROM n`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.background.Wait()
	after, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if after.Size()-before.Size() < 8<<20 {
		t.Errorf("database file %d bytes before, %d after the background checkpoint", before.Size(), after.Size())
	}
	if fk, checkpoint, err := fkAndCheckpoint(s.Writer); err != nil || fk != 1 || checkpoint != 1000 {
		t.Errorf("after: foreign_keys %d, wal_autocheckpoint %d, %v", fk, checkpoint, err)
	}
}

func fkAndCheckpoint(db interface{ QueryRow(string, ...any) *sql.Row }) (fk, checkpoint int, err error) {
	if err := db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		return 0, 0, err
	}
	if err := db.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&checkpoint); err != nil {
		return 0, 0, err
	}
	return fk, checkpoint, nil
}
