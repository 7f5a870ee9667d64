package auth

import (
	"strings"
	"sync"
	"time"
)

// Throttle limits failed sign-ins per account and per client address inside
// a sliding window. It lives in memory: a restart forgets failures, which is
// acceptable for slowing guessing down, and keeps sign-in off the writer.
type Throttle struct {
	mu          sync.Mutex
	window      time.Duration
	perAccount  int
	perAddress  int
	failures    map[string][]time.Time
	maxTrackers int
}

// NewThrottle uses DESIGN.md's numbers: 5 failures per account in 5 minutes,
// and a wider per-address budget for offices behind one NAT.
func NewThrottle() *Throttle {
	return &Throttle{
		window:      5 * time.Minute,
		perAccount:  5,
		perAddress:  20,
		failures:    make(map[string][]time.Time),
		maxTrackers: 100_000,
	}
}

func accountKey(email string) string { return "a:" + strings.ToLower(strings.TrimSpace(email)) }
func addressKey(addr string) string  { return "i:" + addr }

// Blocked reports whether the account or the address must wait, and how long.
func (t *Throttle) Blocked(email, addr string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	wait := max(t.waitLocked(accountKey(email), t.perAccount, now), t.waitLocked(addressKey(addr), t.perAddress, now))
	return wait > 0, wait
}

func (t *Throttle) waitLocked(key string, limit int, now time.Time) time.Duration {
	recent := t.pruneLocked(key, now)
	if len(recent) < limit {
		return 0
	}
	// The oldest failure inside the window must age out before another try.
	return recent[len(recent)-limit].Add(t.window).Sub(now)
}

func (t *Throttle) pruneLocked(key string, now time.Time) []time.Time {
	list := t.failures[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= t.window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.failures, key)
		return nil
	}
	t.failures[key] = list
	return list
}

// Fail records one failed attempt.
func (t *Throttle) Fail(email, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.failures) >= t.maxTrackers {
		// Under a spray of made-up accounts, forget expired state first, then
		// arbitrary entries (map order is random), rather than grow without
		// bound: memory matters more than remembering every made-up name.
		for k := range t.failures {
			t.pruneLocked(k, now)
		}
		for k := range t.failures {
			if len(t.failures) < t.maxTrackers*9/10 {
				break
			}
			delete(t.failures, k)
		}
	}
	for _, k := range []string{accountKey(email), addressKey(addr)} {
		list := t.failures[k]
		if len(list) >= 64 {
			list = list[1:]
		}
		t.failures[k] = append(list, now)
	}
}

// Succeed clears the account's failures; the address keeps its count.
func (t *Throttle) Succeed(email string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, accountKey(email))
}
