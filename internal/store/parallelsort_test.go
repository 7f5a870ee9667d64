package store

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strconv"
	"testing"
)

// TestParallelSortsOnlyWhileSorting: the statements withParallelSorts runs
// sort with helper threads in small chunks, and the writer sorts on one
// thread with its own page cache again afterwards, whether they succeeded
// or failed.
func TestParallelSortsOnlyWhileSorting(t *testing.T) {
	wantHelpers := sortHelpers
	if runtime.GOMAXPROCS(0) < 2 {
		wantHelpers = 0
	}
	failed := errors.New("the sort failed")
	tests := []struct {
		name string
		err  error
	}{
		{"statements succeed", nil},
		{"statements fail", failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openTest(t)
			var during [2]int
			err := st.inTx(t.Context(), func(tx *sql.Tx) error {
				return withParallelSorts(t.Context(), tx, func() error {
					during = pragmas(t, tx)
					return tt.err
				})
			})
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if chunk, _ := strconv.Atoi(sortChunkSize); during != [2]int{wantHelpers, chunk} {
				t.Errorf("while sorting: threads, cache_size = %v, want %d, %d", during, wantHelpers, chunk)
			}
			conn, err := st.Writer.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if cache, _ := strconv.Atoi(writerCacheSize); pragmas(t, conn) != [2]int{0, cache} {
				t.Errorf("afterwards: threads, cache_size = %v, want 0, %d", pragmas(t, conn), cache)
			}
		})
	}
}

// pragmas reads threads and cache_size where q runs.
func pragmas(t *testing.T, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) (got [2]int) {
	t.Helper()
	for i, name := range []string{"threads", "cache_size"} {
		if err := q.QueryRowContext(t.Context(), `PRAGMA `+name).Scan(&got[i]); err != nil {
			t.Fatal(err)
		}
	}
	return got
}
