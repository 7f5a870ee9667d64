package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottleTripsPerAccountAndPerAddress(t *testing.T) {
	now := time.Now()
	th := NewThrottle()
	for i := range 5 {
		if blocked, _ := th.Blocked("ann@example.com", "10.0.0.1", now); blocked {
			t.Fatalf("blocked after %d failures, want 5 allowed", i)
		}
		th.Fail("ann@example.com", "10.0.0.1", now)
	}
	if blocked, wait := th.Blocked("ANN@example.com ", "10.0.0.9", now); !blocked || wait <= 0 || wait > 5*time.Minute {
		t.Fatalf("account after 5 failures: blocked %v, wait %s", blocked, wait)
	}
	if blocked, _ := th.Blocked("ann@example.com", "10.0.0.1", now.Add(5*time.Minute)); blocked {
		t.Fatal("still blocked once the window passed")
	}
	for i := range 20 {
		th.Fail(fmt.Sprintf("user%d@example.com", i), "10.0.0.2", now)
	}
	if blocked, _ := th.Blocked("someone@example.com", "10.0.0.2", now); !blocked {
		t.Fatal("an address with 20 failures over many accounts is not blocked")
	}
}

// A spray of made-up accounts from made-up addresses must not grow memory
// without bound.
func TestThrottleMemoryIsBounded(t *testing.T) {
	th := NewThrottle()
	th.maxTrackers = 1000
	now := time.Now()
	for i := range 10_000 {
		th.Fail(fmt.Sprintf("spray%d@example.com", i), fmt.Sprintf("2001:db8::%x", i), now)
	}
	if n := len(th.failures); n > th.maxTrackers+2 {
		t.Fatalf("%d trackers kept, want at most about %d", n, th.maxTrackers)
	}
}
