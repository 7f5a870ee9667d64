package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not use argon2id with DESIGN.md's parameters", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse battery", true},
		{"correct horse batterY", false},
		{"", false},
		{strings.Repeat("x", MaxPasswordLen+1), false},
	}
	for _, tt := range tests {
		if got, err := VerifyPassword(h, tt.pw); err != nil || got != tt.want {
			t.Errorf("VerifyPassword(%.20q) = %v, %v; want %v", tt.pw, got, err, tt.want)
		}
	}
	if _, err := VerifyPassword("plain", "x"); err == nil {
		t.Error("a malformed hash verified without error")
	}
}

func TestPasswordRules(t *testing.T) {
	tests := map[string]bool{
		"":                          false,
		"short":                     false,
		"twelve chars":              true,
		strings.Repeat("é", 12):     true,
		strings.Repeat("a", 257):    false,
		"correct horse battery 123": true,
	}
	for pw, ok := range tests {
		if got := CheckPasswordRules(pw) == ""; got != ok {
			t.Errorf("rules(%.20q) ok = %v, want %v", pw, got, ok)
		}
	}
}

func TestRoles(t *testing.T) {
	if !Admin.Allows(Helpdesk) || Helpdesk.Allows(Admin) || !Helpdesk.Allows(Public) || Public.Allows(Helpdesk) {
		t.Fatal("role order is wrong")
	}
	for _, s := range []string{"admin", "helpdesk"} {
		r, err := ParseRole(s)
		if err != nil || r.String() != s {
			t.Errorf("ParseRole(%q) = %v, %v", s, r, err)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("unknown role accepted")
	}
}
