package emulator

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// jwtParts is a compact JWS split into its decoded pieces.
type jwtParts struct {
	header       map[string]any
	claims       map[string]any
	signingInput string
	signature    []byte
}

func splitJWT(token string) (jwtParts, error) {
	segments := strings.Split(token, ".")
	if len(segments) != 3 {
		return jwtParts{}, errors.New("a JWT has three dot-separated segments")
	}
	var p jwtParts
	if err := decodeSegment(segments[0], &p.header); err != nil {
		return jwtParts{}, fmt.Errorf("decode JWT header: %w", err)
	}
	if err := decodeSegment(segments[1], &p.claims); err != nil {
		return jwtParts{}, fmt.Errorf("decode JWT claims: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(segments[2])
	if err != nil {
		return jwtParts{}, fmt.Errorf("decode JWT signature: %w", err)
	}
	p.signingInput = segments[0] + "." + segments[1]
	p.signature = sig
	return p, nil
}

func decodeSegment(segment string, into *map[string]any) error {
	raw, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(into)
}

func (p jwtParts) stringClaim(name string) string {
	s, _ := p.claims[name].(string)
	return s
}

// timeClaim reads a NumericDate; ok is false when it is absent or not a number.
func (p jwtParts) timeClaim(name string) (time.Time, bool) {
	n, ok := p.claims[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// signRS256 makes the emulator's access tokens, signed like Entra's with
// RS256 and naming the key in "kid" and "x5t".
func signRS256(key *rsa.PrivateKey, keyID string, claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "x5t": keyID, "kid": keyID})
	if err != nil {
		return "", fmt.Errorf("encode token header: %w", err)
	}
	body, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode token claims: %w", err)
	}
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(body)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func verifyRS256(pub *rsa.PublicKey, p jwtParts) error {
	if alg, _ := p.header["alg"].(string); alg != "RS256" {
		return fmt.Errorf("token algorithm %q is not RS256", alg)
	}
	digest := sha256.Sum256([]byte(p.signingInput))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], p.signature); err != nil {
		return fmt.Errorf("verify token signature: %w", err)
	}
	return nil
}

// verifyPS256 checks a client assertion the way MSAL Go signs it
// (ENTRA-PROTOCOL.md §1: RSA-PSS, SHA-256, salt length auto).
func verifyPS256(pub *rsa.PublicKey, p jwtParts) error {
	if alg, _ := p.header["alg"].(string); alg != "PS256" && alg != "RS256" {
		return fmt.Errorf("assertion algorithm %q is not supported", alg)
	}
	digest := sha256.Sum256([]byte(p.signingInput))
	if p.header["alg"] == "RS256" {
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], p.signature)
	}
	return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], p.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
}

// decodeThumbprint accepts x5t#S256 in standard base64 with padding (what
// MSAL Go sends) and in base64url (what the documentation says).
func decodeThumbprint(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("thumbprint %q is not base64", s)
}
