package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

func TestOpenUsesLargePages(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// prepare makes what is at the path before Open; it returns how
		// many rows of table kept Open must find there.
		prepare  func(t *testing.T, path string) int
		wantSize int
	}{
		{"a new database", func(t *testing.T, path string) int { return 0 }, pageSize},
		{"a database made with 4 KB pages", func(t *testing.T, path string) int {
			makeSmallPages(t, path).Close()
			return 3
		}, pageSize},
		{"one with 4 KB pages that another process is reading", func(t *testing.T, path string) int {
			db := makeSmallPages(t, path)
			t.Cleanup(func() { db.Close() })
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tx.Rollback() })
			var n int
			if err := tx.QueryRow(`SELECT COUNT(*) FROM kept`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return 3
		}, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "connect.db")
			kept := tt.prepare(t, path)
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var size int
			var mode string
			if err := s.Writer.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil || size != tt.wantSize {
				t.Errorf("page_size = %d (%v), want %d", size, err, tt.wantSize)
			}
			if err := s.Reader.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal_mode = %q (%v), want wal", mode, err)
			}
			if kept > 0 {
				var n int
				if err := s.Reader.QueryRow(`SELECT COUNT(*) FROM kept`).Scan(&n); err != nil || n != kept {
					t.Errorf("%d rows kept (%v), want %d", n, err, kept)
				}
			}
		})
	}
}

// makeSmallPages makes a database with 4 KB pages in WAL mode holding
// three rows in table kept, and returns it open.
func makeSmallPages(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;
		CREATE TABLE kept (n INTEGER); INSERT INTO kept VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	return db
}
