package entra

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// TokenClaims are the claims of an access token Connect reads. The token's
// signature is not checked here: it came straight from Entra ID over TLS and
// only the resource (Graph) must verify it.
type TokenClaims struct {
	Audience string   `json:"aud"`
	TenantID string   `json:"tid"`
	AppID    string   `json:"appid"`
	Roles    []string `json:"roles"`
	Expires  int64    `json:"exp"`
}

// ReadClaims decodes a JWT's payload.
func ReadClaims(token string) (TokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return TokenClaims{}, errors.New("access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return TokenClaims{}, errors.New("access token payload is not base64url")
	}
	var c TokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return TokenClaims{}, errors.New("access token payload is not JSON")
	}
	return c, nil
}

// Graph application permissions that let Connect read the directory.
const (
	PermDirectoryReadAll   = "Directory.Read.All"
	PermUserReadAll        = "User.Read.All"
	PermGroupMemberReadAll = "GroupMember.Read.All"
	PermGroupReadAll       = "Group.Read.All"
)

// MissingDirectoryPermissions lists what the roles lack to read users, groups
// and memberships: nothing with Directory.Read.All; otherwise User.Read.All
// and one of GroupMember.Read.All or Group.Read.All.
func MissingDirectoryPermissions(roles []string) []string {
	has := map[string]bool{}
	for _, r := range roles {
		has[r] = true
	}
	if has[PermDirectoryReadAll] {
		return nil
	}
	var missing []string
	if !has[PermUserReadAll] {
		missing = append(missing, PermUserReadAll)
	}
	if !has[PermGroupMemberReadAll] && !has[PermGroupReadAll] {
		missing = append(missing, PermGroupMemberReadAll)
	}
	return missing
}
