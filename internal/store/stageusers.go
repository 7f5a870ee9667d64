package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// UserProperties is a set of the user properties Connect synchronizes,
// one bit each: which ones a delta page carried for a user.
type UserProperties uint32

// The user properties, in the order of dirUserAttributes.
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
// the value Graph sent for each property in Sent (empty for null,
// createdDateTime as UTC to the second), and the zero value for the
// others. A first sync copies such an entry, when it is its user's only
// one, straight into dir_users.
type StagedUser struct {
	DirUser
	Sent UserProperties
}

// stageUserRowsHead stages users as columns: run, id, sent and the 18
// attributes. data stays empty: the columns are the entry.
var stageUserRowsHead = newStageHead(`INSERT INTO stage_users (run_id, id, removed, data, sent, `+dirUserAttributes+`)`,
	`(?, ?, 0, '', ?`+strings.Repeat(", ?", 18)+`)`, 21)

// appendUserRow adds a staged user's values to an INSERT's arguments, in
// the order of dirUserAttributes.
func appendUserRow(args []any, runID string, u *StagedUser) []any {
	return append(args, runID, u.ID, int64(u.Sent), u.UserPrincipalName, u.Mail, u.DisplayName, u.GivenName,
		u.Surname, u.JobTitle, u.Department, u.OfficeLocation, u.CompanyName, u.MobilePhone, listJSON(u.BusinessPhones),
		listJSON(u.ProxyAddresses), u.AccountEnabled, u.UserType, u.EmployeeID, u.UsageLocation, u.PreferredLanguage,
		u.CreatedDateTime)
}

// listJSON is a list column's JSON: [] for none, never null.
func listJSON(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	data, _ := json.Marshal(list) // strings always encode
	return string(data)
}

// stagedUserColumns are what EachStaged reads of a user entry besides its
// JSON: sent (NULL for an entry staged as JSON) and the attributes, empty
// rather than NULL for such an entry so they scan into a DirUser.
var stagedUserColumns = func() string {
	columns := []string{"sent"}
	for _, c := range strings.Split(dirUserAttributes, ",") {
		c = strings.TrimSpace(c)
		empty := "''"
		if c == "account_enabled" {
			empty = "0"
		}
		columns = append(columns, "COALESCE("+c+", "+empty+")")
	}
	return strings.Join(columns, ", ")
}()

// scanStagedUser fills obj from a row of EachStaged's users query: the
// columns when the entry was staged as columns, else its JSON.
func scanStagedUser(r interface{ Scan(...any) error }, seq *int64, obj *StagedObject) error {
	var (
		data            []byte
		sent            *int64
		u               StagedUser
		phones, proxies string
	)
	dests := append([]any{seq, &obj.ID, &obj.Removed, &data, &sent}, userAttributeDests(&u.DirUser, &phones, &proxies)...)
	if err := r.Scan(dests...); err != nil {
		return err
	}
	if sent == nil {
		obj.Data = data
		return nil
	}
	u.ID, u.Sent = obj.ID, UserProperties(*sent)
	if err := errors.Join(unmarshalList(phones, &u.BusinessPhones), unmarshalList(proxies, &u.ProxyAddresses)); err != nil {
		return fmt.Errorf("staged user %s: %w", obj.ID, err)
	}
	obj.User = &u
	return nil
}

// applyDirectUserRows adds the users run ?1 staged once, as columns, to
// connection ?2's empty directory: the columns are the user. ?3 is now.
var applyDirectUserRows = `INSERT INTO dir_users (connection_id, id, ` + dirUserAttributes + `, created_at, last_changed_run_id, updated_at)
	SELECT ?2, id, ` + dirUserAttributes + `, ?3, ?1, ?3 FROM stage_users s
	WHERE run_id = ?1 AND removed = 0 AND sent IS NOT NULL AND id NOT IN (` + repeatedStaged("stage_users") + `)`
