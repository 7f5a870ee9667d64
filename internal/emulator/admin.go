package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
)

// adminRoutes is the change and fault-injection API of SPEC.md
// ("Interfaces"), under /_emulator/{tenant}/ with tenant = domain or GUID.
// JSON in and out, no bearer, loopback clients only.
func (s *Server) adminRoutes() http.Handler {
	mux := http.NewServeMux()
	p := "/_emulator/{tenant}/"
	mux.HandleFunc("GET /_emulator/{tenant}", s.admin(s.adminSummary))
	mux.HandleFunc("POST "+p+"users", s.admin(s.adminCreateUser))
	mux.HandleFunc("PATCH "+p+"users/{id}", s.admin(s.adminPatchUser))
	mux.HandleFunc("DELETE "+p+"users/{id}", s.admin(s.adminDeleteUser))
	mux.HandleFunc("POST "+p+"users/{id}/restore", s.admin(s.adminRestoreUser))
	mux.HandleFunc("POST "+p+"groups", s.admin(s.adminCreateGroup))
	mux.HandleFunc("PATCH "+p+"groups/{id}", s.admin(s.adminPatchGroup))
	mux.HandleFunc("DELETE "+p+"groups/{id}", s.admin(s.adminDeleteGroup))
	mux.HandleFunc("POST "+p+"groups/{id}/restore", s.admin(s.adminRestoreGroup))
	mux.HandleFunc("POST "+p+"groups/{id}/members", s.admin(s.adminAddMember))
	mux.HandleFunc("DELETE "+p+"groups/{id}/members/{member}", s.admin(s.adminRemoveMember))
	mux.HandleFunc("POST "+p+"apps", s.admin(s.adminRegisterApp))
	mux.HandleFunc("POST "+p+"apps/{app}/secrets", s.admin(s.adminAddSecret))
	mux.HandleFunc("POST "+p+"apps/{app}/certificates", s.admin(s.adminAddCertificate))
	mux.HandleFunc("DELETE "+p+"apps/{app}/credentials/{key}", s.admin(s.adminRemoveCredential))
	mux.HandleFunc("PUT "+p+"apps/{app}/roles", s.admin(s.adminSetRoles))
	mux.HandleFunc("PUT "+p+"faults", s.admin(s.adminSetFaults))
	mux.HandleFunc("GET "+p+"faults", s.admin(s.adminGetFaults))
	mux.HandleFunc("DELETE "+p+"faults", s.admin(s.adminClearFaults))
	mux.HandleFunc("PUT "+p+"throttle", s.admin(s.adminSetThrottle))
	mux.HandleFunc("POST "+p+"delta/expire", s.admin(s.adminExpireDelta))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeAdminError(w, http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// adminError carries the HTTP status an admin call fails with.
type adminError struct {
	status int
	err    error
}

func (e *adminError) Error() string { return e.err.Error() }

func adminFail(status int, err error) error { return &adminError{status, err} }

type adminHandler func(w http.ResponseWriter, r *http.Request, t *tenant) error

// admin wraps a handler: loopback check, tenant lookup, error rendering.
func (s *Server) admin(h adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			s.writeAdminError(w, http.StatusForbidden, "the admin API answers loopback clients only")
			return
		}
		t := s.dir.lookup(r.PathValue("tenant"))
		if t == nil {
			s.writeAdminError(w, http.StatusNotFound, "unknown tenant "+r.PathValue("tenant"))
			return
		}
		if err := h(w, r, t); err != nil {
			status := http.StatusBadRequest
			var ae *adminError
			var ge *graphError
			switch {
			case errors.As(err, &ge): // a refusal Graph itself would give
				writeGraphError(w, newRequestID(), newRequestID(), s.now(), ge)
				return
			case errors.As(err, &ae):
				status = ae.status
			case errors.Is(err, errObjectNotFound):
				status = http.StatusNotFound
			}
			s.writeAdminError(w, status, err.Error())
		}
	}
}

