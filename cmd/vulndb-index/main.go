// Command vulndb-index turns a directory of OSV entries — the data/osv
// directory of the golang.org/x/vulndb module, which the Go module proxy
// serves — into a vulnerability database in the "v1" layout that
// govulncheck reads with -db file:///path
// (https://go.dev/security/vuln/database#api):
//
//	index/db.json       {"modified": time of the newest entry}
//	index/modules.json  each module, its vulnerabilities and the version fixing each
//	index/vulns.json    each vulnerability's id, modified time and aliases
//	ID/<id>.json        the entries, byte for byte
//
// govulncheck reads plain .json from a file:// database, so no .gz
// variants are written.
//
// The entries in x/vulndb carry a zero "modified" time (the real database
// takes it from git history); -modified stands in for zero times, and the
// Makefile passes the module version's commit time.
//
// The database is built in a temporary directory beside -out and renamed
// into place, so an interrupted run never leaves a partial database.
//
// Usage:
//
//	vulndb-index -src DIR -out DIR [-modified 2006-01-02T15:04:05Z]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	src := flag.String("src", "", "directory of OSV entries named <id>.json")
	out := flag.String("out", "", "directory to write the database to (replaced if it exists)")
	modified := flag.String("modified", "", "RFC 3339 time to use for entries whose modified time is zero")
	flag.Parse()
	if *src == "" || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	var fallback time.Time
	if *modified != "" {
		t, err := time.Parse(time.RFC3339, *modified)
		if err != nil {
			fmt.Fprintln(os.Stderr, "vulndb-index: -modified:", err)
			os.Exit(2)
		}
		fallback = t.UTC()
	}
	db, err := load(*src, fallback)
	if err == nil {
		err = db.writeTo(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb-index:", err)
		os.Exit(1)
	}
	fmt.Printf("vulndb-index: %d entries, %d modules -> %s\n", len(db.vulns), len(db.modules), *out)
}

// entry is the part of an OSV entry the index needs.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced"`
		Fixed      string `json:"fixed"`
	} `json:"events"`
}

// The index files' records.
type (
	dbMeta struct {
		Modified time.Time `json:"modified"`
	}
	module struct {
		Path  string       `json:"path"`
		Vulns []moduleVuln `json:"vulns"`
	}
	moduleVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		// Fixed is a version at and after which the entry no longer
		// affects the module; empty when there is none. govulncheck skips
		// the entry for modules at or above it without reading it.
		Fixed string `json:"fixed,omitempty"`
	}
	vuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Aliases  []string  `json:"aliases,omitempty"`
	}
)

type database struct {
	meta    dbMeta
	modules []module // by path, each module's vulns by ID
	vulns   []vuln   // by ID
	raw     map[string][]byte
}

