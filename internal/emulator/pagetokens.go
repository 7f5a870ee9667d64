package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// sealToken makes an opaque, tamper-evident token (skip and delta tokens):
// base64url of the JSON state followed by a MAC. Clients must treat Graph's
// tokens as opaque; a MAC makes any edit show up as an unknown token.
func (s *Server) sealToken(state any) (string, error) {
	body, err := json.Marshal(state)
	if err != nil {
		return "", fmt.Errorf("encode token state: %w", err)
	}
	mac := hmac.New(sha256.New, s.tokenMAC)
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16]), nil
}

var errTokenGarbled = errors.New("token is not one the emulator issued")

func (s *Server) openToken(token string, state any) error {
	bodyPart, macPart, ok := strings.Cut(token, ".")
	if !ok {
		return errTokenGarbled
	}
	body, err := base64.RawURLEncoding.DecodeString(bodyPart)
	if err != nil {
		return errTokenGarbled
	}
	got, err := base64.RawURLEncoding.DecodeString(macPart)
	if err != nil {
		return errTokenGarbled
	}
	mac := hmac.New(sha256.New, s.tokenMAC)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)[:16]) {
		return errTokenGarbled
	}
	if err := json.Unmarshal(body, state); err != nil {
		return fmt.Errorf("decode token state: %w", err)
	}
	return nil
}

// linkWith rebuilds the request URL as an absolute link with one $-option
// replaced (nextLink keeps $select, $top… and swaps $skiptoken), keeping the
// client's order and spelling of the other options.
func (c *graphCall) linkWith(name, value string) string {
	var kept []string
	for _, pair := range strings.Split(c.r.URL.RawQuery, "&") {
		key, _, _ := strings.Cut(pair, "=")
		if pair == "" || strings.EqualFold(key, name) || strings.EqualFold(key, "%24"+name[1:]) {
			continue
		}
		kept = append(kept, pair)
	}
	kept = append(kept, name+"="+value)
	return "https://" + c.r.Host + c.r.URL.Path + "?" + strings.Join(kept, "&")
}
