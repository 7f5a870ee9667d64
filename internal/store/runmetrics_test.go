package store

import (
	"context"
	"testing"
)

// TestRunMetricsCostDoesNotGrowWithRuns proves the scrape reads one row
// however many runs are kept: the Go allocations of SumRunMetrics are the
// same for a handful of runs and for thousands (a row per run would add
// allocations per run).
func TestRunMetricsCostDoesNotGrowWithRuns(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	conn := newTestConnection(t, st, ConnActive)
	bounds := []float64{1, 5, 60, 3600}
	addRuns := func(prefix string, n int) {
		if _, err := st.Writer.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
			INSERT INTO runs (id, connection_id, trigger, state, queued_at, started_at, finished_at, users_added)
			SELECT ? || i, ?, 'schedule', 'succeeded', '2026-11-23T08:00:00Z',
				'2026-11-23T08:00:00Z', strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-23T08:00:00Z', '+' || (i % 100) || ' seconds'), 1
			FROM seq`, n, prefix, conn); err != nil {
			t.Fatal(err)
		}
	}
	allocs := func() float64 {
		return testing.AllocsPerRun(2, func() {
			if _, err := st.SumRunMetrics(ctx, bounds); err != nil {
				t.Fatal(err)
			}
		})
	}
	addRuns("few-", 10)
	few := allocs()
	addRuns("many-", 1000)
	many := allocs()
	// Larger sums box into interfaces where small ones did not: a few
	// allocations per column, never one per run.
	if many > few+100 {
		t.Errorf("allocations per scrape: %v with 10 runs, %v with 1010: the scrape reads a row per run", few, many)
	}
	m, err := st.SumRunMetrics(ctx, bounds)
	if err != nil {
		t.Fatal(err)
	}
	if m.DurationCount != 1010 || m.Finished[RunSucceeded] != 1010 || m.Applied.Users != 1010 {
		t.Errorf("metrics over 1010 runs = %+v", m)
	}
	// i % 100 seconds: ≤ 5 s are i%100 in 0..5, 6 of each 100.
	if m.DurationBuckets[1] < 50 || m.DurationBuckets[1] > 80 || m.DurationBuckets[3] != 1010 {
		t.Errorf("buckets = %v", m.DurationBuckets)
	}
}
