package dirsync

import (
	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

// stagedUser is a user of a delta page as staging keeps it: each property
// Graph sent, with null as empty (createdDateTime as UTC to the second),
// and which ones it sent. Folded with mergeStagedUser it gives what
// mergeUser gives for the same entry as JSON.
func stagedUser(g graph.User) store.StagedUser {
	var s store.StagedUser
	s.ID = g.ID
	text := func(bit store.UserProperties, dst *string, f graph.Field[string]) {
		if f.Present {
			s.Sent |= bit
			*dst = f.Value
		}
	}
	text(store.SentUserPrincipalName, &s.UserPrincipalName, g.UserPrincipalName)
	text(store.SentMail, &s.Mail, g.Mail)
	text(store.SentDisplayName, &s.DisplayName, g.DisplayName)
	text(store.SentGivenName, &s.GivenName, g.GivenName)
	text(store.SentSurname, &s.Surname, g.Surname)
	text(store.SentJobTitle, &s.JobTitle, g.JobTitle)
	text(store.SentDepartment, &s.Department, g.Department)
	text(store.SentOfficeLocation, &s.OfficeLocation, g.OfficeLocation)
	text(store.SentCompanyName, &s.CompanyName, g.CompanyName)
	text(store.SentMobilePhone, &s.MobilePhone, g.MobilePhone)
	text(store.SentUserType, &s.UserType, g.UserType)
	text(store.SentEmployeeID, &s.EmployeeID, g.EmployeeID)
	text(store.SentUsageLocation, &s.UsageLocation, g.UsageLocation)
	text(store.SentPreferredLanguage, &s.PreferredLanguage, g.PreferredLanguage)
	list := func(bit store.UserProperties, dst *[]string, f graph.Field[[]string]) {
		if f.Present {
			s.Sent |= bit
			*dst = f.Value
		}
	}
	list(store.SentBusinessPhones, &s.BusinessPhones, g.BusinessPhones)
	list(store.SentProxyAddresses, &s.ProxyAddresses, g.ProxyAddresses)
	if g.AccountEnabled.Present {
		s.Sent |= store.SentAccountEnabled
		s.AccountEnabled = g.AccountEnabled.Value
	}
	if g.CreatedDateTime.Present {
		s.Sent |= store.SentCreatedDateTime
		if t, ok := g.CreatedDateTime.Get(); ok {
			s.CreatedDateTime = t.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	return s
}

// mergeStagedUser folds a user entry staged as columns onto u: the
// properties the page sent replace u's, the others stay.
func mergeStagedUser(u *store.DirUser, s store.StagedUser) {
	u.ID = s.ID
	for _, p := range []struct {
		bit      store.UserProperties
		dst, src *string
	}{
		{store.SentUserPrincipalName, &u.UserPrincipalName, &s.UserPrincipalName},
		{store.SentMail, &u.Mail, &s.Mail},
		{store.SentDisplayName, &u.DisplayName, &s.DisplayName},
		{store.SentGivenName, &u.GivenName, &s.GivenName},
		{store.SentSurname, &u.Surname, &s.Surname},
		{store.SentJobTitle, &u.JobTitle, &s.JobTitle},
		{store.SentDepartment, &u.Department, &s.Department},
		{store.SentOfficeLocation, &u.OfficeLocation, &s.OfficeLocation},
		{store.SentCompanyName, &u.CompanyName, &s.CompanyName},
		{store.SentMobilePhone, &u.MobilePhone, &s.MobilePhone},
		{store.SentUserType, &u.UserType, &s.UserType},
		{store.SentEmployeeID, &u.EmployeeID, &s.EmployeeID},
		{store.SentUsageLocation, &u.UsageLocation, &s.UsageLocation},
		{store.SentPreferredLanguage, &u.PreferredLanguage, &s.PreferredLanguage},
		{store.SentCreatedDateTime, &u.CreatedDateTime, &s.CreatedDateTime},
	} {
		if s.Sent&p.bit != 0 {
			*p.dst = *p.src
		}
	}
	if s.Sent&store.SentBusinessPhones != 0 {
		u.BusinessPhones = s.BusinessPhones
	}
	if s.Sent&store.SentProxyAddresses != 0 {
		u.ProxyAddresses = s.ProxyAddresses
	}
	if s.Sent&store.SentAccountEnabled != 0 {
		u.AccountEnabled = s.AccountEnabled
	}
	u.BusinessPhones, u.ProxyAddresses = orEmpty(u.BusinessPhones), orEmpty(u.ProxyAddresses)
}
