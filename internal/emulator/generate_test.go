package emulator

import (
	"strings"
	"testing"
	"time"
)

func TestGenerateIsDeterministicAndRealistic(t *testing.T) {
	spec := generateSpec{name: "contoso", users: 2000, groups: 200, seed: 42, now: time.Now()}
	a, b := generateTenant(spec), generateTenant(spec)
	if a.id != b.id || a.userIndex[0] != b.userIndex[0] || a.apps[0].passwords[0].value != b.apps[0].passwords[0].value {
		t.Fatal("the same seed gave different tenants")
	}
	var guests, disabled, unified, mailEnabledSecurity, nested int
	upns := map[string]bool{}
	for _, u := range a.users {
		if upns[strings.ToLower(u.userPrincipalName)] {
			t.Fatalf("duplicate UPN %s", u.userPrincipalName)
		}
		upns[strings.ToLower(u.userPrincipalName)] = true
		if u.userType == "Guest" {
			guests++
			if !strings.Contains(u.userPrincipalName, "#EXT#@contoso.onmicrosoft.com") {
				t.Errorf("guest UPN %s", u.userPrincipalName)
			}
		} else if !strings.HasPrefix(u.proxyAddresses[0], "SMTP:") || !strings.HasPrefix(u.proxyAddresses[1], "smtp:") {
			t.Errorf("proxyAddresses %v", u.proxyAddresses)
		}
		if !u.accountEnabled {
			disabled++
		}
	}
	largest := 0
	for _, g := range a.groups {
		if len(g.groupTypes) == 1 && g.groupTypes[0] == "Unified" {
			unified++
		}
		if g.mailEnabled && g.securityEnabled {
			mailEnabledSecurity++
		}
		for _, m := range g.members {
			if m.kind == kindGroup {
				nested++
			}
		}
		largest = max(largest, len(g.members))
	}
	if guests == 0 || disabled < 20 || disabled > 110 || unified == 0 || mailEnabledSecurity == 0 || nested == 0 || largest < 1500 {
		t.Errorf("guests %d disabled %d unified %d mail-enabled security %d nested %d largest %d",
			guests, disabled, unified, mailEnabledSecurity, nested, largest)
	}
}

// TestGenerateLargeTenant checks the shape at the scale: 100,000
// users, 10,000 groups and about 1,000,000 memberships. How fast is
// BenchmarkGenerate100k's business, and connect-bench prints the time the
// emulator took (about 1.5 s on an idle 2-core machine). Under -race
// generation took 41 s on the shared machine (14 s without), too slow for
// every `make test`: the shape is checked by plain `go test`.
func TestGenerateLargeTenant(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("100k-user generation: skipped in -short mode and under -race (about 40 s)")
	}
	tenant := generateTenant(generateSpec{name: "contoso", users: 100_000, groups: 10_000, seed: 1, now: time.Now()})
	memberships, nested := 0, 0
	for _, g := range tenant.groups {
		memberships += len(g.members)
		for _, m := range g.members {
			if m.kind == kindGroup {
				nested++
			}
		}
	}
	if len(tenant.users) != 100_000 || len(tenant.userIndex) != 100_000 || len(tenant.groups) != 10_000 || len(tenant.groupIndex) != 10_000 {
		t.Errorf("%d users (%d indexed), %d groups (%d indexed)", len(tenant.users), len(tenant.userIndex), len(tenant.groups), len(tenant.groupIndex))
	}
	if memberships < 800_000 || memberships > 1_300_000 || nested == 0 {
		t.Errorf("%d memberships, %d of them nested groups; want about 1,000,000 with some nesting", memberships, nested)
	}
}

func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		generateTenant(generateSpec{name: "contoso", users: 100_000, groups: 10_000, seed: 1, now: time.Now()})
	}
}
