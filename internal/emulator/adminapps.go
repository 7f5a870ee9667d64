package emulator

import (
	"encoding/base64"
	"errors"
	"net/http"
	"time"
)

// adminRegisterApp registers another app: {"displayName","graph":[roles]}
// → 201 {"appId","secret","keyId"}.
func (s *Server) adminRegisterApp(w http.ResponseWriter, r *http.Request, t *tenant) error {
	var body struct {
		DisplayName string   `json:"displayName"`
		Graph       []string `json:"graph"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.DisplayName == "" {
		body.DisplayName = "Emulated app"
	}
	roles, err := roleNames(body.Graph, graphRoleIDs)
	if err != nil {
		return err
	}
	app := t.registerApp(body.DisplayName, roles, s.now())
	writeJSON(w, http.StatusCreated, map[string]string{
		"appId": app.appID.String(), "secret": app.passwords[0].value, "keyId": app.passwords[0].keyID.String(),
	})
	return nil
}

// adminAddSecret: {"displayName","endDateTime"} (endDateTime in the past
// makes an expired secret) → 201 {"value","keyId","hint","endDateTime"}.
func (s *Server) adminAddSecret(w http.ResponseWriter, r *http.Request, t *tenant) error {
	var body struct {
		DisplayName string    `json:"displayName"`
		EndDateTime time.Time `json:"endDateTime"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	p, err := t.addSecret(r.PathValue("app"), body.DisplayName, body.EndDateTime, s.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{
		"value": p.value, "keyId": p.keyID.String(), "hint": p.hint(), "endDateTime": p.end.Format(time.RFC3339),
	})
	return nil
}

// adminAddCertificate: {"pem"} or a manifest keyCredentials entry
// {"value","keyId","customKeyIdentifier"}, with optional "displayName" and
// "endDateTime" → 201 {"keyId","customKeyIdentifier","endDateTime"}.
func (s *Server) adminAddCertificate(w http.ResponseWriter, r *http.Request, t *tenant) error {
	var body certificateUpload
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	k, err := t.addCertificate(r.PathValue("app"), body)
	if err != nil {
		if errors.Is(err, errObjectNotFound) {
			return err
		}
		return adminFail(http.StatusBadRequest, err)
	}
	writeJSON(w, http.StatusCreated, map[string]string{
		"keyId": k.keyID.String(), "customKeyIdentifier": base64.StdEncoding.EncodeToString(k.thumbprintSHA1()),
		"endDateTime": k.end.Format(time.RFC3339),
	})
	return nil
}

func (s *Server) adminRemoveCredential(w http.ResponseWriter, r *http.Request, t *tenant) error {
	if err := t.removeCredential(r.PathValue("app"), r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// adminSetRoles: {"graph":[…],"exchange":[…]}, names or role GUIDs.
func (s *Server) adminSetRoles(w http.ResponseWriter, r *http.Request, t *tenant) error {
	var body struct {
		Graph    []string `json:"graph"`
		Exchange []string `json:"exchange"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if err := t.setRoles(r.PathValue("app"), body.Graph, body.Exchange); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) adminSetFaults(w http.ResponseWriter, r *http.Request, _ *tenant) error {
	var body faultSettings
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	f, err := parseFault(body)
	if err != nil {
		return adminFail(http.StatusBadRequest, err)
	}
	s.faults.set(f)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// adminGetFaults shows the active fault (null when none) and the faults
// injected so far: {"active":{…},"injected":{"by_kind":{"429":3},"total":3}}.
func (s *Server) adminGetFaults(w http.ResponseWriter, _ *http.Request, _ *tenant) error {
	active, counts := s.faults.state()
	writeJSON(w, http.StatusOK, map[string]any{"active": active, "injected": counts})
	return nil
}

func (s *Server) adminClearFaults(w http.ResponseWriter, _ *http.Request, _ *tenant) error {
	s.faults.set(nil)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// adminSetThrottle: {"units_per_10s":N}; 0 or negative turns it off.
func (s *Server) adminSetThrottle(w http.ResponseWriter, r *http.Request, _ *tenant) error {
	var body struct {
		Units int `json:"units_per_10s"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	s.throttle.setCapacity(body.Units)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// adminExpireDelta invalidates every delta and skip token of the tenant, as
// if Graph had dropped its sync state: the next call is syncStateNotFound.
func (s *Server) adminExpireDelta(w http.ResponseWriter, _ *http.Request, t *tenant) error {
	t.mu.Lock()
	t.changes.epoch++
	t.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}
