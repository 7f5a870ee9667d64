package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// loadPages are the helpdesk's busiest pages, with a search term that
// matches real synchronized users.
func (b *bench) loadPages(ctx context.Context) []string {
	q := "a"
	if users, err := b.st.DirectoryUsers(ctx, b.connID, "", 1); err == nil && len(users) == 1 && len(users[0].DisplayName) >= 3 {
		q = users[0].DisplayName[:3]
	}
	return []string{"/status", "/directory?q=" + url.QueryEscape(q), "/connections/" + b.connID}
}

// load sends GETs from o.loadClients goroutines sharing one signed-in
// session for o.loadFor, and reports throughput and latency percentiles.
func (b *bench) load(ctx context.Context, path string) loadResult {
	u, _ := url.Parse(b.base)
	var cookie strings.Builder
	for _, c := range b.web.Jar.Cookies(u) {
		cookie.WriteString(c.Name + "=" + c.Value + "; ")
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: b.o.loadClients * 2},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx, cancel := context.WithTimeout(ctx, b.o.loadFor)
	defer cancel()
	var mu sync.Mutex
	var latencies []time.Duration
	errors := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range b.o.loadClients {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
				req.Header.Set("Cookie", cookie.String())
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			errors += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	return loadResult{Path: path, Clients: b.o.loadClients, Seconds: elapsed.Seconds(), Requests: len(latencies), Errors: errors,
		RequestsPerSecond: float64(len(latencies)) / elapsed.Seconds(), P50ms: pct(0.50), P99ms: pct(0.99)}
}
