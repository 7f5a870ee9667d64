package emulator

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// generateSpec describes a generated tenant; the same spec and seed give the
// same tenant, ids and secret included.
type generateSpec struct {
	name   string // first label of the domains, e.g. "contoso"
	users  int
	groups int
	seed   uint64
	now    time.Time
}

// generateTenant builds a realistic tenant: members and guests, ~3 %
// disabled accounts, security, mail-enabled and Microsoft 365 groups, a few
// groups with thousands of members and some nesting. About ten memberships
// per user, so 100,000 users come with ~1,000,000 memberships.
func generateTenant(spec generateSpec) *tenant {
	rng := rand.New(rand.NewPCG(spec.seed, 0x636f6e6e656374))
	name := strings.ToLower(spec.name)
	t := newTenant(newObjectID(rng), titleCase(name), []string{name + ".onmicrosoft.com", name + ".com"})
	t.users = make(map[objectID]*user, spec.users)
	t.userIndex = make([]objectID, 0, spec.users)
	g := &generator{rng: rng, t: t, company: titleCase(name) + " Ltd", created: t.created.Unix(), upnTaken: map[string]int{}}
	for i := range spec.users {
		u := g.user(i)
		t.users[u.id] = u
		t.userIndex = append(t.userIndex, u.id)
	}
	slices.SortFunc(t.userIndex, compareIDs)
	g.groups(spec.groups)
	t.apps = append(t.apps, generateApp(rng, "Connect Directory Sync", spec.now))
	return t
}

type generator struct {
	rng      *rand.Rand
	t        *tenant
	company  string
	created  int64
	upnTaken map[string]int
}

func (g *generator) user(i int) *user {
	given := givenNames[g.rng.IntN(len(givenNames))]
	surname := surnames[g.rng.IntN(len(surnames))]
	office := offices[g.rng.IntN(len(offices))]
	u := &user{
		id:                newObjectID(g.rng),
		displayName:       given + " " + surname,
		givenName:         given,
		surname:           surname,
		preferredLanguage: office.language,
		usageLocation:     office.usage,
		city:              office.city,
		country:           office.country,
		userType:          "Member",
		accountEnabled:    g.rng.IntN(100) >= 3,
		created:           g.created + int64(i)*97,
	}
	local := g.uniqueLocal(mailLocal(given) + "." + mailLocal(surname))
	if g.rng.IntN(50) == 0 {
		guestDomain := guestDomains[g.rng.IntN(len(guestDomains))]
		u.userType = "Guest"
		u.mail = local + "@" + guestDomain
		u.userPrincipalName = local + "_" + guestDomain + "#EXT#@" + g.t.primaryDomain()
		u.mailNickname = local + "_" + guestDomain + "#EXT#"
		u.proxyAddresses = []string{"SMTP:" + u.mail}
		return u
	}
	verified := g.t.domains[1]
	u.userPrincipalName = local + "@" + verified
	u.mail = u.userPrincipalName
	u.mailNickname = local
	u.proxyAddresses = []string{"SMTP:" + u.mail, "smtp:" + local + "@" + g.t.primaryDomain()}
	if g.rng.IntN(4) == 0 {
		u.proxyAddresses = append(u.proxyAddresses, "smtp:"+strings.ToLower(given[:1])+mailLocal(surname)+strconv.Itoa(i)+"@"+verified)
	}
	u.jobTitle = jobTitles[g.rng.IntN(len(jobTitles))]
	u.department = departments[g.rng.IntN(len(departments))]
	u.officeLocation = office.name
	u.companyName = g.company
	u.employeeID = "E" + strconv.Itoa(100000+i)
	u.businessPhones = []string{office.phone + strconv.Itoa(1000+g.rng.IntN(9000))}
	if g.rng.IntN(3) > 0 {
		u.mobilePhone = office.phone + strconv.Itoa(1000+g.rng.IntN(9000))
	}
	return u
}

// uniqueLocal numbers repeated name pairs (jane.smith, jane.smith2…) as
// administrators usually do.
func (g *generator) uniqueLocal(local string) string {
	n := g.upnTaken[local] + 1
	g.upnTaken[local] = n
	if n == 1 {
		return local
	}
	return local + strconv.Itoa(n)
}

func (g *generator) groups(count int) {
	users := g.t.userIndex
	avg := 1
	if count > 0 {
		avg = max(1, 10*len(users)/count)
	}
	large := max(1, count/1000)
	g.t.groups = make(map[objectID]*group, count)
	made := make([]*group, 0, count)
	for i := range count {
		gr := g.group(i)
		size := 2 + g.rng.IntN(2*avg)
		if i < large {
			size = 2000 + g.rng.IntN(3000)
		}
		gr.members = g.pickUsers(users, min(size, len(users)))
		made = append(made, gr)
	}
	// Nesting: a tenth of the groups contain one or two groups made after
	// them, so the nesting is acyclic and mostly a tree.
	for i, parent := range made {
		if i+1 >= len(made) || g.rng.IntN(10) != 0 {
			continue
		}
		for range 1 + g.rng.IntN(2) {
			child := made[i+1+g.rng.IntN(len(made)-i-1)]
			parent.members = insertMember(parent.members, memberRef{id: child.id, kind: kindGroup})
		}
	}
	for _, gr := range made {
		g.t.groups[gr.id] = gr
		g.t.groupIndex = append(g.t.groupIndex, gr.id)
	}
	slices.SortFunc(g.t.groupIndex, compareIDs)
}

