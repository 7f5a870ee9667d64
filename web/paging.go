package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/connect/connect/internal/schedule"
	"github.com/connect/connect/templates"
)

// maxPageNumber bounds ?page= so that page × size can never overflow into a
// negative offset; no list of ours has anywhere near this many pages.
const maxPageNumber = 100_000

// pageNumber reads ?<param>= (1 when absent or nonsense, at most maxPageNumber).
func pageNumber(r *http.Request, param string) int {
	n, err := strconv.Atoi(r.URL.Query().Get(param))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPageNumber)
}

// pager builds the links around page of a list of total items; other query
// parameters of the request are kept.
func pager(r *http.Request, param string, page, size, total int, noun string) templates.PagerView {
	pages := max(1, (total+size-1)/size)
	v := templates.PagerView{Page: page, Pages: pages, Total: total, Noun: noun}
	link := func(n int) string {
		q := url.Values{}
		for k, vs := range r.URL.Query() {
			q[k] = vs
		}
		q.Set(param, strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		v.PrevHref = link(min(page-1, pages))
	}
	if page < pages {
		v.NextHref = link(page + 1)
	}
	return v
}

// regionZone is the account region and its time zone, which every page
// of times shows them in.
func (h *Handler) regionZone(r *http.Request) (schedule.Region, *time.Location, error) {
	reg, err := h.region(r)
	if err != nil {
		return reg, nil, err
	}
	loc, err := reg.Location()
	if err != nil {
		return reg, nil, fmt.Errorf("time zone of region %s: %w", reg, err)
	}
	return reg, loc, nil
}

// timeView shows t in the region's zone, relative to now, with an element
// id for the viewer's own time.
func timeView(t, now time.Time, loc *time.Location, localID string) templates.TimeView {
	if loc == nil {
		loc = time.UTC
	}
	return templates.TimeView{ISO: t.UTC().Format(time.RFC3339), Region: t.In(loc).Format("Mon 2 Jan 2006, 15:04 MST"),
		UTC: t.UTC().Format("Mon 2 Jan, 15:04"), Relative: relative(t, now), LocalID: localID}
}

func timeViewPtr(t, now time.Time, loc *time.Location, localID string) *templates.TimeView {
	if t.IsZero() {
		return nil
	}
	v := timeView(t, now, loc, localID)
	return &v
}
