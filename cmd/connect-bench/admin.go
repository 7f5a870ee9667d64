package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// admin calls the emulator's change API (/_emulator/{tenant}/…).
type admin struct {
	hc   *http.Client
	base string
}

func newAdmin(hc *http.Client, c credentials) admin {
	return admin{hc: hc, base: strings.TrimRight(c.GraphURL, "/") + "/_emulator/" + c.TenantID + "/"}
}

func (a admin) call(ctx context.Context, method, path string, body any) ([]byte, error) {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	return data, nil
}
