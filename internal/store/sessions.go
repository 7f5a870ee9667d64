package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
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
	store *Store
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
		store:   s,
		write:   sqlite3store.NewWithConfig(s.Writer, sqlite3store.Config{CleanUpInterval: cleanup}),
		written: map[string]committedSession{},
	}
}

// Find implements scs.Store with sqlite3store's query (an unexpired row of
// the token), run through the reader pool's statement cache: it is on
// every page view.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	var b []byte
	err := s.store.queryRow(context.Background(), `SELECT data FROM sessions WHERE token = ? AND julianday('now') < expiry`, token).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

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
