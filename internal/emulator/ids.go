package emulator

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
)

// objectID is a directory object's GUID kept as 16 bytes: a 100,000-user
// tenant holds millions of references, and a string per reference would cost
// three times the memory. Bytes are printed in order, so sorting by bytes is
// the same as sorting by the printed GUID, which paging relies on.
type objectID [16]byte

func (id objectID) String() string {
	var buf [36]byte
	hex.Encode(buf[0:8], id[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], id[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], id[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], id[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], id[10:16])
	return string(buf[:])
}

func compareIDs(a, b objectID) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// parseObjectID accepts the 36-character GUID form Graph uses in paths.
func parseObjectID(s string) (objectID, error) {
	var id objectID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, fmt.Errorf("parse object id %q: not a GUID", s)
	}
	compact := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(compact)); err != nil {
		return id, fmt.Errorf("parse object id %q: %w", s, err)
	}
	return id, nil
}

// newObjectID draws a version-4 GUID from rng, so a seeded generator gives
// the same tenant every time.
func newObjectID(rng *rand.Rand) objectID {
	var id objectID
	hi, lo := rng.Uint64(), rng.Uint64()
	for i := range 8 {
		id[i] = byte(hi >> (8 * i))
		id[8+i] = byte(lo >> (8 * i))
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}
