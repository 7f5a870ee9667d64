package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStatements bounds the cache: the read queries are constants, but
// a query built from its arguments must not grow it without end.
const maxCachedStatements = 256

// stmtCache keeps statements prepared by their text: the readers' queries
// and, in a second cache, staging's INSERTs on the writer. With modernc's
// SQLite, parsing a query was a fifth of a page view's CPU; a *sql.Stmt is
// prepared once on each pooled connection that runs it and reused after.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// stmt is the prepared statement for q, or nil when it cannot be cached
// (the caller then runs q directly, which also reports any error in it).
func (c *stmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[q]; ok {
		return st
	}
	if len(c.stmts) >= maxCachedStatements {
		return nil
	}
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil
	}
	c.stmts[q] = st
	return st
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

// query runs a read query on the reader pool through the statement cache.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := s.reads.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.Reader.QueryContext(ctx, q, args...)
}

// queryRow is query for one row.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := s.reads.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.Reader.QueryRowContext(ctx, q, args...)
}
