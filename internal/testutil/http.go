package testutil

import "net/http"

// RoundTripFunc is an http.RoundTripper made of a function: fuzz targets
// answer the real clients with any status and body, without a network.
type RoundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f RoundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
