// Package health decides a connection's colour on the status page, in the
// status API and in /metrics, from facts the store holds. It is one pure
// function so the three can never disagree and a table test pins the rule.
package health

import (
	"fmt"
	"time"

	"github.com/connect/connect/internal/store"
)

// Colour is a connection's health.
type Colour string

// The colours, worst last. Grey is for connections that are not meant to be
// synchronizing (disabled, or still being validated).
const (
	Grey  Colour = "grey"
	Green Colour = "green"
	Amber Colour = "amber"
	Red   Colour = "red"
)

func (c Colour) rank() int {
	switch c {
	case Green:
		return 1
	case Amber:
		return 2
	case Red:
		return 3
	}
	return 0
}

// The thresholds of the rule.
const (
	ExpiryWarning = 30 * 24 * time.Hour // a key or certificate expiring sooner is amber
	StaleAfter    = 24 * time.Hour      // no successful sync for longer is red
)

// Rule is the rule in words, shown on the status page beside the colours.
var Rule = []struct {
	Colour Colour
	Text   string
}{
	{Green, "the last run succeeded on schedule."},
	{Amber, "the key or certificate expires within 30 days, a run is awaiting approval, or the last run met throttling or had to retry."},
	{Red, "the last run failed, the key has expired, or there has been no successful sync for 24 hours."},
	{Grey, "the connection is disabled or still being validated, so it is not expected to synchronize."},
}

// Facts are what the rule looks at.
type Facts struct {
	Now             time.Time
	ConnectionState string
	ValidatedAt     time.Time  // when the connection first passed validation
	KeyExpiresAt    time.Time  // zero when unknown
	LastFinished    *store.Run // the newest run that is no longer queued or running
	LastSuccessAt   time.Time  // when the newest successful run finished
}

// Reason is one finding, with the colour it calls for.
type Reason struct {
	Colour Colour
	Text   string
}

// Assessment is a connection's colour and every reason for it, worst first.
type Assessment struct {
	Colour  Colour
	Reasons []Reason
}

// Assess applies the rule.
func Assess(f Facts) Assessment {
	switch f.ConnectionState {
	case store.ConnDisabled:
		return Assessment{Grey, []Reason{{Grey, "Disabled: no synchronization runs until an administrator enables it."}}}
	case store.ConnPending:
		return Assessment{Grey, []Reason{{Grey, "Being validated: synchronization starts when validation passes."}}}
	}
	var reasons []Reason
	add := func(c Colour, format string, args ...any) {
		reasons = append(reasons, Reason{c, fmt.Sprintf(format, args...)})
	}
	if f.ConnectionState == store.ConnFailed {
		add(Red, "The connection's details failed validation: an administrator must correct them (Edit).")
	}
	if !f.KeyExpiresAt.IsZero() {
		switch left := f.KeyExpiresAt.Sub(f.Now); {
		case left <= 0:
			add(Red, "The key expired on %s: create a new key in the Azure portal and enter it with Edit.", day(f.KeyExpiresAt))
		case left < ExpiryWarning:
			add(Amber, "The key expires on %s, in %s: create a new one in the Azure portal before then.", day(f.KeyExpiresAt), span(left))
		}
	}
	if run := f.LastFinished; run != nil {
		switch run.State {
		case store.RunFailed:
			add(Red, "The last run failed: %s", orDefault(run.Error, "no reason was recorded."))
		case store.RunAwaitingApproval:
			add(Amber, "A run is awaiting approval: it would delete more objects than the safeguard allows.")
		case store.RunInterrupted:
			add(Amber, "The last run was interrupted by a restart; the next one starts over.")
		}
		if run.Throttled > 0 || run.Retries > 0 {
			add(Amber, "The last run met throttling %d times and retried %d requests.", run.Throttled, run.Retries)
		}
	}
	// A connection that never succeeded is measured from its validation, so
	// a new connection is not red while its first sync is on its way.
	since := f.LastSuccessAt
	if since.IsZero() {
		since = f.ValidatedAt
	}
	if f.ConnectionState == store.ConnActive && !since.IsZero() && f.Now.Sub(since) > StaleAfter {
		if f.LastSuccessAt.IsZero() {
			add(Red, "No successful sync since the connection was validated %s ago.", span(f.Now.Sub(since)))
		} else {
			add(Red, "No successful sync for %s.", span(f.Now.Sub(since)))
		}
	}
	a := Assessment{Colour: Green, Reasons: reasons}
	for _, r := range reasons {
		if r.Colour.rank() > a.Colour.rank() {
			a.Colour = r.Colour
		}
	}
	if len(reasons) == 0 {
		if f.LastSuccessAt.IsZero() {
			a.Reasons = []Reason{{Green, "Connected; the first synchronization is on its way."}}
		} else {
			a.Reasons = []Reason{{Green, "The last run succeeded on schedule."}}
		}
	}
	sortWorstFirst(a.Reasons)
	return a
}

func sortWorstFirst(rs []Reason) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Colour.rank() > rs[j-1].Colour.rank(); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

// span is a duration in whole hours under two days, whole days above.
func span(d time.Duration) string {
	if d < 48*time.Hour {
		h := int(d.Hours())
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ForConnection gathers the facts of one connection from what the store
// holds and applies the rule.
func ForConnection(c store.Connection, runs store.RunOverview, now time.Time) Assessment {
	f := Facts{Now: now, ConnectionState: c.State, ValidatedAt: c.ValidatedAt, KeyExpiresAt: c.KeyExpiresAt,
		LastFinished: runs.LastFinished}
	if runs.LastSuccess != nil {
		f.LastSuccessAt = runs.LastSuccess.FinishedAt
	}
	return Assess(f)
}
