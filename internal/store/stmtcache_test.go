package store

import (
	"context"
	"fmt"
	"testing"
)

// Reads go through prepared statements kept by their text; a query built
// from its arguments cannot grow the cache past its bound, and still runs.
func TestStatementCache(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for range 3 {
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.reads.stmts); got != 1 {
		t.Fatalf("%d statements cached for one query text, want 1", got)
	}
	for i := range maxCachedStatements + 10 {
		var n int
		if err := s.queryRow(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if got := len(s.reads.stmts); got != maxCachedStatements {
		t.Fatalf("%d statements cached, want the bound %d", got, maxCachedStatements)
	}
	// A bad query is reported, not cached.
	if err := s.queryRow(ctx, `SELECT nope FROM nowhere`).Scan(new(int)); err == nil {
		t.Fatal("a bad query gave no error")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(new(int)); err == nil {
		t.Fatal("a read after Close gave no error")
	}
}
