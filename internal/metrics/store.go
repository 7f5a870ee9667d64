package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/connect/connect/internal/health"
	"github.com/connect/connect/internal/store"
)

// runDurationBuckets cover a small delta run (seconds) up to a full sync of
// a large tenant (an hour).
var runDurationBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600}

var (
	descRuns = prometheus.NewDesc("connect_sync_runs_total",
		"Synchronization runs that ended, by outcome (succeeded, failed, cancelled, interrupted).", []string{"state"}, nil)
	descRunsNow = prometheus.NewDesc("connect_sync_runs",
		"Synchronization runs now queued, running or awaiting approval, by state.", []string{"state"}, nil)
	descRunDuration = prometheus.NewDesc("connect_sync_run_duration_seconds",
		"Duration of synchronization runs that succeeded or failed, from start to end.", nil, nil)
	descObjects = prometheus.NewDesc("connect_sync_objects_total",
		"Objects added, updated or deleted in the directory by applied runs (succeeded, not previews), by kind.", []string{"kind"}, nil)
	descDirectory = prometheus.NewDesc("connect_directory_objects",
		"Objects in a connection's synchronized directory, by kind (as its last applied run counted them).",
		[]string{"connection", "tenant_domain", "kind"}, nil)
	descRequests = prometheus.NewDesc("connect_graph_requests_total",
		"Microsoft Graph requests made by synchronization runs.", nil, nil)
	descThrottled = prometheus.NewDesc("connect_graph_throttled_total",
		"Times Microsoft Graph throttled a synchronization run (429).", nil, nil)
	descRetries = prometheus.NewDesc("connect_graph_retries_total",
		"Microsoft Graph requests retried by synchronization runs.", nil, nil)
	descLastSuccess = prometheus.NewDesc("connect_last_successful_sync_timestamp_seconds",
		"When the newest successful run of a connection finished (Unix time).", []string{"connection", "tenant_domain"}, nil)
	descHealth = prometheus.NewDesc("connect_connection_health",
		"1 for a connection's current health colour (the rule of the status page).", []string{"connection", "tenant_domain", "health"}, nil)
	descKeyExpiry = prometheus.NewDesc("connect_key_expiry_timestamp_seconds",
		"When a connection's key or certificate expires (Unix time).", []string{"connection", "tenant_domain"}, nil)
	descScrapeError = prometheus.NewDesc("connect_store_scrape_error",
		"1 when the store could not be read for this scrape.", nil, nil)
)

// storeCollector reads the runs table at scrape time, in one aggregate
// query (a row per scrape, not per run). The counters are totals over the
// runs still recorded (outcomes and applied objects only once a run has
// ended for good), so they only grow: deleting a connection removes its
// runs, which Prometheus's rate() reads as a counter reset.
type storeCollector struct {
	st  *store.Store
	now func() time.Time
}

func newStoreCollector(st *store.Store, now func() time.Time) *storeCollector {
	if now == nil {
		now = time.Now
	}
	return &storeCollector{st: st, now: now}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRuns, descRunsNow, descDirectory, descRunDuration, descObjects, descRequests, descThrottled, descRetries,
		descLastSuccess, descHealth, descKeyExpiry, descScrapeError} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	failed := 0.0
	if err := c.collectRuns(ctx, ch); err != nil {
		failed = 1
	}
	if err := c.collectConnections(ctx, ch); err != nil {
		failed = 1
	}
	if err := c.collectDirectory(ctx, ch); err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(descScrapeError, prometheus.GaugeValue, failed)
}

func (c *storeCollector) collectRuns(ctx context.Context, ch chan<- prometheus.Metric) error {
	t, err := c.st.SumRunMetrics(ctx, runDurationBuckets)
	if err != nil {
		return err
	}
	for _, state := range store.FinishedRunStates {
		ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, float64(t.Finished[state]), state)
	}
	for _, state := range store.CurrentRunStates {
		ch <- prometheus.MustNewConstMetric(descRunsNow, prometheus.GaugeValue, float64(t.Current[state]), state)
	}
	buckets := make(map[float64]uint64, len(runDurationBuckets))
	for i, b := range runDurationBuckets {
		buckets[b] = uint64(t.DurationBuckets[i])
	}
	ch <- prometheus.MustNewConstHistogram(descRunDuration, uint64(t.DurationCount), t.DurationSum, buckets)
	for kind, n := range map[string]int{"users": t.Applied.Users, "groups": t.Applied.Groups, "memberships": t.Applied.Memberships} {
		ch <- prometheus.MustNewConstMetric(descObjects, prometheus.CounterValue, float64(n), kind)
	}
	ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(t.Requests))
	ch <- prometheus.MustNewConstMetric(descThrottled, prometheus.CounterValue, float64(t.Throttled))
	ch <- prometheus.MustNewConstMetric(descRetries, prometheus.CounterValue, float64(t.Retries))
	return nil
}

func (c *storeCollector) collectDirectory(ctx context.Context, ch chan<- prometheus.Metric) error {
	all, err := c.st.AllStoredCounts(ctx)
	if err != nil {
		return err
	}
	for _, cc := range all {
		for kind, n := range map[string]int{"users": cc.Users, "groups": cc.Groups, "memberships": cc.Memberships} {
			ch <- prometheus.MustNewConstMetric(descDirectory, prometheus.GaugeValue, float64(n), cc.ConnectionID, cc.TenantDomain, kind)
		}
	}
	return nil
}

func (c *storeCollector) collectConnections(ctx context.Context, ch chan<- prometheus.Metric) error {
	conns, err := c.st.Connections(ctx, store.KindAzureDirectorySync)
	if err != nil {
		return err
	}
	now := c.now()
	for _, conn := range conns {
		runs, err := c.st.ConnectionRunOverview(ctx, conn.ID)
		if err != nil {
			return err
		}
		a := health.ForConnection(conn, runs, now)
		for _, colour := range []health.Colour{health.Green, health.Amber, health.Red, health.Grey} {
			v := 0.0
			if a.Colour == colour {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descHealth, prometheus.GaugeValue, v, conn.ID, conn.TenantDomain, string(colour))
		}
		if runs.LastSuccess != nil && !runs.LastSuccess.FinishedAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(descLastSuccess, prometheus.GaugeValue,
				float64(runs.LastSuccess.FinishedAt.Unix()), conn.ID, conn.TenantDomain)
		}
		if !conn.KeyExpiresAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(descKeyExpiry, prometheus.GaugeValue, float64(conn.KeyExpiresAt.Unix()),
				conn.ID, conn.TenantDomain)
		}
	}
	return nil
}
