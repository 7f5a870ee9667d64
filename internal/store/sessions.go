package store

import (
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// SessionStore is scs's SQLite store split over our two pools: look-ups use
// the readers, so pages keep loading while a sync holds the writer.
type SessionStore struct {
	read  *sqlite3store.SQLite3Store
	write *sqlite3store.SQLite3Store
}

// Sessions returns the scs store; cleanup is 0 in tests (no goroutine to stop).
func (s *Store) Sessions(cleanup time.Duration) *SessionStore {
	return &SessionStore{
		read:  sqlite3store.NewWithConfig(s.Reader, sqlite3store.Config{}),
		write: sqlite3store.NewWithConfig(s.Writer, sqlite3store.Config{CleanUpInterval: cleanup}),
	}
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) { return s.read.Find(token) }

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.write.Commit(token, b, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error { return s.write.Delete(token) }

// StopCleanup ends the expired-session sweeper goroutine, if one was started.
func (s *SessionStore) StopCleanup() {
	if s.write != nil {
		s.write.StopCleanup()
	}
}
