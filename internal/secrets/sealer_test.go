package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKey(fill byte) []byte { return bytes.Repeat([]byte{fill}, KeySize) }

func TestSealOpen(t *testing.T) {
	s, err := NewSealer(testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		plaintext []byte
	}{
		{"client secret", []byte("abc8Q~secret-value-from-azure")},
		{"empty", []byte{}},
		{"binary", []byte{0, 1, 2, 255}},
		{"large", bytes.Repeat([]byte("k"), 4096)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const ad = "connections/42/key"
			sealed, err := s.Seal(tt.plaintext, ad)
			if err != nil {
				t.Fatal(err)
			}
			wantPrefix := "v1:" + KeyID(testKey(1)) + ":"
			if !strings.HasPrefix(sealed, wantPrefix) {
				t.Fatalf("sealed = %q, want prefix %q", sealed, wantPrefix)
			}
			if len(tt.plaintext) > 3 && strings.Contains(sealed, string(tt.plaintext)) {
				t.Fatal("sealed value contains the plaintext")
			}
			got, err := s.Open(sealed, ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Fatalf("Open = %q, want %q", got, tt.plaintext)
			}
		})
	}
}

func TestSealUsesFreshNonce(t *testing.T) {
	s, _ := NewSealer(testKey(1))
	a, _ := s.Seal([]byte("same"), "x")
	b, _ := s.Seal([]byte("same"), "x")
	if a == b {
		t.Fatal("two seals of the same plaintext are equal: nonce reused")
	}
}

func TestOpenRefuses(t *testing.T) {
	s, _ := NewSealer(testKey(1))
	other, _ := NewSealer(testKey(2))
	sealed, err := s.Seal([]byte("secret value"), "connections/1/key")
	if err != nil {
		t.Fatal(err)
	}
	version, keyID, payload := splitSealed(t, sealed)
	data, _ := base64.StdEncoding.DecodeString(payload)
	flipped := bytes.Clone(data)
	flipped[len(flipped)-1] ^= 1
	tampered := version + ":" + keyID + ":" + base64.StdEncoding.EncodeToString(flipped)

	tests := []struct {
		name   string
		sealer *Sealer
		sealed string
		ad     string
		want   error
	}{
		{"other row", s, sealed, "connections/2/key", ErrCannotOpen},
		{"other column", s, sealed, "connections/1/certificate", ErrCannotOpen},
		{"tampered ciphertext", s, tampered, "connections/1/key", ErrCannotOpen},
		{"unknown key", other, sealed, "connections/1/key", ErrUnknownKey},
		{"unknown version", s, "v9" + sealed[2:], "connections/1/key", ErrMalformed},
		{"no key id", s, "v1:abc", "connections/1/key", ErrMalformed},
		{"bad base64", s, version + ":" + keyID + ":***", "connections/1/key", ErrMalformed},
		{"too short", s, version + ":" + keyID + ":AAAA", "connections/1/key", ErrMalformed},
		{"plain text", s, "secret value", "connections/1/key", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.sealed, tt.ad)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Fatalf("Open returned %q with an error", got)
			}
		})
	}
}

func splitSealed(t *testing.T, sealed string) (version, keyID, payload string) {
	t.Helper()
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 {
		t.Fatalf("sealed %q does not have three parts", sealed)
	}
	return parts[0], parts[1], parts[2]
}

func TestRotation(t *testing.T) {
	oldKey, newKey := testKey(1), testKey(2)
	before, _ := NewSealer(oldKey)
	sealedOld, _ := before.Seal([]byte("old secret"), "connections/1/key")

	after, err := NewSealer(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := after.Open(sealedOld, "connections/1/key")
	if err != nil || string(got) != "old secret" {
		t.Fatalf("Open old value after rotation = %q, %v", got, err)
	}
	sealedNew, _ := after.Seal([]byte("new secret"), "connections/1/key")
	if _, keyID, _ := splitSealed(t, sealedNew); keyID != KeyID(newKey) || keyID != after.CurrentKeyID() {
		t.Fatalf("new value sealed with key %s, want newest %s", keyID, KeyID(newKey))
	}
	if _, err := before.Open(sealedNew, "connections/1/key"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old sealer opened a value of the new key: %v", err)
	}
}

func TestNewSealerRejectsShortKey(t *testing.T) {
	if _, err := NewSealer(make([]byte, 16)); err == nil {
		t.Fatal("NewSealer accepted a 16-byte key")
	}
	if _, err := NewSealer(testKey(1), make([]byte, 31)); err == nil {
		t.Fatal("NewSealer accepted a 31-byte older key")
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ secret, want string }{
		{"", ""},
		{"abc8Q~secret", "abc•••••"},
		{"abcdef", "abc•••••"},
		{"abcde", "•••••"},
		{"a", "•••••"},
		{"ééééééé", "ééé•••••"},
	}
	for _, tt := range tests {
		if got := Mask(tt.secret); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.secret, got, tt.want)
		}
	}
}

func TestKeyNeverInSealedOutput(t *testing.T) {
	key := testKey(7)
	s, _ := NewSealer(key)
	sealed, _ := s.Seal([]byte("value"), "ad")
	for _, enc := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key), string(key)} {
		if strings.Contains(sealed, enc) {
			t.Fatalf("sealed value %q contains the key", sealed)
		}
	}
}

func TestLoadOrCreateKeyCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "master.key")
	s, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings()) != 0 {
		t.Fatalf("warnings on a new key: %v", s.Warnings())
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file mode = %04o, want 0600", perm)
	}
	dirInfo, _ := os.Stat(dir)
	if perm := dirInfo.Mode().Perm(); perm != 0o700 {
		t.Fatalf("key folder mode = %04o, want 0700", perm)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".master-key-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	sealed, _ := s.Seal([]byte("kept"), "ad")
	again, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(sealed, "ad"); err != nil || string(got) != "kept" {
		t.Fatalf("reloaded key cannot open: %q, %v", got, err)
	}
}

func TestLoadOrCreateKeyFormats(t *testing.T) {
	key := testKey(9)
	tests := []struct {
		name    string
		content []byte
		wantErr bool
	}{
		{"raw", key, false},
		{"hex", []byte(hex.EncodeToString(key)), false},
		{"hex with newline", []byte(hex.EncodeToString(key) + "\n"), false},
		{"base64 with newline", []byte(base64.StdEncoding.EncodeToString(key) + "\r\n"), false},
		{"too short", key[:16], true},
		{"base64 of wrong size", []byte(base64.StdEncoding.EncodeToString(key[:16]) + "\n"), true},
		{"empty", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := LoadOrCreateKey(path)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), path) {
					t.Fatalf("error = %v, want one naming %s", err, path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.CurrentKeyID() != KeyID(key) {
				t.Fatalf("key ID = %s, want %s", s.CurrentKeyID(), KeyID(key))
			}
		})
	}
}

func TestLoadOrCreateKeyWarnsWhenTooOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(testKey(3))), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings()) != 1 || !strings.Contains(s.Warnings()[0], path) {
		t.Fatalf("warnings = %v, want one naming %s", s.Warnings(), path)
	}
}

func TestReadKeyFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.key")
	if _, err := ReadKeyFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadKeyFile missing = %v, want not exist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("ReadKeyFile created a file")
	}
}
