package worker

import (
	"testing"
	"time"

	"github.com/connect/connect/internal/schedule"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The expected slots are written in UTC, worked out by hand from each
// zone's 2026 rules (Europe/London BST from 29 March 01:00 UTC to 25
// October; America/New_York EDT from 8 March to 1 November;
// Australia/Sydney AEDT until 5 April and from 4 October;
// Africa/Johannesburg UTC+2 all year).
func TestDueSlot(t *testing.T) {
	tests := []struct {
		name        string
		region      schedule.Region
		last        string // "" = never scheduled
		validatedAt string
		now         string
		want        string // "" = nothing due
	}{
		{"London winter 08:00 just passed", schedule.Europe, "2026-01-15T23:00:00Z", "2026-01-01T00:00:00Z", "2026-01-16T08:00:30Z", "2026-01-16T08:00:00Z"},
		{"London before 08:00 nothing due", schedule.Europe, "2026-01-15T23:00:00Z", "2026-01-01T00:00:00Z", "2026-01-16T07:59:59Z", ""},
		{"London slot already served", schedule.Europe, "2026-01-16T08:00:00Z", "2026-01-01T00:00:00Z", "2026-01-16T12:59:00Z", ""},
		{"London summer 13:00 is 12:00 UTC", schedule.Europe, "2026-07-01T07:00:00Z", "2026-01-01T00:00:00Z", "2026-07-01T12:00:01Z", "2026-07-01T12:00:00Z"},
		{"London DST start day 08:00 BST", schedule.Europe, "2026-03-28T23:00:00Z", "2026-01-01T00:00:00Z", "2026-03-29T07:30:00Z", "2026-03-29T07:00:00Z"},
		{"London DST end day 08:00 GMT", schedule.Europe, "2026-10-24T22:00:00Z", "2026-01-01T00:00:00Z", "2026-10-25T08:00:00Z", "2026-10-25T08:00:00Z"},
		{"New York DST start day 08:00 EDT", schedule.NorthAmerica, "2026-03-08T04:00:00Z", "2026-01-01T00:00:00Z", "2026-03-08T12:10:00Z", "2026-03-08T12:00:00Z"},
		{"New York DST end day 23:00 EST", schedule.NorthAmerica, "2026-11-01T18:00:00Z", "2026-01-01T00:00:00Z", "2026-11-02T04:00:00Z", "2026-11-02T04:00:00Z"},
		{"Sydney DST end day 08:00 AEST", schedule.Australia, "2026-04-04T12:00:00Z", "2026-01-01T00:00:00Z", "2026-04-04T22:00:00Z", "2026-04-04T22:00:00Z"},
		{"Sydney DST start day 13:00 AEDT", schedule.Australia, "2026-10-03T22:00:00Z", "2026-01-01T00:00:00Z", "2026-10-04T02:30:00Z", "2026-10-04T02:00:00Z"},
		{"Johannesburg 23:00 is 21:00 UTC", schedule.SouthAfrica, "2026-06-10T11:00:00Z", "2026-01-01T00:00:00Z", "2026-06-10T21:00:00Z", "2026-06-10T21:00:00Z"},
		{"stopped three days: one run for the newest slot", schedule.Europe, "2026-02-01T08:00:00Z", "2026-01-01T00:00:00Z", "2026-02-04T14:00:00Z", "2026-02-04T13:00:00Z"},
		{"new connection: no slot before validation", schedule.Europe, "", "2026-02-04T13:30:00Z", "2026-02-04T14:00:00Z", ""},
		{"new connection: first slot after validation", schedule.Europe, "", "2026-02-04T13:30:00Z", "2026-02-04T23:00:00Z", "2026-02-04T23:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last time.Time
			if tt.last != "" {
				last = utc(tt.last)
			}
			got, ok := dueSlot(tt.region, last, utc(tt.validatedAt), utc(tt.now))
			switch {
			case tt.want == "" && ok:
				t.Errorf("due %s, want nothing", got.UTC().Format(time.RFC3339))
			case tt.want != "" && (!ok || !got.Equal(utc(tt.want))):
				t.Errorf("due %s (%v), want %s", got.UTC().Format(time.RFC3339), ok, tt.want)
			}
		})
	}
}
