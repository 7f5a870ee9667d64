package graph

import (
	"context"
	"fmt"
)

// DeltaUsers runs a users delta query page by page, handing each page to fn
// as it arrives so memory holds one page, never the whole tenant. link is a
// deltaLink kept from the previous run, or "" for a full synchronization.
// It returns the new deltaLink to keep for the next run.
//
// When the kept link has expired the error matches ErrDeltaReset: start
// again with "" and treat the result as the whole directory, where a field
// not sent means empty rather than unchanged. An error from
// fn stops the query and is returned as it is.
func (c *Client) DeltaUsers(ctx context.Context, link string, fn func(UsersPage) error) (deltaLink string, err error) {
	return deltaQuery(ctx, c, "users", link, "/users/delta", userSelect, fn)
}

// DeltaGroups is DeltaUsers for groups, with members@delta. A group whose
// members fill more than one page comes again on the next pages with the
// rest of its members: merge by group ID.
func (c *Client) DeltaGroups(ctx context.Context, link string, fn func(GroupsPage) error) (deltaLink string, err error) {
	return deltaQuery(ctx, c, "groups", link, "/groups/delta", groupSelect, fn)
}

func deltaQuery[T any](ctx context.Context, c *Client, kind, link, startPath, selectFields string, fn func(Page[T]) error) (string, error) {
	next, err := c.deltaStart(link, startPath, selectFields)
	if err != nil {
		return "", fmt.Errorf("start %s delta: %w", kind, err)
	}
	for pageNumber := 1; ; pageNumber++ {
		var page Page[T]
		if err := c.getJSON(ctx, next, nil, &page); err != nil {
			return "", fmt.Errorf("fetch %s delta page %d: %w", kind, pageNumber, err)
		}
		if err := fn(page); err != nil {
			return "", err
		}
		// A delta page ends with either a nextLink or a deltaLink
		// (ENTRA-PROTOCOL §4); the deltaLink marks the last page.
		switch {
		case page.DeltaLink != "":
			return page.DeltaLink, nil
		case page.NextLink != "":
			if next, err = c.resolve(page.NextLink, nil); err != nil {
				return "", fmt.Errorf("follow %s delta page %d: %w", kind, pageNumber, err)
			}
		default:
			return "", fmt.Errorf("%s delta page %d has neither @odata.nextLink nor @odata.deltaLink", kind, pageNumber)
		}
	}
}

// deltaStart is the first URL of a delta query: the kept link verbatim, or a
// fresh query whose $select Graph then carries inside its tokens.
func (c *Client) deltaStart(link, startPath, selectFields string) (string, error) {
	if link != "" {
		return c.resolve(link, nil)
	}
	// The select lists are constants of URL-safe characters, so they are
	// written as Graph's documentation writes them rather than %-encoded.
	return c.resolve(startPath+"?$select="+selectFields, nil)
}
