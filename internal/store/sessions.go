package store

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is scs's SQLite store split over our two pools: look-ups use
// the readers, so pages keep loading while a sync holds the writer.
//
// With an idle timeout scs commits the session on every request only to push
// its expiry forward. Commit skips that write when the data is unchanged and
// the stored expiry is less than expiryResolution older: a session may then
// expire up to a minute early, and page views stop queueing for the writer.
type SessionStore struct {
	read  *sqlite3store.SQLite3Store
	write *sqlite3store.SQLite3Store

	mu      sync.Mutex
	written map[string]committedSession
}

type committedSession struct {
	sum    [sha256.Size]byte
	expiry time.Time
}

const (
	expiryResolution = time.Minute
	// maxRemembered bounds the memory of what was written; forgetting only
	// costs one extra write per session.
	maxRemembered = 50_000
)

// Sessions returns the scs store; cleanup is 0 in tests (no goroutine to stop).
func (s *Store) Sessions(cleanup time.Duration) *SessionStore {
	return &SessionStore{
		read:    sqlite3store.NewWithConfig(s.Reader, sqlite3store.Config{}),
		write:   sqlite3store.NewWithConfig(s.Writer, sqlite3store.Config{CleanUpInterval: cleanup}),
		written: map[string]committedSession{},
	}
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) { return s.read.Find(token) }

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	sum := sha256.Sum256(b)
	s.mu.Lock()
	prev, ok := s.written[token]
	s.mu.Unlock()
	if ok && prev.sum == sum && !expiry.Before(prev.expiry) && expiry.Sub(prev.expiry) < expiryResolution {
		return nil
	}
	if err := s.write.Commit(token, b, expiry); err != nil {
		return err
	}
	s.mu.Lock()
	if len(s.written) >= maxRemembered {
		clear(s.written)
	}
	s.written[token] = committedSession{sum: sum, expiry: expiry}
	s.mu.Unlock()
	return nil
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error {
	s.mu.Lock()
	delete(s.written, token)
	s.mu.Unlock()
	return s.write.Delete(token)
}

// StopCleanup ends the expired-session sweeper goroutine, if one was started.
func (s *SessionStore) StopCleanup() {
	if s.write != nil {
		s.write.StopCleanup()
	}
}
