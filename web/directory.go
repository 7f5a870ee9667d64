package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

const (
	directoryPageSize = 50
	membersPageSize   = 50
	maxQueryLength    = 256
	// maxSearchPages bounds how deep a search pages: each page reads that
	// many rows from every index, and a person refines a search long before.
	maxSearchPages = 20
)

func userHref(connID, id string) string  { return "/directory/" + connID + "/users/" + id }
func groupHref(connID, id string) string { return "/directory/" + connID + "/groups/" + id }

// tenantDomains names every directory connection by its tenant domain.
func (h *Handler) tenantDomains(r *http.Request) (map[string]string, error) {
	conns, err := h.store.Connections(r.Context(), store.KindAzureDirectorySync)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(conns))
	for _, c := range conns {
		out[c.ID] = c.TenantDomain
	}
	return out, nil
}

func (h *Handler) directorySearch(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	status := http.StatusOK
	var queryError string
	if len(q) > maxQueryLength {
		q, status = "", http.StatusBadRequest
		queryError = fmt.Sprintf("Search for at most %d characters: the start of a name or address is enough.", maxQueryLength)
	}
	domains, err := h.tenantDomains(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := templates.DirectorySearchView{Query: q, HasDirectories: len(domains) > 0, CanConnect: viewerRole(r).Allows(auth.Admin),
		QueryError: queryError}
	if q != "" && v.HasDirectories {
		// The search reads at most limit rows per index, so asking for one
		// more than the pages so far tells whether another page exists.
		page := min(pageNumber(r, "page"), maxSearchPages)
		hits, err := h.store.SearchDirectory(r.Context(), "", q, page*directoryPageSize+1)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		start := min((page-1)*directoryPageSize, len(hits))
		shown := hits[start:min(start+directoryPageSize, len(hits))]
		v.Hits = make([]templates.DirectoryHitRow, 0, len(shown))
		for _, hit := range shown {
			v.Hits = append(v.Hits, hitRow(hit.Kind, hit.ConnectionID, hit.ID, hit.DisplayName,
				orDefault(hit.UserPrincipalName, hit.Mail), domains[hit.ConnectionID]))
		}
		v.Pager = pager(r, "page", page, directoryPageSize, len(hits), "results")
		v.Pager.Total = 0 // only whether there is more: the search does not count
		if page == maxSearchPages && v.Pager.NextHref != "" {
			v.Pager.NextHref, v.TruncatedAt = "", maxSearchPages*directoryPageSize
		}
	}
	h.render(w, r, status, templates.DirectorySearchPage(h.page(r, "Directory", "directory"), v))
}

func hitRow(kind, connID, id, name, secondary, domain string) templates.DirectoryHitRow {
	row := templates.DirectoryHitRow{Kind: kind, Name: name, Secondary: secondary, Connection: domain}
	if kind == store.MemberGroup {
		row.KindLabel, row.Href = "Group", groupHref(connID, id)
	} else {
		row.KindLabel, row.Href = "User", userHref(connID, id)
	}
	return row
}

// directoryObject reads the {conn} of the URL and answers 404 itself.
func (h *Handler) directoryConnection(w http.ResponseWriter, r *http.Request) (store.Connection, string, bool) {
	connID, id := chi.URLParam(r, "conn"), chi.URLParam(r, "id")
	if len(connID) > 64 || len(id) > 128 {
		h.notFound(w, r)
		return store.Connection{}, "", false
	}
	c, err := h.store.ConnectionByID(r.Context(), connID)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return c, "", false
	}
	if err != nil {
		h.serverError(w, r, err)
		return c, "", false
	}
	return c, id, true
}

