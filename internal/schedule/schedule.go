// Package schedule knows when scheduled synchronizations run: daily at 08:00,
// 13:00 and 23:00 in the account region's time zone (SPEC "Synchronization").
// Everything here is a pure function of its arguments.
package schedule

import (
	"fmt"
	"strings"
	"sync"
	"time"

	// The zones must resolve on machines without a tzdata package (minimal
	// containers); the embedded copy costs about 450 KB.
	_ "time/tzdata"
)

// Region is an account region as stored and as posted by the settings form
// (field "region").
type Region string

// The regions of SPEC "Interfaces": these values are part of the product.
const (
	Europe       Region = "europe"
	NorthAmerica Region = "north_america"
	SouthAfrica  Region = "south_africa"
	Australia    Region = "australia"
)

type regionInfo struct {
	label string
	zone  string
}

func (r Region) info() (regionInfo, bool) {
	switch r {
	case Europe:
		return regionInfo{"Europe", "Europe/London"}, true
	case NorthAmerica:
		return regionInfo{"North America", "America/New_York"}, true
	case SouthAfrica:
		return regionInfo{"South Africa", "Africa/Johannesburg"}, true
	case Australia:
		return regionInfo{"Australia", "Australia/Sydney"}, true
	}
	return regionInfo{}, false
}

// Regions lists every region in the order a form shows them.
func Regions() []Region { return []Region{Europe, NorthAmerica, SouthAfrica, Australia} }

// ParseRegion accepts a stored or posted region value.
func ParseRegion(s string) (Region, error) {
	r := Region(s)
	if _, ok := r.info(); ok {
		return r, nil
	}
	valid := make([]string, 0, len(Regions()))
	for _, r := range Regions() {
		valid = append(valid, string(r))
	}
	return "", fmt.Errorf("unknown region %q: want one of %s", s, strings.Join(valid, ", "))
}

// Label is the region's name for people ("North America").
func (r Region) Label() string {
	info, _ := r.info()
	return info.label
}

// TimeZone is the IANA name of the region's zone ("America/New_York"), or ""
// for an unknown region.
func (r Region) TimeZone() string {
	info, _ := r.info()
	return info.zone
}

// locations caches loaded zones: time.LoadLocation reads and parses the
// zone file each time, and every page with times asks.
var locations sync.Map // zone name → *time.Location

// Location loads the region's time zone.
func (r Region) Location() (*time.Location, error) {
	info, ok := r.info()
	if !ok {
		_, err := ParseRegion(string(r))
		return nil, err
	}
	if loc, ok := locations.Load(info.zone); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(info.zone)
	if err != nil {
		return nil, fmt.Errorf("load time zone of region %s: %w", r, err)
	}
	locations.Store(info.zone, loc)
	return loc, nil
}

// SlotHours are the local hours of the daily runs. None falls in a DST gap or
// overlap (those are between 00:00 and 03:00 in every region's zone), so each
// slot is one well-defined instant every day.
func SlotHours() []int { return []int{8, 13, 23} }

// NextRuns returns the next n slots strictly after the instant after, in the
// region's zone. An unknown region has no slots.
func NextRuns(r Region, after time.Time, n int) []time.Time {
	loc, err := r.Location()
	if err != nil || n <= 0 {
		return nil
	}
	local := after.In(loc)
	runs := make([]time.Time, 0, n)
	// Start the day before: the calendar date of `after` in the zone is
	// enough, the extra day only guards against surprises in zone rules.
	for day := -1; len(runs) < n; day++ {
		for _, hour := range SlotHours() {
			slot := time.Date(local.Year(), local.Month(), local.Day()+day, hour, 0, 0, 0, loc)
			if slot.After(after) && len(runs) < n {
				runs = append(runs, slot)
			}
		}
	}
	return runs
}

// PreviousSlot returns the latest slot at or before at, in the region's zone;
// the zero time for an unknown region.
func PreviousSlot(r Region, at time.Time) time.Time {
	loc, err := r.Location()
	if err != nil {
		return time.Time{}
	}
	local := at.In(loc)
	hours := SlotHours()
	for day := 0; day > -3; day-- {
		for i := len(hours) - 1; i >= 0; i-- {
			slot := time.Date(local.Year(), local.Month(), local.Day()+day, hours[i], 0, 0, 0, loc)
			if !slot.After(at) {
				return slot
			}
		}
	}
	return time.Time{}
}

// MissedSlot tells whether a slot passed after lastScheduled and up to now
// (while the program was stopped, say) and returns the latest such slot. Only
// one is returned however many were missed: a run fetches every change since
// the last delta link, so running once catches up fully.
func MissedSlot(r Region, lastScheduled, now time.Time) (time.Time, bool) {
	slot := PreviousSlot(r, now)
	if slot.IsZero() || !slot.After(lastScheduled) {
		return time.Time{}, false
	}
	return slot, true
}