// load reads every <id>.json in src (not its subdirectories) and builds
// the indexes. fallback replaces zero modified times.
func load(src string, fallback time.Time) (*database, error) {
	files, err := os.ReadDir(src)
	if err != nil {
		return nil, err
	}
	db := &database{raw: map[string][]byte{}}
	byPath := map[string]*module{}
	for _, f := range files {
		name := f.Name()
		if f.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return nil, err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if e.ID == "" || name != e.ID+".json" || strings.ContainsAny(e.ID, `/\`) {
			return nil, fmt.Errorf("%s: an entry's file must be named <id>.json; its id is %q", name, e.ID)
		}
		if e.Modified.IsZero() {
			e.Modified = fallback
		}
		e.Modified = e.Modified.UTC()
		db.raw[e.ID] = b
		db.vulns = append(db.vulns, vuln{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		if e.Modified.After(db.meta.Modified) {
			db.meta.Modified = e.Modified
		}
		// One record per module and entry, even when several "affected"
		// blocks name the module: the entry is skipped only when every
		// block is fixed, at the highest of their fixes.
		fixes := map[string][]string{}
		var order []string
		for _, a := range e.Affected {
			p := a.Package.Name
			if p == "" {
				return nil, fmt.Errorf("%s: an affected block names no module", name)
			}
			if _, ok := fixes[p]; !ok {
				order = append(order, p)
			}
			fixes[p] = append(fixes[p], fixedVersion(a.Ranges))
		}
		for _, p := range order {
			m := byPath[p]
			if m == nil {
				m = &module{Path: p}
				byPath[p] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified, Fixed: highest(fixes[p])})
		}
	}
	if len(db.vulns) == 0 {
		return nil, fmt.Errorf("%s holds no OSV entries", src)
	}
	// ReadDir returns names sorted, so db.vulns is sorted by ID.
	for _, m := range byPath {
		db.modules = append(db.modules, *m)
	}
	slices.SortFunc(db.modules, func(a, b module) int { return strings.Compare(a.Path, b.Path) })
	return db, nil
}

// fixedVersion returns the version from which ranges no longer affect
// the module: the highest "fixed" of the SEMVER ranges, or "" when there
// is none, when the entry is (re)introduced above it, or when a version
// cannot be compared. An empty result only costs govulncheck a read of
// the entry, so doubt resolves to "".
func fixedVersion(ranges []osvRange) string {
	var fixed string
	var introduced []string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, ev := range r.Events {
			if ev.Fixed != "" {
				c, ok := compareSemver(fixed, ev.Fixed)
				if !ok {
					return ""
				}
				if c < 0 {
					fixed = ev.Fixed
				}
			}
			if ev.Introduced != "" && ev.Introduced != "0" {
				introduced = append(introduced, ev.Introduced)
			}
		}
	}
	if fixed == "" {
		return ""
	}
	for _, in := range introduced {
		if c, ok := compareSemver(in, fixed); !ok || c >= 0 {
			return ""
		}
	}
	return fixed
}

// highest returns the highest of versions, or "" if any is "" (unfixed)
// or they cannot be compared.
func highest(versions []string) string {
	best := versions[0]
	for _, v := range versions[1:] {
		if v == "" || best == "" {
			return ""
		}
		c, ok := compareSemver(best, v)
		if !ok {
			return ""
		}
		if c < 0 {
			best = v
		}
	}
	return best
}

// writeTo writes the database to out, replacing whatever is there, by way
// of a temporary directory beside it.
func (db *database) writeTo(out string) (err error) {
	out = filepath.Clean(out)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), filepath.Base(out)+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, dir := range []string{"index", "ID"} {
		if err := os.Mkdir(filepath.Join(tmp, dir), 0o755); err != nil {
			return err
		}
	}
	for id, b := range db.raw {
		if err := os.WriteFile(filepath.Join(tmp, "ID", id+".json"), b, 0o644); err != nil {
			return err
		}
	}
	modules := db.modules
	if modules == nil {
		modules = []module{}
	}
	for name, v := range map[string]any{"db.json": db.meta, "modules.json": modules, "vulns.json": db.vulns} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, "index", name), b, 0o644); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// compareSemver compares two semantic versions without a leading "v", as
// OSV writes them (1.2.3, 1.2.3-rc.1, 0.0.0-20200124225646-8b5121be2f68),
// reporting false if either is not one. The empty string sorts before
// every version.
func compareSemver(a, b string) (int, bool) {
	pa, oka := parseSemver(a)
	pb, okb := parseSemver(b)
	if (!oka && a != "") || (!okb && b != "") {
		return 0, false
	}
	if a == "" || b == "" {
		return compareInt(len(a), len(b)), true
	}
	for i := range 3 {
		if c := compareNumeric(pa.core[i], pb.core[i]); c != 0 {
			return c, true
		}
	}
	switch {
	case pa.pre == nil && pb.pre == nil:
		return 0, true
	case pa.pre == nil:
		return 1, true
	case pb.pre == nil:
		return -1, true
	}
	for i := 0; i < len(pa.pre) && i < len(pb.pre); i++ {
		x, y := pa.pre[i], pb.pre[i]
		nx, ny := isNumeric(x), isNumeric(y)
		var c int
		switch {
		case nx && ny:
			c = compareNumeric(x, y)
		case nx:
			c = -1
		case ny:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c, true
		}
	}
	return compareInt(len(pa.pre), len(pb.pre)), true
}

type semver struct {
	core [3]string
	pre  []string // nil for a release
}

func parseSemver(v string) (semver, bool) {
	var s semver
	if i := strings.IndexByte(v, '+'); i >= 0 {
		v = v[:i]
	}
	core := v
	if i := strings.IndexByte(v, '-'); i >= 0 {
		core = v[:i]
		s.pre = strings.Split(v[i+1:], ".")
		for _, id := range s.pre {
			if id == "" || strings.Trim(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != "" {
				return s, false
			}
		}
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return s, false
	}
	for i, p := range parts {
		if !isNumeric(p) || (len(p) > 1 && p[0] == '0') {
			return s, false
		}
		s.core[i] = p
	}
	return s, true
}

func isNumeric(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// compareNumeric compares decimal strings of any length.
func compareNumeric(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if c := compareInt(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