func (h *Handler) directoryUserPage(w http.ResponseWriter, r *http.Request) {
	c, id, ok := h.directoryConnection(w, r)
	if !ok {
		return
	}
	u, err := h.store.DirectoryUser(r.Context(), c.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		h.clientError(w, r, http.StatusNotFound, "No such user",
			"This user is not in the synchronized directory: it may have been deleted in Entra ID. Search the directory again.")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v, err := h.directoryObjectView(r, c, "user", u.ID, u.DisplayName, u.LastChangedRunID, u.CreatedAt, u.UpdatedAt)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	enabled := "No"
	if u.AccountEnabled {
		enabled = "Yes"
	}
	v.Attributes = []templates.AttributeRow{
		{Label: "Display name", Value: u.DisplayName}, {Label: "User principal name", Value: u.UserPrincipalName},
		{Label: "Mail", Value: u.Mail}, {Label: "Given name", Value: u.GivenName}, {Label: "Surname", Value: u.Surname},
		{Label: "Job title", Value: u.JobTitle}, {Label: "Department", Value: u.Department},
		{Label: "Office", Value: u.OfficeLocation}, {Label: "Company", Value: u.CompanyName},
		{Label: "Mobile phone", Value: u.MobilePhone}, {Label: "Business phones", Value: strings.Join(u.BusinessPhones, ", ")},
		{Label: "Proxy addresses", Value: strings.Join(u.ProxyAddresses, ", ")}, {Label: "Account enabled", Value: enabled},
		{Label: "User type", Value: u.UserType}, {Label: "Employee ID", Value: u.EmployeeID},
		{Label: "Usage location", Value: u.UsageLocation}, {Label: "Preferred language", Value: u.PreferredLanguage},
		{Label: "Created in Entra ID", Value: u.CreatedDateTime}, {Label: "Object ID", Value: u.ID, Code: true},
	}
	h.render(w, r, http.StatusOK, templates.DirectoryObjectPage(h.page(r, orDefault(u.DisplayName, u.UserPrincipalName), "directory"), v))
}

func (h *Handler) directoryGroupPage(w http.ResponseWriter, r *http.Request) {
	c, id, ok := h.directoryConnection(w, r)
	if !ok {
		return
	}
	g, err := h.store.DirectoryGroup(r.Context(), c.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		h.clientError(w, r, http.StatusNotFound, "No such group",
			"This group is not in the synchronized directory: it may have been deleted in Entra ID. Search the directory again.")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v, err := h.directoryObjectView(r, c, "group", g.ID, g.DisplayName, g.LastChangedRunID, g.CreatedAt, g.UpdatedAt)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v.Attributes = []templates.AttributeRow{
		{Label: "Display name", Value: g.DisplayName}, {Label: "Mail", Value: g.Mail},
		{Label: "Mail enabled", Value: yesNo(g.MailEnabled)}, {Label: "Security enabled", Value: yesNo(g.SecurityEnabled)},
		{Label: "Group types", Value: strings.Join(g.GroupTypes, ", ")}, {Label: "Description", Value: g.Description},
		{Label: "Object ID", Value: g.ID, Code: true},
	}
	page := pageNumber(r, "page")
	members, total, err := h.store.GroupMembersPage(r.Context(), c.ID, g.ID, membersPageSize, (page-1)*membersPageSize)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, m := range members {
		v.Members = append(v.Members, hitRow(m.Kind, c.ID, m.ID, m.DisplayName, m.UserPrincipalName, ""))
	}
	v.MembersPager = pager(r, "page", page, membersPageSize, total, "members")
	h.render(w, r, http.StatusOK, templates.DirectoryObjectPage(h.page(r, orDefault(g.DisplayName, g.ID), "directory"), v))
}

// groupsPageSize is how many of an object's groups (direct and nested) a
// user's or group's page lists at once.
const groupsPageSize = 50

// directoryObjectView fills what users and groups share: where they come
// from, when they changed, and the groups they belong to with the path.
func (h *Handler) directoryObjectView(r *http.Request, c store.Connection, kind, id, name, runID string,
	created, updated time.Time) (templates.DirectoryObjectView, error) {
	v := templates.DirectoryObjectView{Kind: kind, Name: name, ConnectionHref: "/connections/" + c.ID,
		TenantDomain: c.TenantDomain, SearchHref: "/directory"}
	_, loc, err := h.regionZone(r)
	if err != nil {
		return v, err
	}
	now := h.now()
	v.FirstSynced = timeViewPtr(created, now, loc, "first-synced-local")
	v.LastChanged = timeViewPtr(updated, now, loc, "last-changed-local")
	if runID != "" {
		v.LastChangedRun = "/runs/" + runID
	}
	paths, err := h.store.TransitiveGroups(r.Context(), c.ID, id)
	if err != nil {
		return v, err
	}
	// The walk needs every group to find shortest paths; only a page of
	// them is shown (?groups_page=).
	page := pageNumber(r, "groups_page")
	v.GroupsPager = pager(r, "groups_page", page, groupsPageSize, len(paths), "groups")
	start := min((page-1)*groupsPageSize, len(paths))
	for _, p := range paths[start:min(start+groupsPageSize, len(paths))] {
		row := templates.GroupPathRow{Href: groupHref(c.ID, p.Group.ID), Name: p.Group.DisplayName, Direct: p.Direct()}
		// Path runs from the direct group up to this one: the groups between
		// are all but the last.
		for _, via := range p.Path[:max(0, len(p.Path)-1)] {
			row.Via = append(row.Via, templates.GroupLink{Href: groupHref(c.ID, via.ID), Name: via.DisplayName})
		}
		v.Groups = append(v.Groups, row)
	}
	return v, nil
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}
