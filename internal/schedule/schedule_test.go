package schedule

import (
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The expected instants are written in UTC and worked out by hand from each
// zone's 2026 rules, so the test does not trust the code's own arithmetic.
func TestNextRunsAcrossDST(t *testing.T) {
	tests := []struct {
		name   string
		region Region
		after  string
		want   []string
	}{
		{
			// London springs forward 01:00 GMT → 02:00 BST on 29 March.
			name: "London spring forward", region: Europe, after: "2026-03-28T22:00:00Z",
			want: []string{"2026-03-28T23:00:00Z", "2026-03-29T07:00:00Z", "2026-03-29T12:00:00Z", "2026-03-29T22:00:00Z"},
		},
		{
			// London falls back 02:00 BST → 01:00 GMT on 25 October.
			name: "London fall back", region: Europe, after: "2026-10-24T21:00:00Z",
			want: []string{"2026-10-24T22:00:00Z", "2026-10-25T08:00:00Z", "2026-10-25T13:00:00Z"},
		},
		{
			// New York springs forward 02:00 EST → 03:00 EDT on 8 March.
			name: "New York spring forward", region: NorthAmerica, after: "2026-03-08T00:00:00Z",
			want: []string{"2026-03-08T04:00:00Z", "2026-03-08T12:00:00Z", "2026-03-08T17:00:00Z", "2026-03-09T03:00:00Z"},
		},
		{
			// New York falls back 02:00 EDT → 01:00 EST on 1 November.
			name: "New York fall back", region: NorthAmerica, after: "2026-11-01T00:00:00Z",
			want: []string{"2026-11-01T03:00:00Z", "2026-11-01T13:00:00Z", "2026-11-01T18:00:00Z", "2026-11-02T04:00:00Z"},
		},
		{
			// Sydney falls back 03:00 AEDT → 02:00 AEST on 5 April.
			name: "Sydney fall back", region: Australia, after: "2026-04-04T11:00:00Z",
			want: []string{"2026-04-04T12:00:00Z", "2026-04-04T22:00:00Z", "2026-04-05T03:00:00Z", "2026-04-05T13:00:00Z"},
		},
		{
			// Sydney springs forward 02:00 AEST → 03:00 AEDT on 4 October.
			name: "Sydney spring forward", region: Australia, after: "2026-10-03T12:00:00Z",
			want: []string{"2026-10-03T13:00:00Z", "2026-10-03T21:00:00Z", "2026-10-04T02:00:00Z", "2026-10-04T12:00:00Z"},
		},
		{
			name: "Johannesburg has no DST", region: SouthAfrica, after: "2026-06-01T06:00:00Z",
			want: []string{"2026-06-01T11:00:00Z", "2026-06-01T21:00:00Z", "2026-06-02T06:00:00Z"},
		},
		{
			name: "strictly after a slot", region: SouthAfrica, after: "2026-06-01T05:59:59Z",
			want: []string{"2026-06-01T06:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextRuns(tt.region, utc(tt.after), len(tt.want))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d runs %v, want %d", len(got), got, len(tt.want))
			}
			loc, _ := tt.region.Location()
			for i, want := range tt.want {
				if !got[i].Equal(utc(want)) {
					t.Errorf("run %d = %s, want %s", i, got[i].UTC().Format(time.RFC3339), want)
				}
				if got[i].Location().String() != loc.String() {
					t.Errorf("run %d is in %s, want the region's zone %s", i, got[i].Location(), loc)
				}
				if h, m := got[i].Hour(), got[i].Minute(); m != 0 || (h != 8 && h != 13 && h != 23) {
					t.Errorf("run %d is at local %02d:%02d, not a slot", i, h, m)
				}
			}
		})
	}
}

func TestNextRunsEdgeCases(t *testing.T) {
	if got := NextRuns("mars", utc("2026-01-01T00:00:00Z"), 3); got != nil {
		t.Errorf("unknown region: got %v, want none", got)
	}
	if got := NextRuns(Europe, utc("2026-01-01T00:00:00Z"), 0); got != nil {
		t.Errorf("n = 0: got %v, want none", got)
	}
	if got := NextRuns(Europe, utc("2026-01-01T00:00:00Z"), 30); len(got) != 30 {
		t.Errorf("n = 30: got %d runs", len(got))
	}
}

