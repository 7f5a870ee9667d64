// Package secrets seals the secrets Connect stores (client secrets, private
// keys) with AES-256-GCM under a master key kept in a file outside the
// database, so a copied database alone reveals nothing.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a master key: AES-256 wants 32 bytes.
const KeySize = 32

// sealedVersion prefixes every sealed value so the format can change later
// without guessing what an old row holds.
const sealedVersion = "v1"

var (
	// ErrUnknownKey means a sealed value names a key the Sealer does not
	// hold: the master key was rotated and the old one was not kept.
	ErrUnknownKey = errors.New("sealed with a master key that is not loaded")
	// ErrCannotOpen means the value was tampered with, or was sealed for
	// another place (different associated data).
	ErrCannotOpen = errors.New("sealed value cannot be opened: tampered with or moved from another row")
	// ErrMalformed means the text is not a sealed value at all.
	ErrMalformed = errors.New("not a sealed value")
)

// Sealer seals with its newest key and opens with any key it holds, so the
// master key can be rotated while old rows are still readable.
type Sealer struct {
	keys     []sealingKey // keys[0] seals; all of them open
	warnings []string
}

type sealingKey struct {
	id   string
	aead cipher.AEAD
}

// NewSealer builds a Sealer from raw 32-byte keys: newest seals, older keys
// (retired master keys) only open.
func NewSealer(newest []byte, older ...[]byte) (*Sealer, error) {
	s := &Sealer{}
	for i, raw := range append([][]byte{newest}, older...) {
		k, err := newSealingKey(raw)
		if err != nil {
			return nil, fmt.Errorf("master key %d: %w", i+1, err)
		}
		s.keys = append(s.keys, k)
	}
	return s, nil
}

func newSealingKey(raw []byte) (sealingKey, error) {
	if len(raw) != KeySize {
		return sealingKey{}, fmt.Errorf("key is %d bytes, want %d", len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return sealingKey{}, fmt.Errorf("create AES cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealingKey{}, fmt.Errorf("create GCM: %w", err)
	}
	return sealingKey{id: KeyID(raw), aead: aead}, nil
}

// KeyID names a key without revealing it: the first 8 hex digits of its
// SHA-256. Sealed values carry it so Open knows which key to use.
func KeyID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:4])
}

// CurrentKeyID is the ID of the key that seals new values.
func (s *Sealer) CurrentKeyID() string { return s.keys[0].id }

// Warnings lists what LoadOrCreateKey found worrying but not fatal (a key
// file readable by others), for the caller to log.
func (s *Sealer) Warnings() []string { return s.warnings }

// Seal encrypts plaintext for one place, named by associatedData such as
// "connections/<id>/key": the value then opens only with the same name, so a
// sealed secret cannot be copied into another row. The result is text,
// "v1:<keyid>:<base64 of nonce||ciphertext>".
func (s *Sealer) Seal(plaintext []byte, associatedData string) (string, error) {
	k := s.keys[0]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("generate nonce: %w", err)
	}
	sealed := k.aead.Seal(nonce, nonce, plaintext, []byte(associatedData))
	return sealedVersion + ":" + k.id + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value made by Seal with the same associatedData.
func (s *Sealer) Open(sealed string, associatedData string) ([]byte, error) {
	version, rest, ok := strings.Cut(sealed, ":")
	if !ok || version != sealedVersion {
		return nil, fmt.Errorf("open sealed value: %w (want prefix %q)", ErrMalformed, sealedVersion+":")
	}
	keyID, encoded, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, fmt.Errorf("open sealed value: %w (no key ID)", ErrMalformed)
	}
	data, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w (bad base64)", ErrMalformed)
	}
	for _, k := range s.keys {
		if k.id != keyID {
			continue
		}
		if len(data) < k.aead.NonceSize()+k.aead.Overhead() {
			return nil, fmt.Errorf("open sealed value: %w (too short)", ErrMalformed)
		}
		nonce, ciphertext := data[:k.aead.NonceSize()], data[k.aead.NonceSize():]
		plaintext, err := k.aead.Open(nil, nonce, ciphertext, []byte(associatedData))
		if err != nil {
			return nil, fmt.Errorf("open sealed value for %q: %w", associatedData, ErrCannotOpen)
		}
		return plaintext, nil
	}
	return nil, fmt.Errorf("open sealed value: key %s: %w", keyID, ErrUnknownKey)
}

// Mask shows the first three characters of a secret and dots, so an
// administrator can recognise a key without it being shown (SPEC: "the key
// masked (first three characters)"). Secrets shorter than six characters show
// dots only: three characters would be half of them.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	const dots = "•••••"
	runes := []rune(secret)
	if len(runes) < 6 {
		return dots
	}
	return string(runes[:3]) + dots
}
