package emulator

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// throttler models Graph's identity limits: a token bucket of resource
// units per app and tenant, refilled over 10 seconds (ENTRA-PROTOCOL.md §4).
type throttler struct {
	mu       sync.Mutex
	capacity float64 // units per 10 s; <= 0 turns throttling off
	now      func() time.Time
	buckets  map[string]*bucket
}

type bucket struct {
	units float64
	at    time.Time
}

func newThrottler(unitsPer10s int, now func() time.Time) *throttler {
	return &throttler{capacity: float64(unitsPer10s), now: now, buckets: map[string]*bucket{}}
}

func (t *throttler) setCapacity(unitsPer10s int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.capacity = float64(unitsPer10s)
	t.buckets = map[string]*bucket{}
}

// take spends cost units. Past 80 % use Graph sends
// x-ms-throttle-limit-percentage; an empty bucket is 429 with Retry-After
// (whole seconds until the cost has refilled).
func (t *throttler) take(c *graphCall, cost int) *graphError {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.capacity <= 0 {
		return nil
	}
	key := c.appID + "/" + c.t.id.String()
	now := t.now()
	b := t.buckets[key]
	if b == nil {
		b = &bucket{units: t.capacity, at: now}
		t.buckets[key] = b
	}
	rate := t.capacity / 10                         // units per second
	elapsed := math.Max(0, now.Sub(b.at).Seconds()) // a clock set back refills nothing
	b.units = math.Min(t.capacity, b.units+elapsed*rate)
	b.at = now
	c.w.Header().Set("x-ms-resource-unit", strconv.Itoa(cost))
	if b.units < float64(cost) {
		wait := math.Ceil((float64(cost) - b.units) / rate)
		c.w.Header().Set("Retry-After", strconv.Itoa(int(math.Max(1, wait))))
		c.w.Header().Set("x-ms-throttle-scope", "Tenant_Application/ReadWrite/"+c.appID+"/"+c.t.id.String())
		c.w.Header().Set("x-ms-throttle-information", "ResourceUnitLimitExceeded")
		return errTooManyRequests()
	}
	b.units -= float64(cost)
	if used := 1 - b.units/t.capacity; used > 0.8 {
		c.w.Header().Set("x-ms-throttle-limit-percentage", strconv.FormatFloat(used, 'f', 2, 64))
	}
	return nil
}