// writeAdminError answers in Graph's error shape, as the admin API stands
// in for Graph's own write calls: the code follows the status.
func (s *Server) writeAdminError(w http.ResponseWriter, status int, message string) {
	code := map[int]string{
		http.StatusForbidden: "Authorization_RequestDenied",
		http.StatusNotFound:  "Request_ResourceNotFound",
	}[status]
	if code == "" {
		code = "Request_BadRequest"
	}
	writeGraphError(w, newRequestID(), newRequestID(), s.now(), &graphError{status, code, message})
}

func decodeBody(r *http.Request, into any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return adminFail(http.StatusBadRequest, err)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, into); err != nil {
		return adminFail(http.StatusBadRequest, err)
	}
	return nil
}

func pathID(r *http.Request, name string) (objectID, error) {
	id, err := parseObjectID(r.PathValue(name))
	if err != nil {
		return id, adminFail(http.StatusNotFound, err)
	}
	return id, nil
}

func (s *Server) adminSummary(w http.ResponseWriter, r *http.Request, t *tenant) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	apps := []string{}
	for _, a := range t.apps {
		apps = append(apps, a.appID.String())
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": t.id.String(), "domains": t.domains, "users": len(t.userIndex), "groups": len(t.groupIndex),
		"apps": apps, "change_seq": t.changes.seq(),
	})
	return nil
}

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request, t *tenant) error {
	var attrs map[string]json.RawMessage
	if err := decodeBody(r, &attrs); err != nil {
		return err
	}
	u, err := t.createUser(attrs, s.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": u.id.String()})
	return nil
}

func (s *Server) adminPatchUser(w http.ResponseWriter, r *http.Request, t *tenant) error {
	return s.patchObject(w, r, t.patchUser)
}

func (s *Server) adminPatchGroup(w http.ResponseWriter, r *http.Request, t *tenant) error {
	return s.patchObject(w, r, t.patchGroup)
}

func (s *Server) patchObject(w http.ResponseWriter, r *http.Request, patch func(objectID, map[string]json.RawMessage) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var attrs map[string]json.RawMessage
	if err := decodeBody(r, &attrs); err != nil {
		return err
	}
	if err := patch(id, attrs); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// adminDeleteUser soft-deletes; ?permanent=true purges.
func (s *Server) adminDeleteUser(w http.ResponseWriter, r *http.Request, t *tenant) error {
	return s.deleteObject(w, r, t, kindUser)
}

func (s *Server) adminDeleteGroup(w http.ResponseWriter, r *http.Request, t *tenant) error {
	return s.deleteObject(w, r, t, kindGroup)
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request, t *tenant, kind objectKind) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := t.deleteObject(kind, id, r.URL.Query().Get("permanent") == "true", s.now()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) adminRestoreUser(w http.ResponseWriter, r *http.Request, t *tenant) error {
	return s.restoreObject(w, r, t, kindUser)
}

func (s *Server) adminRestoreGroup(w http.ResponseWriter, r *http.Request, t *tenant) error {
	return s.restoreObject(w, r, t, kindGroup)
}

func (s *Server) restoreObject(w http.ResponseWriter, r *http.Request, t *tenant, kind objectKind) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := t.restoreObject(kind, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) adminCreateGroup(w http.ResponseWriter, r *http.Request, t *tenant) error {
	var attrs map[string]json.RawMessage
	if err := decodeBody(r, &attrs); err != nil {
		return err
	}
	g, err := t.createGroup(attrs, s.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": g.id.String()})
	return nil
}

func (s *Server) adminAddMember(w http.ResponseWriter, r *http.Request, t *tenant) error {
	groupID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		ID string `json:"id"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	memberID, err := parseObjectID(body.ID)
	if err != nil {
		return adminFail(http.StatusBadRequest, err)
	}
	if err := t.addMember(groupID, memberID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) adminRemoveMember(w http.ResponseWriter, r *http.Request, t *tenant) error {
	groupID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	memberID, err := pathID(r, "member")
	if err != nil {
		return err
	}
	if err := t.removeMember(groupID, memberID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
