package store

import (
	"context"
	"fmt"
	"time"
)

// DefaultDeleteThreshold is the most users and groups a run may delete
// without an administrator's approval (SPEC "Safety").
const DefaultDeleteThreshold = 500

// SetDeleteThreshold changes how many users and groups a run of this
// connection may delete before it stops for approval.
func (s *Store) SetDeleteThreshold(ctx context.Context, connectionID string, n int) error {
	if n < 0 {
		return fmt.Errorf("delete threshold %d: want 0 or more", n)
	}
	res, err := s.Writer.ExecContext(ctx, `UPDATE connections SET delete_threshold = ?, updated_at = ? WHERE id = ?`,
		n, formatTime(time.Now()), connectionID)
	if err != nil {
		return fmt.Errorf("set delete threshold of %s: %w", connectionID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("connection %s: %w", connectionID, ErrNotFound)
	}
	return nil
}