func (g *generator) group(i int) *group {
	subject := groupSubjects[g.rng.IntN(len(groupSubjects))]
	gr := &group{id: newObjectID(g.rng), created: g.created + int64(i)*131, visibility: "Private"}
	nick := ""
	switch kind := g.rng.IntN(10); {
	case kind < 5: // security group
		gr.displayName = departments[g.rng.IntN(len(departments))] + " " + subject + " " + strconv.Itoa(i)
		gr.securityEnabled = true
		gr.description = "Security group for " + gr.displayName
		gr.visibility = ""
		nick = "sg-" + strconv.Itoa(i)
	case kind < 7: // mail-enabled security group
		gr.displayName = subject + " " + groupTopics[g.rng.IntN(len(groupTopics))] + " " + strconv.Itoa(i)
		gr.securityEnabled, gr.mailEnabled = true, true
		gr.description = "Mail-enabled security group"
		gr.visibility = ""
		nick = "mesg-" + strconv.Itoa(i)
	default: // Microsoft 365 group
		gr.displayName = subject + " " + groupTopics[g.rng.IntN(len(groupTopics))] + " " + strconv.Itoa(i)
		gr.mailEnabled = true
		gr.groupTypes = []string{"Unified"}
		gr.description = "Microsoft 365 group for the " + strings.ToLower(gr.displayName)
		nick = strings.ToLower(subject) + "-" + strconv.Itoa(i)
	}
	if i == 0 { // the first, largest group
		gr.displayName = "All Employees"
	}
	gr.mailNickname = nick
	if gr.mailEnabled {
		gr.mail = nick + "@" + g.t.domains[1]
		gr.proxyAddresses = []string{"SMTP:" + gr.mail, "smtp:" + nick + "@" + g.t.primaryDomain()}
	}
	return gr
}

// pickUsers draws size distinct users, sorted by id.
func (g *generator) pickUsers(users []objectID, size int) []memberRef {
	members := make([]memberRef, 0, size)
	if size*2 > len(users) {
		// Dense: walk the index and keep each user with probability size/len.
		for _, id := range users {
			if g.rng.IntN(len(users)) < size {
				members = append(members, memberRef{id: id, kind: kindUser})
			}
		}
		return members
	}
	for range size {
		members = append(members, memberRef{id: users[g.rng.IntN(len(users))], kind: kindUser})
	}
	slices.SortFunc(members, func(a, b memberRef) int { return compareIDs(a.id, b.id) })
	return slices.CompactFunc(members, func(a, b memberRef) bool { return a.id == b.id })
}

func insertMember(members []memberRef, m memberRef) []memberRef {
	pos, found := slices.BinarySearchFunc(members, m.id, func(e memberRef, id objectID) int { return compareIDs(e.id, id) })
	if found {
		return members
	}
	return slices.Insert(members, pos, m)
}

func removeMember(members []memberRef, id objectID) ([]memberRef, bool) {
	pos, found := memberPosition(members, id)
	if !found {
		return members, false
	}
	return slices.Delete(members, pos, pos+1), true
}

// memberPosition finds a member in a group's sorted member list.
func memberPosition(members []memberRef, id objectID) (int, bool) {
	return slices.BinarySearchFunc(members, id, func(e memberRef, id objectID) int { return compareIDs(e.id, id) })
}

// mailLocal lowers a name and drops what cannot appear in a mail local part.
func mailLocal(name string) string {
	return strings.ToLower(strings.NewReplacer("'", "", " ", "").Replace(name))
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// generateApp registers an app with one secret valid for two years and
// Directory.Read.All consented, as the generated tenant's credentials file
// describes.
func generateApp(rng *rand.Rand, displayName string, now time.Time) *application {
	return &application{
		appID:              newObjectID(rng),
		objectID:           newObjectID(rng),
		servicePrincipalID: newObjectID(rng),
		displayName:        displayName,
		created:            now.Add(-24 * time.Hour).UTC().Truncate(time.Second),
		passwords: []passwordCredential{{
			keyID:       newObjectID(rng),
			displayName: "connect",
			value:       newSecretValue(rng),
			start:       now.Add(-24 * time.Hour).UTC().Truncate(time.Second),
			end:         now.AddDate(2, 0, 0).UTC().Truncate(time.Second),
		}},
		graphRoles: []string{"Directory.Read.All"},
	}
}

// newSecretValue makes a 40-character value shaped like Entra's: three
// characters, "8Q~", then 34 more from the same alphabet.
func newSecretValue(rng *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~._-"
	var b strings.Builder
	for i := range 40 {
		if i >= 3 && i < 6 {
			b.WriteByte("8Q~"[i-3])
			continue
		}
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}
