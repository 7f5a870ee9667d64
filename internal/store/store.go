// Package store is Connect's SQLite database: one writer connection with
// immediate transactions, a pool of readers, and embedded migrations. It knows
// SQL and Connect's types, nothing of HTTP or Graph.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule.
var ErrConflict = errors.New("already exists")

// Store holds the two pools. Writes go through Writer only, so SQLite never
// answers "database is locked" to one of our own writers.
type Store struct {
	Writer *sql.DB
	Reader *sql.DB
	path   string
	reads  *stmtCache
	writes *stmtCache // statements the writer runs often (staging's INSERTs)
	// background holds checkpoints started after a bulk transaction.
	background sync.WaitGroup
}

// writerCacheSize is the writer's page cache, 32 MB (in KiB, negative as
// SQLite's cache_size takes it).
const writerCacheSize = "-32768"

// dsn puts the pragmas in the connection string so every pooled connection
// gets them; busy_timeout comes first so the others can wait for a lock.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	// SQLite's default page cache is 2 MB: a sync of a large directory then
	// spends a fifth of its time re-reading pages through system calls.
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "cache_size(-4096)") // 4 MB per reader: pages read few rows
	} else {
		q.Set("_txlock", "immediate")
		q.Add("_pragma", "cache_size("+writerCacheSize+")")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open creates the data directory if needed, opens both pools and applies
// pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := usePageSize(ctx, path); err != nil {
		return nil, err
	}
	writer, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open database writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open database readers: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	s := &Store{Writer: writer, Reader: reader, path: path, reads: newStmtCache(reader), writes: newStmtCache(writer)}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Ping answers whether the database can be read.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.queryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close closes both pools; the WAL is checkpointed by SQLite on the last close.
func (s *Store) Close() error {
	s.background.Wait()
	return errors.Join(s.reads.close(), s.writes.close(), s.Reader.Close(), s.Writer.Close())
}

// inTx runs fn in one immediate transaction on the writer.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return runTx(ctx, s.Writer.BeginTx, fn)
}

// runTx begins a transaction, runs fn in it and commits, or rolls back when
// fn fails.
func runTx(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(tx *sql.Tx) error) error {
	tx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// inBulkAddTx is inTx for a transaction that adds a whole directory, rows
// whose parents are known to exist (a first sync's apply):
//   - SQLite's foreign key checks and actions are off: it would check a
//     million keys one row at a time;
//   - its commit does not checkpoint the WAL: SQLite's automatic checkpoint
//     would copy the hundreds of megabytes the transaction wrote into the
//     database file inside the commit (1.8 of 2.2 s at 100,000 users),
//     before anyone sees the result. A reader does it afterwards, in the
//     background, beside the writer.
//
// Both pragmas have no effect inside a transaction, so they are set around
// one on the writer's connection and set back before the connection goes
// back to the pool; if that fails the connection is discarded rather than
// reused without them.
func (s *Store) inBulkAddTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	conn, err := s.Writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("reserve the writer: %w", err)
	}
	defer conn.Close()
	defer func() {
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx),
			`PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = `+strconv.Itoa(walAutocheckpoint)); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, fmt.Errorf("turn foreign keys and checkpoints on again: %w", rerr))
		}
	}()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF; PRAGMA wal_autocheckpoint = 0`); err != nil {
		return fmt.Errorf("turn foreign keys and checkpoints off: %w", err)
	}
	if err := runTx(ctx, conn.BeginTx, fn); err != nil {
		return err
	}
	s.checkpointInBackground()
	return nil
}

// walAutocheckpoint is SQLite's default: a commit that leaves more than
// this many pages in the WAL copies them into the database file.
const walAutocheckpoint = 1000

// checkpointInBackground copies the WAL into the database file on a
// reader. A passive checkpoint waits for no one and blocks no one; should
// the writer's own automatic checkpoint start first, this one finds the
// checkpoint lock taken and stops. Close waits for it.
func (s *Store) checkpointInBackground() {
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		var busy, pages, copied int
		if err := s.Reader.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &pages, &copied); err != nil {
			slog.Warn("checkpoint the database WAL", "err", err)
		}
	}()
}
