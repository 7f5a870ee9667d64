// Package static embeds the stylesheet, scripts and images, and serves them
// under content-hashed URLs so browsers may cache them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed *.css *.js *.svg
var files embed.FS

// Assets knows every file's hash, computed once at start-up.
type Assets struct {
	hashes map[string]string
}

// New reads the embedded files and hashes them.
func New() (*Assets, error) {
	a := &Assets{hashes: map[string]string{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// URL is the cache-busting address of a file, e.g. /static/app.css?v=ab12cd.
func (a *Assets) URL(name string) string {
	return "/static/" + name + "?v=" + a.hashes[name]
}

// Handler serves /static/*: immutable for a year when the URL carries the
// current hash, otherwise revalidated, so a stale link never pins old code.
func (a *Assets) Handler() http.Handler {
	fileServer := http.FileServerFS(files)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean(strings.TrimPrefix(r.URL.Path, "/"))
		h, ok := a.hashes[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == h {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		fileServer.ServeHTTP(w, r)
	}))
}
