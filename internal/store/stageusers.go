package store

import (
	"encoding/json"
	"fmt"
	"strings"
)

// UserProperties is a set of the user properties Connect synchronizes,
// one bit each: which ones a delta page carried for a user.
type UserProperties uint32

// The user properties, in the order of dirUserAttributeColumns.
const (
	SentUserPrincipalName UserProperties = 1 << iota
	SentMail
	SentDisplayName
	SentGivenName
	SentSurname
	SentJobTitle
	SentDepartment
	SentOfficeLocation
	SentCompanyName
	SentMobilePhone
	SentBusinessPhones
	SentProxyAddresses
	SentAccountEnabled
	SentUserType
	SentEmployeeID
	SentUsageLocation
	SentPreferredLanguage
	SentCreatedDateTime
)

// StagedUser is a user entry of a delta page as the directory's columns:
// the value Graph sent for each property in Sent (empty for null, lists
// never nil, createdDateTime as UTC to the second), and the zero value for
// the others. A first sync copies such an entry, when it is its user's
// only one, straight into dir_users.
type StagedUser struct {
	DirUser
	Sent UserProperties
}

// dirUserAttributeColumns are the attribute columns shared by stage_users and
// dir_users, in the order of the Sent bits.
const dirUserAttributeColumns = `user_principal_name, mail, display_name, given_name, surname, job_title, department,
	office_location, company_name, mobile_phone, business_phones, proxy_addresses, account_enabled, user_type,
	employee_id, usage_location, preferred_language, created_date_time`

// stageUserRowsHead stages users as columns: run, id, sent and the 18
// attributes. data stays empty: the columns are the entry.
var stageUserRowsHead = newStageHead(`INSERT INTO stage_users (run_id, id, removed, data, sent, `+dirUserAttributeColumns+`)`,
	`(?, ?, 0, '', ?`+strings.Repeat(", ?", 18)+`)`, 21)

// appendUserRow adds a staged user's values to an INSERT's arguments.
func appendUserRow(args []any, runID string, u *StagedUser) ([]any, error) {
	phones, err := json.Marshal(orNoneList(u.BusinessPhones))
	if err != nil {
		return args, fmt.Errorf("encode business phones of user %s: %w", u.ID, err)
	}
	addresses, err := json.Marshal(orNoneList(u.ProxyAddresses))
	if err != nil {
		return args, fmt.Errorf("encode proxy addresses of user %s: %w", u.ID, err)
	}
	return append(args, runID, u.ID, int64(u.Sent), u.UserPrincipalName, u.Mail, u.DisplayName, u.GivenName,
		u.Surname, u.JobTitle, u.Department, u.OfficeLocation, u.CompanyName, u.MobilePhone, string(phones),
		string(addresses), u.AccountEnabled, u.UserType, u.EmployeeID, u.UsageLocation, u.PreferredLanguage,
		u.CreatedDateTime), nil
}

// orNoneList writes a missing list as [], never null.
func orNoneList(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// stagedUserColumns reads what EachStaged selects for a user entry staged
// as columns (sent NULL: an entry in JSON, in data).
const stagedUserColumns = `sent, ` + dirUserAttributeColumns

// scanStagedUser fills obj from a row of EachStaged's users query: the
// columns when the entry was staged as columns, else its JSON.
func scanStagedUser(r interface{ Scan(...any) error }, seq *int64, obj *StagedObject) error {
	var (
		data                     []byte
		sent                     *int64
		phones, addresses        *string
		enabled                  *bool
		upn, mail, name, given   *string
		surname, title, dept     *string
		office, company, mobile  *string
		kind, employee, location *string
		language, created        *string
	)
	if err := r.Scan(seq, &obj.ID, &obj.Removed, &data, &sent, &upn, &mail, &name, &given, &surname, &title, &dept,
		&office, &company, &mobile, &phones, &addresses, &enabled, &kind, &employee, &location, &language,
		&created); err != nil {
		return err
	}
	if sent == nil {
		obj.Data = data
		return nil
	}
	u := &StagedUser{Sent: UserProperties(*sent)}
	u.ID = obj.ID
	for _, c := range []struct {
		dst *string
		src *string
	}{{&u.UserPrincipalName, upn}, {&u.Mail, mail}, {&u.DisplayName, name}, {&u.GivenName, given},
		{&u.Surname, surname}, {&u.JobTitle, title}, {&u.Department, dept}, {&u.OfficeLocation, office},
		{&u.CompanyName, company}, {&u.MobilePhone, mobile}, {&u.UserType, kind}, {&u.EmployeeID, employee},
		{&u.UsageLocation, location}, {&u.PreferredLanguage, language}, {&u.CreatedDateTime, created}} {
		if c.src != nil {
			*c.dst = *c.src
		}
	}
	u.AccountEnabled = enabled != nil && *enabled
	for _, l := range []struct {
		dst  *[]string
		src  *string
		what string
	}{{&u.BusinessPhones, phones, "business phones"}, {&u.ProxyAddresses, addresses, "proxy addresses"}} {
		*l.dst = []string{}
		if l.src != nil {
			if err := json.Unmarshal([]byte(*l.src), l.dst); err != nil {
				return fmt.Errorf("decode staged %s of user %s: %w", l.what, obj.ID, err)
			}
		}
	}
	obj.User = u
	return nil
}

// applyDirectUserRows adds the users run ?1 staged once, as columns, to
// connection ?2's empty directory: the columns are the user. ?3 is now.
var applyDirectUserRows = `INSERT INTO dir_users (connection_id, id, ` + dirUserAttributeColumns + `, created_at, last_changed_run_id, updated_at)
	SELECT ?2, id, ` + dirUserAttributeColumns + `, ?3, ?1, ?3 FROM stage_users s
	WHERE run_id = ?1 AND removed = 0 AND sent IS NOT NULL AND ` + fmt.Sprintf(soleStagedEntry, "stage_users")
