package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// StopPaging, returned by a List callback, ends the listing without error
// (like fs.SkipAll).
//
//lint:ignore ST1012 a control value like filepath.SkipAll, not a failure
var StopPaging = errors.New("stop paging")

// Get reads one resource, such as "/organization" or "/users?$top=1", into
// out (a pointer to a struct or a Page). path may also be an absolute link
// Graph gave; query is added to a path.
func (c *Client) Get(ctx context.Context, path string, query url.Values, out any) error {
	full, err := c.resolve(path, query)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	return c.getJSON(ctx, full, consistencyHeader(full), out)
}

// List reads a collection such as /users or /groups/{id}/members page by
// page, following @odata.nextLink verbatim, and hands each page to fn. fn
// may return StopPaging to end early.
func List[T any](ctx context.Context, c *Client, path string, query url.Values, fn func(Page[T]) error) error {
	next, err := c.resolve(path, query)
	if err != nil {
		return fmt.Errorf("list %s: %w", path, err)
	}
	header := consistencyHeader(next)
	for pageNumber := 1; ; pageNumber++ {
		var page Page[T]
		if err := c.getJSON(ctx, next, header, &page); err != nil {
			return fmt.Errorf("list %s page %d: %w", path, pageNumber, err)
		}
		if err := fn(page); err != nil {
			if errors.Is(err, StopPaging) {
				return nil
			}
			return err
		}
		if page.NextLink == "" {
			return nil
		}
		if next, err = c.resolve(page.NextLink, nil); err != nil {
			return fmt.Errorf("list %s page %d: %w", path, pageNumber, err)
		}
	}
}

// consistencyHeader adds ConsistencyLevel: eventual when the query uses
// $count or $search: Graph refuses those advanced queries on directory
// objects without it.
func consistencyHeader(rawURL string) http.Header {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	q := u.Query()
	if q.Has("$count") || q.Has("$search") {
		return http.Header{"Consistencylevel": {"eventual"}}
	}
	return nil
}

// Count returns how many objects a collection holds ("/users", "/groups"),
// from @odata.count of a one-item page.
func (c *Client) Count(ctx context.Context, collection string) (int, error) {
	var page Page[struct{}]
	q := url.Values{"$count": {"true"}, "$top": {"1"}, "$select": {"id"}}
	if err := c.Get(ctx, collection, q, &page); err != nil {
		return 0, fmt.Errorf("count %s: %w", collection, err)
	}
	if page.Count == nil {
		return 0, fmt.Errorf("count %s: the answer has no @odata.count", collection)
	}
	return *page.Count, nil
}

// Organization reads the tenant's record.
func (c *Client) Organization(ctx context.Context) (Organization, error) {
	var page Page[Organization]
	q := url.Values{"$select": {"id,displayName,verifiedDomains"}}
	if err := c.Get(ctx, "/organization", q, &page); err != nil {
		return Organization{}, fmt.Errorf("read organization: %w", err)
	}
	if len(page.Value) == 0 {
		return Organization{}, fmt.Errorf("read organization: %w", ErrNotFound)
	}
	return page.Value[0], nil
}

// ApplicationByAppID reads the app registration with this application
// (client) ID, with its secrets' and certificates' expiry dates. It needs
// Application.Read.All (or Directory.Read.All); without it the error is an
// *Error with status 403.
func (c *Client) ApplicationByAppID(ctx context.Context, appID string) (Application, error) {
	var page Page[Application]
	q := url.Values{
		// OData quotes strings in single quotes and escapes one by doubling it.
		"$filter": {"appId eq '" + strings.ReplaceAll(appID, "'", "''") + "'"},
		"$select": {"id,appId,displayName,passwordCredentials,keyCredentials"},
	}
	if err := c.Get(ctx, "/applications", q, &page); err != nil {
		return Application{}, fmt.Errorf("read application %s: %w", appID, err)
	}
	if len(page.Value) == 0 {
		return Application{}, fmt.Errorf("read application %s: %w", appID, ErrNotFound)
	}
	return page.Value[0], nil
}
