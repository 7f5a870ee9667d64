package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// osvFile is a tiny OSV entry: id, aliases and, per affected module,
// its SEMVER events as alternating "introduced"/"fixed" ("" skips one).
func osvFile(t *testing.T, dir, id, modified string, aliases []string, affected map[string][]string) {
	t.Helper()
	type event struct {
		Introduced string `json:"introduced,omitempty"`
		Fixed      string `json:"fixed,omitempty"`
	}
	var aff []any
	for mod, evs := range affected {
		var events []event
		for i, v := range evs {
			switch {
			case v == "":
			case i%2 == 0:
				events = append(events, event{Introduced: v})
			default:
				events = append(events, event{Fixed: v})
			}
		}
		aff = append(aff, map[string]any{
			"package": map[string]string{"name": mod, "ecosystem": "Go"},
			"ranges":  []any{map[string]any{"type": "SEMVER", "events": events}},
		})
	}
	b, err := json.MarshalIndent(map[string]any{
		"schema_version": "1.3.1", "id": id, "modified": modified, "published": modified,
		"aliases": aliases, "summary": "test entry " + id, "affected": aff,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

const zero = "0001-01-01T00:00:00Z"

// testSource writes the entries the tests share and returns their directory.
func testSource(t *testing.T) string {
	dir := t.TempDir()
	osvFile(t, dir, "GO-2024-0001", zero, []string{"CVE-2024-1"}, map[string][]string{
		"example.com/a": {"0", "1.2.0"},
	})
	osvFile(t, dir, "GO-2024-0002", "2025-03-04T05:06:07Z", nil, map[string][]string{
		"example.com/a": {"0", "1.1.5", "1.2.0", "1.2.3"}, // fixed, reintroduced, fixed again
		"example.com/b": {"0"},                            // never fixed
	})
	osvFile(t, dir, "GO-2024-0003", zero, []string{"GHSA-x"}, map[string][]string{
		"example.com/c": {"0", "1.0.0", "2.0.0"}, // reintroduced in 2.0.0: no fix
		"stdlib":        {"0", "1.25.9", "1.26.0-0", "1.26.2"},
	})
	// Not entries: ignored.
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("not an entry"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestIndex(t *testing.T) {
	src := testSource(t)
	out := filepath.Join(t.TempDir(), "db")
	fallback := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	db, err := load(src, fallback)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.writeTo(out); err != nil {
		t.Fatal(err)
	}
	// Writing again replaces the database.
	if err := db.writeTo(out); err != nil {
		t.Fatal(err)
	}
	const fb, set = "2026-11-05T23:49:57Z", "2025-03-04T05:06:07Z"
	tests := []struct {
		file, want string
	}{
		{"index/db.json", `{"modified":"` + fb + `"}`},
		{"index/vulns.json", `[` +
			`{"id":"GO-2024-0001","modified":"` + fb + `","aliases":["CVE-2024-1"]},` +
			`{"id":"GO-2024-0002","modified":"` + set + `"},` +
			`{"id":"GO-2024-0003","modified":"` + fb + `","aliases":["GHSA-x"]}]`},
		{"index/modules.json", `[` +
			`{"path":"example.com/a","vulns":[{"id":"GO-2024-0001","modified":"` + fb + `","fixed":"1.2.0"},{"id":"GO-2024-0002","modified":"` + set + `","fixed":"1.2.3"}]},` +
			`{"path":"example.com/b","vulns":[{"id":"GO-2024-0002","modified":"` + set + `"}]},` +
			`{"path":"example.com/c","vulns":[{"id":"GO-2024-0003","modified":"` + fb + `"}]},` +
			`{"path":"stdlib","vulns":[{"id":"GO-2024-0003","modified":"` + fb + `","fixed":"1.26.2"}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(out, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	for _, id := range []string{"GO-2024-0001", "GO-2024-0002", "GO-2024-0003"} {
		want, _ := os.ReadFile(filepath.Join(src, id+".json"))
		got, err := os.ReadFile(filepath.Join(out, "ID", id+".json"))
		if err != nil || string(got) != string(want) {
			t.Errorf("ID/%s.json is not the entry unchanged (err %v)", id, err)
		}
	}
	leftovers, _ := filepath.Glob(out + ".tmp-*")
	if len(leftovers) > 0 {
		t.Errorf("temporary directories left behind: %v", leftovers)
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name, file, body, wantErr string
	}{
		{"file not named after its id", "GO-2024-0009.json", `{"id":"GO-2024-0001"}`, "named <id>.json"},
		{"no id", "x.json", `{"affected":[]}`, "named <id>.json"},
		{"not JSON", "GO-2024-0001.json", `{`, "GO-2024-0001.json"},
		{"affected without a module", "GO-2024-0001.json", `{"id":"GO-2024-0001","affected":[{"package":{}}]}`, "names no module"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := load(dir, time.Time{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := load(t.TempDir(), time.Time{}); err == nil {
		t.Error("an empty directory gave no error")
	}
}

func TestFixedVersion(t *testing.T) {
	tests := []struct {
		name   string
		events [][2]string // introduced, fixed
		want   string
	}{
		{"one fix", [][2]string{{"0", ""}, {"", "1.2.3"}}, "1.2.3"},
		{"never fixed", [][2]string{{"0", ""}}, ""},
		{"highest fix", [][2]string{{"0", ""}, {"", "1.10.0"}, {"1.11.0", ""}, {"", "1.11.2"}}, "1.11.2"},
		{"reintroduced", [][2]string{{"0", ""}, {"", "1.0.0"}, {"2.0.0", ""}}, ""},
		{"pseudo-versions", [][2]string{{"0", ""}, {"", "0.0.0-20200124225646-8b5121be2f68"}}, "0.0.0-20200124225646-8b5121be2f68"},
		{"prerelease below release", [][2]string{{"0", ""}, {"", "1.0.0-rc.2"}, {"", "1.0.0"}}, "1.0.0"},
		{"not semver", [][2]string{{"0", ""}, {"", "v1"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := osvRange{Type: "SEMVER"}
			for _, e := range tt.events {
				r.Events = append(r.Events, struct {
					Introduced string `json:"introduced"`
					Fixed      string `json:"fixed"`
				}{e[0], e[1]})
			}
			if got := fixedVersion([]osvRange{r}); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompareSemver(t *testing.T) {
	// Each version is below the next.
	ordered := []string{
		"",
		"0.0.0-20200124225646-8b5121be2f68",
		"0.0.0-20210101000000-000000000000",
		"0.9.0",
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-alpha.beta",
		"1.0.0-beta.2",
		"1.0.0-beta.11",
		"1.0.0-rc.1",
		"1.0.0",
		"1.2.9",
		"1.2.10",
		"1.10.0",
		"10.0.0",
	}
	for i, a := range ordered {
		for j, b := range ordered {
			c, ok := compareSemver(a, b)
			want := compareInt(i, j)
			if !ok || c != want {
				t.Errorf("compareSemver(%q, %q) = %d, %v; want %d", a, b, c, ok, want)
			}
		}
	}
	if c, _ := compareSemver("1.0.0+build", "1.0.0"); c != 0 {
		t.Error("build metadata changed the order")
	}
	for _, bad := range []string{"v1.0.0", "1.0", "01.0.0", "1.0.0-", "1.0.0-a..b", "x"} {
		if _, ok := compareSemver(bad, "1.0.0"); ok {
			t.Errorf("%q was taken for a version", bad)
		}
	}
}

// TestGovulncheckReadsIt asks govulncheck itself (the version go.mod pins)
// to look modules up in a built database: it must find the entries that
// affect a version and skip those the index marks fixed.
func TestGovulncheckReadsIt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds govulncheck")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out := filepath.Join(t.TempDir(), "db")
	db, err := load(testSource(t), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.writeTo(out); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"example.com/a@v1.0.0", []string{"GO-2024-0001", "GO-2024-0002"}},
		{"example.com/a@v1.2.1", []string{"GO-2024-0002"}}, // reintroduced in 1.2.0
		{"example.com/a@v1.2.3", nil},
		{"example.com/b@v9.0.0", []string{"GO-2024-0002"}},
		{"example.com/c@v2.1.0", []string{"GO-2024-0003"}},
		{"example.com/unknown@v1.0.0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			cmd := exec.Command(goCmd, "tool", "govulncheck", "-mode=query", "-format=json", "-db", "file://"+filepath.ToSlash(out), tt.query)
			b, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v\n%s", err, stderrOf(err))
			}
			var got []string
			dec := json.NewDecoder(strings.NewReader(string(b)))
			for dec.More() {
				var msg struct {
					OSV *struct {
						ID string `json:"id"`
					} `json:"osv"`
				}
				if err := dec.Decode(&msg); err != nil {
					t.Fatal(err)
				}
				if msg.OSV != nil {
					got = append(got, msg.OSV.ID)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
