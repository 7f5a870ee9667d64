package emulator

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// graphCall is one Graph request after authentication: the tenant from the
// token's tid, the app and its roles, and the request's $-options.
type graphCall struct {
	s               *Server
	w               http.ResponseWriter
	r               *http.Request
	t               *tenant
	appID           string
	roles           []string
	requestID       string
	clientRequestID string
	now             time.Time
	segments        []string
	options         map[string]string // $-options by lower-cased name
}

// graphRoute is one Graph endpoint: its path shape ("{id}" matches any
// segment), the $-options it accepts, its cost in resource units, and the
// roles of which any one grants access.
type graphRoute struct {
	path    []string
	options []string
	cost    int
	roles   []string
	serve   func(c *graphCall) *graphError
}

var (
	usersRoles        = []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	groupsRoles       = []string{"GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	applicationsRoles = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	organizationRoles = []string{"Organization.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	listOptions       = []string{"$select", "$top", "$count", "$skiptoken", "$filter"}
	memberOptions     = []string{"$select", "$top", "$count", "$skiptoken"}
	deltaOptions      = []string{"$select", "$skiptoken", "$deltatoken"}
	appOptions        = []string{"$select", "$top", "$filter"}
)

func graphRoutes() []graphRoute {
	return []graphRoute{
		{[]string{"organization"}, []string{"$select"}, 1, organizationRoles, (*graphCall).organization},
		{[]string{"users"}, listOptions, 2, usersRoles, (*graphCall).listUsers},
		{[]string{"users", "$count"}, []string{"$filter"}, 1, usersRoles, (*graphCall).countUsers},
		{[]string{"users", "delta"}, deltaOptions, 5, usersRoles, (*graphCall).usersDelta},
		{[]string{"users", "{id}"}, []string{"$select"}, 1, usersRoles, (*graphCall).getUser},
		{[]string{"groups"}, listOptions, 2, groupsRoles, (*graphCall).listGroups},
		{[]string{"groups", "$count"}, []string{"$filter"}, 1, groupsRoles, (*graphCall).countGroups},
		{[]string{"groups", "delta"}, deltaOptions, 5, groupsRoles, (*graphCall).groupsDelta},
		{[]string{"groups", "{id}"}, []string{"$select"}, 1, groupsRoles, (*graphCall).getGroup},
		{[]string{"groups", "{id}", "members"}, memberOptions, 3, groupsRoles, (*graphCall).listMembers},
		{[]string{"groups", "{id}", "transitiveMembers"}, memberOptions, 5, groupsRoles, (*graphCall).listTransitiveMembers},
		{[]string{"applications"}, appOptions, 2, applicationsRoles, (*graphCall).listApplications},
	}
}

func (r graphRoute) match(segments []string) bool {
	if len(r.path) != len(segments) {
		return false
	}
	for i, p := range r.path {
		if p != "{id}" && !strings.EqualFold(p, segments[i]) {
			return false
		}
	}
	return true
}

func (s *Server) graphRoutes() http.Handler {
	routes := graphRoutes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &graphCall{s: s, w: w, r: r, now: s.now(), requestID: newRequestID(), clientRequestID: r.Header.Get("client-request-id")}
		if c.clientRequestID == "" {
			c.clientRequestID = c.requestID
		}
		w.Header().Set("request-id", c.requestID)
		w.Header().Set("client-request-id", c.clientRequestID)
		w.Header().Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"EMU01"}}`)
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		defer c.recoverAsGraphError()
		if gerr := c.serve(routes); gerr != nil {
			c.fail(gerr)
		}
	})
}

// recoverAsGraphError turns an emulator bug into Graph's 500 JSON rather
// than a dropped connection, so a client test sees an answer it can show.
// The deliberate abort of the "reset" fault passes through.
func (c *graphCall) recoverAsGraphError() {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	c.s.opts.Logger.Error("graph handler panicked", "path", c.r.URL.Path, "panic", v)
	c.fail(&graphError{http.StatusInternalServerError, "generalException", "An internal server error occurred in the emulator."})
}

func (c *graphCall) serve(routes []graphRoute) *graphError {
	if gerr := c.authenticate(); gerr != nil {
		return gerr
	}
	c.segments = strings.Split(strings.Trim(strings.TrimPrefix(c.r.URL.Path, "/v1.0"), "/"), "/")
	var route *graphRoute
	for i := range routes {
		if routes[i].match(c.segments) {
			route = &routes[i]
			break
		}
	}
	if route == nil {
		return errSegmentNotFound(c.segments[len(c.segments)-1])
	}
	if c.r.Method != http.MethodGet {
		return &graphError{http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."}
	}
	if gerr := c.parseOptions(route.options); gerr != nil {
		return gerr
	}
	if !c.hasAnyRole(route.roles) {
		return errInsufficientPrivileges()
	}
	if c.s.faults.apply(c) {
		return nil
	}
	if gerr := c.s.throttle.take(c, route.cost); gerr != nil {
		return gerr
	}
	return route.serve(c)
}

// parseOptions collects $-options case-insensitively; an option the
// endpoint does not support is a 400 as Graph answers it, and so is an
// option given twice ($top=5&$TOP=999): Graph's OData parser refuses it
// rather than picking one.
func (c *graphCall) parseOptions(allowed []string) *graphError {
	c.options = map[string]string{}
	query := c.r.URL.Query()
	for _, key := range slices.Sorted(maps.Keys(query)) {
		if !strings.HasPrefix(key, "$") {
			continue
		}
		name := strings.ToLower(key)
		if !slices.Contains(allowed, name) {
			return badRequest("Request_UnsupportedQuery", "Unsupported Query: the query option '"+key+"' is not supported on this endpoint.")
		}
		if _, seen := c.options[name]; seen || len(query[key]) > 1 {
			return badRequest("Request_BadRequest", "Query option '"+name+"' was specified more than once, but it must be specified at most once.")
		}
		c.options[name] = query[key][0]
	}
	return nil
}

func (c *graphCall) hasAnyRole(roles []string) bool {
	for _, have := range c.roles {
		if slices.Contains(roles, have) {
			return true
		}
	}
	return false
}

func (c *graphCall) fail(e *graphError) {
	writeGraphError(c.w, c.requestID, c.clientRequestID, c.now, e)
}

// authenticate checks the bearer token: RS256 by the emulator's key,
// audience Graph, within nbf/exp, and a tenant the emulator knows.
func (c *graphCall) authenticate() *graphError {
	header := c.r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		return errTokenInvalid("Access token is empty.")
	}
	parts, err := splitJWT(strings.TrimSpace(raw))
	if err != nil {
		return errTokenInvalid("IDX14100: JWT is not well formed, there are no dots (.).")
	}
	if verifyRS256(&c.s.signingKey.PublicKey, parts) != nil {
		return errTokenInvalid("Access token validation failure. Invalid signature.")
	}
	if aud := parts.stringClaim("aud"); aud != graphAudience && aud != graphAppID {
		return errTokenInvalid("Access token validation failure. Invalid audience.")
	}
	exp, okExp := parts.timeClaim("exp")
	nbf, okNbf := parts.timeClaim("nbf")
	if !okExp || !c.now.Before(exp) || okNbf && c.now.Before(nbf) {
		return errTokenInvalid("Access token has expired or is not yet valid.")
	}
	c.t = c.s.dir.lookup(parts.stringClaim("tid"))
	if c.t == nil {
		return errTokenInvalid("Access token validation failure. Invalid tenant.")
	}
	c.appID = parts.stringClaim("appid")
	if roles, ok := parts.claims["roles"].([]any); ok {
		for _, role := range roles {
			if name, ok := role.(string); ok {
				c.roles = append(c.roles, name)
			}
		}
	}
	return nil
}

func (c *graphCall) writeOK(body any) *graphError {
	c.w.Header().Set("OData-Version", "4.0")
	// Graph's exact media type: a client must not compare it to "application/json".
	c.w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	writeJSON(c.w, http.StatusOK, body)
	return nil
}
