package emulator

import (
	"encoding/base64"
	"testing"
)

func TestValidTenantName(t *testing.T) {
	tests := map[string]bool{
		"contoso.onmicrosoft.com":              true,
		"Contoso.COM":                          true,
		"6f1c2d3e-4a5b-4c6d-8e7f-101112131415": true,
		"contoso":                              false, // no dot: 900023, not 90002
		"not_a_domain.com":                     false,
		"-bad.com":                             false,
		"a..b":                                 false,
		"":                                     false,
	}
	for name, want := range tests {
		if got := validTenantName(name); got != want {
			t.Errorf("validTenantName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		raw      string
		property string
		prefix   bool
		value    string
		fails    bool
	}{
		{"appId eq 'abc'", "appId", false, "abc", false},
		{"displayName eq 'O''Neil'", "displayName", false, "O'Neil", false},
		{"startswith(displayName,'Ann')", "displayName", true, "Ann", false},
		{"accountEnabled eq false", "accountEnabled", false, "false", false},
		{"jobTitle ne 'x'", "", false, "", true},
		{"displayName eq 'unterminated", "", false, "", true},
		{"displayName eq 'a' and mail eq 'b'", "", false, "", true},
		{"displayName eq 'a'' and mail eq ''b'", "displayName", false, "a' and mail eq 'b", false}, // one literal with escaped quotes
		{"startswith(displayName,'a') and startswith(mail,'b')", "", false, "", true},
		{"accountEnabled eq true and userType eq 'Guest'", "", false, "", true},
	}
	for _, tt := range tests {
		clause, gerr := parseFilter(tt.raw)
		if tt.fails {
			if gerr == nil {
				t.Errorf("%q parsed", tt.raw)
			}
			continue
		}
		if gerr != nil || clause.property != tt.property || clause.prefix != tt.prefix || clause.value != tt.value {
			t.Errorf("%q: %+v %v", tt.raw, clause, gerr)
		}
	}
}

func TestDecodeThumbprint(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0xfe, 0x01, 0x02}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding, base64.RawStdEncoding} {
		got, err := decodeThumbprint(enc.EncodeToString(raw))
		if err != nil || string(got) != string(raw) {
			t.Errorf("%v: %x %v", enc, got, err)
		}
	}
	if _, err := decodeThumbprint("***"); err == nil {
		t.Error("garbage decoded")
	}
}

func TestPreferredPageSize(t *testing.T) {
	tests := map[string]int{
		"odata.maxpagesize=50":                  50,
		"return=minimal, odata.maxpagesize=999": 999,
		"odata.maxpagesize=1000":                0,
		"odata.maxpagesize=0":                   0,
		"":                                      0,
		"odata.track-changes, odata.maxpagesize=12": 12,
	}
	for header, want := range tests {
		got, ok := preferredPageSize(header)
		if ok != (want != 0) || got != want {
			t.Errorf("%q: %d %v, want %d", header, got, ok, want)
		}
	}
}

func TestObjectIDRoundTrip(t *testing.T) {
	const s = "6f1c2d3e-4a5b-4c6d-8e7f-101112131415"
	id, err := parseObjectID(s)
	if err != nil || id.String() != s {
		t.Fatalf("%v %v", id, err)
	}
	for _, bad := range []string{"", "6f1c2d3e4a5b4c6d8e7f101112131415", "zz1c2d3e-4a5b-4c6d-8e7f-101112131415"} {
		if _, err := parseObjectID(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
