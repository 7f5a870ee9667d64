package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/connect/connect/internal/emulator/emulatortest"
)

// answer is one HTTP answer decoded for assertions.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// get calls Graph (a path below the server or an absolute link) with the
// bearer token and extra header pairs.
func get(t *testing.T, srv *emulatortest.Server, token, target string, headers ...string) answer {
	t.Helper()
	if !strings.HasPrefix(target, "https://") {
		target = srv.URL + target
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return readAnswer(t, resp)
}

func postForm(t *testing.T, srv *emulatortest.Server, path string, form url.Values) answer {
	t.Helper()
	resp, err := srv.Client.PostForm(srv.URL+path, form)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	return readAnswer(t, resp)
}

func readAnswer(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, raw)
		}
	}
	return a
}

// graphErrorCode is error.code of a Graph error body, checking its shape.
func graphErrorCode(t *testing.T, a answer) (code, message string) {
	t.Helper()
	e, ok := a.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no Graph error object in %s", a.raw)
	}
	inner, ok := e["innerError"].(map[string]any)
	if !ok || inner["request-id"] == "" || inner["date"] == nil || inner["client-request-id"] == nil {
		t.Fatalf("Graph error without innerError date/request-id/client-request-id: %s", a.raw)
	}
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	return code, message
}

func values(t *testing.T, a answer) []map[string]any {
	t.Helper()
	list, ok := a.body["value"].([]any)
	if !ok {
		t.Fatalf("no value array in %s", a.raw)
	}
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		out = append(out, v.(map[string]any))
	}
	return out
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}
