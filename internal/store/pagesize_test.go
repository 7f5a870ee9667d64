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
		// many settings rows Open must find there.
		prepare func(t *testing.T, path string) int
	}{
		{"a new database", func(t *testing.T, path string) int { return 0 }},
		{"a database made with 4 KB pages", func(t *testing.T, path string) int {
			db, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			if _, err := db.Exec(`PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;
				CREATE TABLE kept (n INTEGER); INSERT INTO kept VALUES (1), (2), (3)`); err != nil {
				t.Fatal(err)
			}
			return 3
		}},
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
			if err := s.Writer.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil || size != pageSize {
				t.Errorf("page_size = %d (%v), want %d", size, err, pageSize)
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
