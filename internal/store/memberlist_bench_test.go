package store

import (
	"fmt"
	"testing"
)

// BenchmarkNewMemberList makes the staged list of a group of 10,000
// members, as the stager does for each group of a page.
func BenchmarkNewMemberList(b *testing.B) {
	entries := make([]StagedMember, 10_000)
	for i := range entries {
		entries[i] = StagedMember{GroupID: "g", MemberID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i*7919%10_000, i), MemberKind: MemberUser}
	}
	for b.Loop() {
		newMemberList(entries)
	}
}
