// Package templates renders Connect's pages. Components take plain view
// structs built by the web handlers; nothing here touches the store or the
// network.
package templates

// Page is what every page's layout needs.
type Page struct {
	Title     string
	Nav       string // the navigation area this page belongs to
	User      *Viewer
	Flash     Flash
	CSSURL    string
	JSURL     string
	RequestID string
	// Refresh makes the page reload itself every Refresh seconds when
	// JavaScript is off (with it, static/app.js updates the live region).
	Refresh    int
	RefreshURL string
}

// Viewer is the signed-in person.
type Viewer struct {
	Email     string
	RoleLabel string
	IsAdmin   bool
}

// Flash is a one-time message carried across a redirect.
type Flash struct {
	Kind    string // "success", "info", "warning", "error"
	Message string
}

// FieldErrors maps a form field name to what is wrong with it.
type FieldErrors map[string]string

// Option is one choice of a select or radio group.
type Option struct {
	Value, Label, Hint string
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	Area, Label, Href string
	AdminOnly         bool
}

// NavItems is the navigation of SPEC.md, in order.
var NavItems = []NavItem{
	{Area: "directory-sync", Label: "Synchronize Your Directory", Href: "/directory-sync"},
	{Area: "server-connections", Label: "Server Connections", Href: "/server-connections/office365"},
	{Area: "status", Label: "Status", Href: "/status"},
	{Area: "directory", Label: "Directory", Href: "/directory"},
	{Area: "users", Label: "Users", Href: "/users", AdminOnly: true},
	{Area: "audit", Label: "Audit", Href: "/audit", AdminOnly: true},
	{Area: "settings", Label: "Settings", Href: "/settings"},
}
