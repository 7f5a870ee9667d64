package emulator

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"time"
)

// Churn makes random directory changes at perMinute changes per minute
// until ctx ends, so a demo's delta syncs have something to bring: job
// title and department edits, new users, soft deletes and restores, and
// membership changes. It returns nil when ctx is cancelled.
func (s *Server) Churn(ctx context.Context, perMinute float64) error {
	if perMinute <= 0 {
		return nil
	}
	ticker := time.NewTicker(time.Duration(float64(time.Minute) / perMinute))
	defer ticker.Stop()
	rng := rand.New(rand.NewPCG(s.opts.Seed, 0x636875726e))
	t := s.dir.tenants[0]
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		s.churnOnce(t, rng, n)
	}
}

func (s *Server) churnOnce(t *tenant, rng *rand.Rand, n int) {
	now := s.now()
	userID, groupID, ok := randomObjects(t, rng)
	if !ok {
		return
	}
	var err error
	switch rng.IntN(6) {
	case 0:
		err = t.patchUser(userID, map[string]json.RawMessage{"jobTitle": quoteJSON(jobTitles[rng.IntN(len(jobTitles))])})
	case 1:
		err = t.patchUser(userID, map[string]json.RawMessage{"department": quoteJSON(departments[rng.IntN(len(departments))])})
	case 2:
		name := givenNames[rng.IntN(len(givenNames))] + " Churn" + strconv.Itoa(n)
		upn := "churn" + strconv.Itoa(n) + "." + strconv.Itoa(rng.IntN(1_000_000)) + "@" + t.domains[len(t.domains)-1]
		_, err = t.createUser(map[string]json.RawMessage{"displayName": quoteJSON(name), "userPrincipalName": quoteJSON(upn), "mail": quoteJSON(upn)}, now)
	case 3:
		if err = t.restoreObject(kindUser, userID); err != nil {
			err = t.deleteObject(kindUser, userID, false, now)
		}
	case 4:
		err = t.addMember(groupID, userID)
	default:
		if err = t.removeMember(groupID, userID); err != nil {
			err = t.addMember(groupID, userID)
		}
	}
	if err != nil {
		s.opts.Logger.Debug("churn change skipped", "err", err)
	}
}

func randomObjects(t *tenant, rng *rand.Rand) (objectID, objectID, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if len(t.userIndex) == 0 || len(t.groupIndex) == 0 {
		return objectID{}, objectID{}, false
	}
	return t.userIndex[rng.IntN(len(t.userIndex))], t.groupIndex[rng.IntN(len(t.groupIndex))], true
}

func quoteJSON(s string) json.RawMessage {
	data, _ := json.Marshal(s)
	return data
}
