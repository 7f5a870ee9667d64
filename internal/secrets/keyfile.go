package secrets

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadOrCreateKey reads the master key file at path, or, when there is none,
// generates a key and writes it there (mode 0600, its folder 0700). A key
// file readable by group or others is used but reported in Warnings.
//
// The file may hold the key as 32 raw bytes, 64 hex digits or standard
// base64, with surrounding white space (a trailing newline) tolerated.
func LoadOrCreateKey(path string) (*Sealer, error) {
	raw, created, err := readOrCreateKeyFile(path)
	if err != nil {
		return nil, err
	}
	s, err := NewSealer(raw)
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	if !created {
		if w := permissionWarning(path); w != "" {
			s.warnings = append(s.warnings, w)
		}
	}
	return s, nil
}

// ReadKeyFile reads a key file without creating one: for retired master keys
// that must still open old values (NewSealer's older keys).
func ReadKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read master key file: %w", err)
	}
	raw, err := parseKey(data)
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return raw, nil
}

func readOrCreateKeyFile(path string) (raw []byte, created bool, err error) {
	raw, err = ReadKeyFile(path)
	if err == nil {
		return raw, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	raw = make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, fmt.Errorf("generate master key: %w", err)
	}
	err = writeNewKeyFile(path, raw)
	if errors.Is(err, fs.ErrExist) {
		// Another process (say `connect user add` beside `connect serve`)
		// created the key first: use theirs, or the two would disagree.
		raw, err = ReadKeyFile(path)
		return raw, false, err
	}
	if err != nil {
		return nil, false, err
	}
	return raw, true, nil
}

// writeNewKeyFile writes the key to a temporary file and links it into place,
// so no reader ever sees a half-written key and an existing key is never
// overwritten (os.Link fails when the name exists).
func writeNewKeyFile(path string, raw []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create master key folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".master-key-*")
	if err != nil {
		return fmt.Errorf("create master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp already uses 0600; Chmod states the intent and guards
	// against a platform that differs.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("restrict master key file: %w", err)
	}
	if _, err := tmp.Write([]byte(hex.EncodeToString(raw) + "\n")); err != nil {
		tmp.Close()
		return fmt.Errorf("write master key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync master key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close master key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("install master key file %s: %w", path, err)
	}
	return nil
}

func parseKey(data []byte) ([]byte, error) {
	if len(data) == KeySize {
		return data, nil
	}
	text := bytes.TrimSpace(data)
	if len(text) == hex.EncodedLen(KeySize) {
		if raw, err := hex.DecodeString(string(text)); err == nil {
			return raw, nil
		}
	}
	if raw, err := base64.StdEncoding.DecodeString(string(text)); err == nil && len(raw) == KeySize {
		return raw, nil
	}
	return nil, fmt.Errorf("holds %d bytes: want %d raw bytes, %d hex digits or base64 of %d bytes",
		len(data), KeySize, hex.EncodedLen(KeySize), KeySize)
}

func permissionWarning(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		return fmt.Sprintf("master key file %s has mode %04o: others can read it; run chmod 600 %s", path, mode, path)
	}
	return ""
}
