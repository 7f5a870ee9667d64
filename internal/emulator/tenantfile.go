package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// tenantFile is the JSON of --tenant-file. Users and groups use Graph's
// property names; "members" lists member ids (users or groups). With
// "generate" the tenant is generated first and the lists are added to it.
//
//	{"name":"contoso","id":"…","displayName":"Contoso",
//	 "domains":["contoso.onmicrosoft.com","contoso.com"],
//	 "generate":{"users":100,"groups":10,"seed":1},
//	 "apps":[{"appId":"…","displayName":"…",
//	          "secrets":[{"value":"…","keyId":"…","endDateTime":"…"}],
//	          "certificates":[{"pem":"…"}],
//	          "roles":{"graph":["Directory.Read.All"],"exchange":[]}}],
//	 "users":[{"id":"…","displayName":"…","userPrincipalName":"…"}],
//	 "groups":[{"id":"…","displayName":"…","members":["…"]}]}
type tenantFile struct {
	Name        string `json:"name"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Domains     []string
	Generate    *struct {
		Users  int    `json:"users"`
		Groups int    `json:"groups"`
		Seed   uint64 `json:"seed"`
	} `json:"generate"`
	Apps   []tenantFileApp              `json:"apps"`
	Users  []map[string]json.RawMessage `json:"users"`
	Groups []map[string]json.RawMessage `json:"groups"`
}

type tenantFileApp struct {
	AppID       string `json:"appId"`
	DisplayName string `json:"displayName"`
	Secrets     []struct {
		Value       string    `json:"value"`
		KeyID       string    `json:"keyId"`
		EndDateTime time.Time `json:"endDateTime"`
	} `json:"secrets"`
	Certificates []certificateUpload `json:"certificates"`
	Roles        struct {
		Graph    []string `json:"graph"`
		Exchange []string `json:"exchange"`
	} `json:"roles"`
}

func loadTenantFile(data []byte, now time.Time) (*tenant, error) {
	var f tenantFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read tenant file: %w", err)
	}
	if f.Name == "" && len(f.Domains) > 0 {
		f.Name, _, _ = strings.Cut(f.Domains[0], ".")
	}
	if f.Name == "" {
		f.Name = "contoso"
	}
	spec := generateSpec{name: f.Name, now: now}
	if f.Generate != nil {
		if err := checkCounts("tenant file: generate.", f.Generate.Users, f.Generate.Groups); err != nil {
			return nil, err
		}
		spec.users, spec.groups, spec.seed = f.Generate.Users, f.Generate.Groups, f.Generate.Seed
	}
	t := generateTenant(spec)
	if f.Generate == nil {
		t.apps = nil
	}
	if err := f.applyIdentity(t); err != nil {
		return nil, err
	}
	for _, a := range f.Apps {
		if err := addFileApp(t, a, now); err != nil {
			return nil, err
		}
	}
	if err := f.addObjects(t, now); err != nil {
		return nil, err
	}
	t.changes = changeLog{} // the file is the starting state, not a change
	return t, nil
}

func (f *tenantFile) applyIdentity(t *tenant) error {
	if f.ID != "" {
		id, err := parseObjectID(f.ID)
		if err != nil {
			return fmt.Errorf("tenant file id: %w", err)
		}
		t.id = id
	}
	if f.DisplayName != "" {
		t.displayName = f.DisplayName
	}
	if len(f.Domains) > 0 {
		if !strings.HasSuffix(strings.ToLower(f.Domains[0]), ".onmicrosoft.com") {
			return errors.New("tenant file: the first domain must be the *.onmicrosoft.com one")
		}
		t.domains = f.Domains
	}
	return nil
}

func addFileApp(t *tenant, a tenantFileApp, now time.Time) error {
	app := t.registerApp(a.DisplayName, nil, now)
	app.passwords = nil
	if a.AppID != "" {
		id, err := parseObjectID(a.AppID)
		if err != nil {
			return fmt.Errorf("tenant file app id: %w", err)
		}
		app.appID = id
	}
	for _, s := range a.Secrets {
		if _, err := t.addSecret(app.appID.String(), "", s.EndDateTime, now); err != nil {
			return fmt.Errorf("tenant file secret: %w", err)
		}
		var err error
		last := &app.passwords[len(app.passwords)-1]
		if s.Value != "" {
			last.value = s.Value
		}
		if s.KeyID != "" {
			if last.keyID, err = parseObjectID(s.KeyID); err != nil {
				return fmt.Errorf("tenant file secret keyId: %w", err)
			}
		}
	}
	for _, c := range a.Certificates {
		if _, err := t.addCertificate(app.appID.String(), c); err != nil {
			return fmt.Errorf("tenant file certificate: %w", err)
		}
	}
	if err := t.setRoles(app.appID.String(), a.Roles.Graph, a.Roles.Exchange); err != nil {
		return fmt.Errorf("tenant file roles: %w", err)
	}
	return nil
}

// addObjects creates the users, then the groups, then the memberships, so
// members may name objects listed later.
func (f *tenantFile) addObjects(t *tenant, now time.Time) error {
	for _, attrs := range f.Users {
		if _, err := t.createUser(attrs, now); err != nil {
			return fmt.Errorf("tenant file: %w", err)
		}
	}
	memberLists := map[objectID][]string{}
	for _, attrs := range f.Groups {
		g, err := t.createGroup(attrs, now)
		if err != nil {
			return fmt.Errorf("tenant file: %w", err)
		}
		if raw, ok := attrs["members"]; ok {
			var ids []string
			if err := json.Unmarshal(raw, &ids); err != nil {
				return fmt.Errorf("tenant file group %s members: %w", g.displayName, err)
			}
			memberLists[g.id] = ids
		}
	}
	for groupID, ids := range memberLists {
		for _, s := range ids {
			memberID, err := parseObjectID(s)
			if err != nil {
				return fmt.Errorf("tenant file member: %w", err)
			}
			if err := t.addMember(groupID, memberID); err != nil {
				return fmt.Errorf("tenant file member %s: %w", s, err)
			}
		}
	}
	return nil
}