func TestPreviousSlot(t *testing.T) {
	tests := []struct {
		name   string
		region Region
		at     string
		want   string
	}{
		{"exactly at a slot", Europe, "2026-03-29T07:00:00Z", "2026-03-29T07:00:00Z"},
		{"just before a slot", Europe, "2026-03-29T06:59:59Z", "2026-03-28T23:00:00Z"},
		{"early morning after DST change", Europe, "2026-03-29T02:30:00Z", "2026-03-28T23:00:00Z"},
		{"New York night after fall back", NorthAmerica, "2026-11-01T06:30:00Z", "2026-11-01T03:00:00Z"},
		{"Sydney afternoon after fall back", Australia, "2026-04-05T05:00:00Z", "2026-04-05T03:00:00Z"},
		{"new year", SouthAfrica, "2026-01-01T03:00:00Z", "2025-12-31T21:00:00Z"},
		{"unknown region", "mars", "2026-01-01T03:00:00Z", "0001-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PreviousSlot(tt.region, utc(tt.at))
			if !got.Equal(utc(tt.want)) {
				t.Fatalf("PreviousSlot = %s, want %s", got.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestMissedSlot(t *testing.T) {
	tests := []struct {
		name          string
		lastScheduled string
		now           string
		want          string // "" when nothing was missed
	}{
		{"stopped for two days: one run, the latest slot", "2026-06-01T06:00:00Z", "2026-06-03T12:00:00Z", "2026-06-03T11:00:00Z"},
		{"one slot missed", "2026-06-01T06:00:00Z", "2026-06-01T11:30:00Z", "2026-06-01T11:00:00Z"},
		{"the slot now due", "2026-06-01T06:00:00Z", "2026-06-01T11:00:00Z", "2026-06-01T11:00:00Z"},
		{"latest slot already ran", "2026-06-01T11:00:00Z", "2026-06-01T20:59:00Z", ""},
		{"ran later than the slot", "2026-06-01T11:05:00Z", "2026-06-01T12:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MissedSlot(SouthAfrica, utc(tt.lastScheduled), utc(tt.now))
			if tt.want == "" {
				if ok {
					t.Fatalf("MissedSlot = %s, want none", got)
				}
				return
			}
			if !ok || !got.Equal(utc(tt.want)) {
				t.Fatalf("MissedSlot = %s, %v, want %s", got.UTC().Format(time.RFC3339), ok, tt.want)
			}
		})
	}
	if _, ok := MissedSlot("mars", time.Time{}, utc("2026-06-01T12:00:00Z")); ok {
		t.Error("unknown region reported a missed slot")
	}
}

func TestParseRegion(t *testing.T) {
	tests := []struct {
		in        string
		want      Region
		wantLabel string
		wantZone  string
	}{
		{"europe", Europe, "Europe", "Europe/London"},
		{"north_america", NorthAmerica, "North America", "America/New_York"},
		{"south_africa", SouthAfrica, "South Africa", "Africa/Johannesburg"},
		{"australia", Australia, "Australia", "Australia/Sydney"},
	}
	for _, tt := range tests {
		got, err := ParseRegion(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRegion(%q) = %q, %v", tt.in, got, err)
		}
		if got.Label() != tt.wantLabel || got.TimeZone() != tt.wantZone {
			t.Errorf("%s: label %q zone %q", tt.in, got.Label(), got.TimeZone())
		}
		if _, err := got.Location(); err != nil {
			t.Errorf("%s: Location: %v", tt.in, err)
		}
	}
	for _, bad := range []string{"", "Europe", "asia", " europe"} {
		_, err := ParseRegion(bad)
		if err == nil {
			t.Errorf("ParseRegion(%q) accepted", bad)
			continue
		}
		for _, r := range Regions() {
			if !strings.Contains(err.Error(), string(r)) {
				t.Errorf("ParseRegion(%q) error %q does not list %s", bad, err, r)
			}
		}
	}
	if _, err := Region("mars").Location(); err == nil {
		t.Error("Location of an unknown region succeeded")
	}
}
