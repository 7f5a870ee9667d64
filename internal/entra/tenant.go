package entra

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// TenantInfo is what the OpenID configuration tells about a tenant.
type TenantInfo struct {
	ID     string
	Issuer string
}

var guidPattern = regexp.MustCompile(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// IsGUID reports whether s is a GUID such as an Application ID or tenant ID.
func IsGUID(s string) bool { return guidPattern.MatchString(s) }

// ResolveTenant turns a tenant domain (or GUID) into the tenant ID through
// GET {host}/{tenant}/v2.0/.well-known/openid-configuration, whose issuer is
// https://login.microsoftonline.com/{tid}/v2.0. An unknown tenant answers 400
// with AADSTS90002, returned as *AADSTSError.
func ResolveTenant(ctx context.Context, hc *http.Client, authorityHost, tenant string) (TenantInfo, error) {
	u := strings.TrimRight(authorityHost, "/") + "/" + url.PathEscape(tenant) + "/v2.0/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return TenantInfo{}, fmt.Errorf("build discovery request: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return TenantInfo{}, fmt.Errorf("fetch OpenID configuration of %s: %w", tenant, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return TenantInfo{}, fmt.Errorf("read OpenID configuration of %s: %w", tenant, err)
	}
	if resp.StatusCode != http.StatusOK {
		if e := parseAADSTSBody(resp.StatusCode, body); e != nil {
			return TenantInfo{}, e
		}
		return TenantInfo{}, fmt.Errorf("fetch OpenID configuration of %s: status %d", tenant, resp.StatusCode)
	}
	var doc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return TenantInfo{}, fmt.Errorf("decode OpenID configuration of %s: %w", tenant, err)
	}
	// The tenant ID is the path segment before /v2.0 in the issuer.
	iss, err := url.Parse(doc.Issuer)
	if err != nil {
		return TenantInfo{}, fmt.Errorf("OpenID configuration of %s has a bad issuer %q", tenant, doc.Issuer)
	}
	parts := strings.Split(strings.Trim(iss.Path, "/"), "/")
	if len(parts) == 0 || !IsGUID(parts[0]) {
		return TenantInfo{}, fmt.Errorf("OpenID configuration of %s has no tenant ID in issuer %q", tenant, doc.Issuer)
	}
	return TenantInfo{ID: strings.ToLower(parts[0]), Issuer: doc.Issuer}, nil
}
