// Package internal holds Connect's private packages; see DESIGN.md for the map.
package internal
