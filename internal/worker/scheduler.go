package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/connect/connect/internal/schedule"
	"github.com/connect/connect/internal/store"
)

// scheduler queues due schedule runs every ScheduleInterval until ctx is
// done.
func (w *Worker) scheduler(ctx context.Context) {
	ticker := time.NewTicker(w.opts.ScheduleInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := w.scheduleDue(ctx); err != nil && ctx.Err() == nil {
				w.log.Error("schedule runs", "err", err)
			}
		}
	}
}

// dueSlot is the slot a connection should run for now, if any: the newest
// of the region's 08:00/13:00/23:00 slots that passed after the last slot
// it ran for. Slots before the connection was validated are not due (its
// first sync ran then). However many slots were missed while Connect was
// stopped, one run is due: a delta run fetches every change since the last
// one.
func dueSlot(region schedule.Region, lastSlot, validatedAt, now time.Time) (time.Time, bool) {
	baseline := lastSlot
	if baseline.IsZero() {
		baseline = validatedAt
	}
	return schedule.MissedSlot(region, baseline, now)
}

// scheduleDue queues a schedule run for every active connection with a due
// slot and records the slot, so it is served once.
func (w *Worker) scheduleDue(ctx context.Context) error {
	st := w.opts.Store
	raw, err := st.Setting(ctx, store.SettingRegion, string(schedule.Europe))
	if err != nil {
		return err
	}
	region, err := schedule.ParseRegion(raw)
	if err != nil {
		w.log.Warn("unknown account region; scheduling in Europe's zone", "region", raw)
		region = schedule.Europe
	}
	conns, err := st.Connections(ctx, store.KindAzureDirectorySync)
	if err != nil {
		return err
	}
	now := w.opts.Now()
	queued := false
	for _, c := range conns {
		if c.State != store.ConnActive {
			continue
		}
		last, err := st.LastScheduledSlot(ctx, c.ID)
		if err != nil {
			return err
		}
		baseline := c.ValidatedAt
		if baseline.IsZero() {
			baseline = c.CreatedAt
		}
		slot, ok := dueSlot(region, last, baseline, now)
		if !ok {
			continue
		}
		runID, err := st.QueueScheduledRun(ctx, c.ID, slot)
		if err != nil {
			return fmt.Errorf("queue the %s run of %s: %w", slot.Format(time.RFC3339), c.ID, err)
		}
		w.log.Info("scheduled run", "connection", c.ID, "slot", slot, "run", runID, "queued", runID != "")
		queued = queued || runID != ""
	}
	if queued {
		w.Notify()
	}
	return nil
}
