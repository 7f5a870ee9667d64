package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
)

// A first sync's apply sorts whole tables: it inserts a hundred thousand
// users' proxy addresses in key order and builds the directory's indexes
// again once the tables are full (a million memberships for the member
// index). SQLite sorts on the writer's one thread by default, in chunks as
// large as its page cache (32 MB), while the second core idles: nothing
// else runs during the apply.
//
// With helper threads (PRAGMA threads) SQLite sorts chunks on them while
// it reads the next one; with smaller chunks the helpers get to work
// sooner. At 100,000 users on two cores (BenchmarkFirstSync100k,
// alternated) the apply took 2.65–2.72 s with two helpers and 4 MB
// chunks, 2.5–3.5 s with one helper, and 3.6–3.9 s as before; larger
// chunks gained less, and helpers with 32 MB chunks gained nothing and
// added 65 MB of memory (docs/benchmarks.md).
const (
	sortHelpers   = 2
	sortChunkSize = "-4096" // KiB, as cache_size takes it
)

// withParallelSorts runs fn, statements of tx that sort a whole table,
// with SQLite's helper threads for sorting, and sets the writer back to
// one thread and its page cache afterwards, whatever fn returned. The page
// cache is the sorter's chunk size: SQLite has no setting of its own for
// it.
func withParallelSorts(ctx context.Context, tx *sql.Tx, fn func() error) (err error) {
	helpers := sortHelpers
	if runtime.GOMAXPROCS(0) < 2 {
		helpers = 0 // helpers on one core would only take turns with the writer
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA threads = %d; PRAGMA cache_size = %s`, helpers, sortChunkSize)); err != nil {
		return fmt.Errorf("sort with %d helper threads: %w", helpers, err)
	}
	defer func() {
		if _, rerr := tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA threads = 0; PRAGMA cache_size = `+writerCacheSize); rerr != nil {
			err = errors.Join(err, fmt.Errorf("sort on one thread again: %w", rerr))
		}
	}()
	return fn()
}
