package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
)

// pageSize is the database's page size, 16 KB where SQLite's default is
// 4 KB. A first sync writes a few hundred megabytes through the WAL, two
// system calls per page (the frame's header, then the page), and reads
// many of them back once they leave the writer's cache; at 100,000 users a
// third of the apply was those system calls. With 16 KB pages there are a
// quarter as many, the B-trees split a quarter as often, and the apply took
// 3.4–4.2 s instead of 4.9–6.3 s, alternated in process (docs/benchmarks.md).
const pageSize = 16384

// usePageSize makes the database at path use pageSize pages before the
// pools open it. A new database is created with them. One made with
// another size is rebuilt once (VACUUM, which needs the rollback journal
// for the page size to change, then WAL again); should that fail (a disk
// too full for the copy, another process holding the file) the database
// stays as it was, which works, only slower, and the reason is logged.
//
// The page size cannot be a _pragma of the pools' connection string:
// modernc.org/sqlite runs those in lexical order, so journal_mode(WAL)
// would come first and fix the size before page_size(…) asked for it.
func usePageSize(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // pragmas below are per connection
	var size, pages int
	if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return fmt.Errorf("read page size of %s: %w", path, err)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return fmt.Errorf("read page count of %s: %w", path, err)
	}
	if size == pageSize {
		return nil
	}
	set := `PRAGMA page_size = ` + strconv.Itoa(pageSize)
	if pages == 0 {
		if _, err := db.ExecContext(ctx, set+`; PRAGMA journal_mode = WAL`); err != nil {
			return fmt.Errorf("create database %s: %w", path, err)
		}
		return nil
	}
	if err := rebuildWithPageSize(ctx, db, set); err != nil {
		slog.Warn("the database keeps its page size", "path", path, "page_size", size, "err", err)
		return nil
	}
	slog.Info("rebuilt the database with larger pages, once", "path", path, "page_size", size, "new_page_size", pageSize, "pages", pages)
	return nil
}

// rebuildWithPageSize runs set (a page_size pragma) and VACUUM on db, which
// must leave WAL for them. Another process reading the database refuses
// that at once (SQLITE_BUSY), and nothing is rebuilt.
func rebuildWithPageSize(ctx context.Context, db *sql.DB, set string) error {
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&mode); err != nil {
		return fmt.Errorf("leave WAL: %w", err)
	}
	if mode != "delete" {
		return fmt.Errorf("leave WAL: the journal stays %q", mode)
	}
	_, err := db.ExecContext(ctx, set+`; VACUUM`)
	if err != nil {
		err = fmt.Errorf("rebuild: %w", err)
	}
	if _, werr := db.ExecContext(ctx, `PRAGMA journal_mode = WAL`); werr != nil {
		err = errors.Join(err, fmt.Errorf("return to WAL: %w", werr))
	}
	return err
}
