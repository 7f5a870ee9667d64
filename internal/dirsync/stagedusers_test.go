package dirsync

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/connect/connect/internal/graph"
	"github.com/connect/connect/internal/store"
)

// A user entry staged as columns folds exactly as the same entry as JSON
// did: onto nothing (a full fetch) and onto a known user (an incremental
// one, where a property left out stays as it was and null clears it).
func TestStagedUserFoldsAsItsJSON(t *testing.T) {
	known := store.DirUser{ID: "u1", UserPrincipalName: "ann@contoso.example", Mail: "ann@contoso.example",
		DisplayName: "Ann", GivenName: "Ann", Surname: "Lee", JobTitle: "Chef", Department: "Kitchen",
		OfficeLocation: "1/23", CompanyName: "Contoso", MobilePhone: "+1 555", BusinessPhones: []string{"+1 556"},
		ProxyAddresses: []string{"SMTP:ann@contoso.example"}, AccountEnabled: true, UserType: "Member",
		EmployeeID: "42", UsageLocation: "US", PreferredLanguage: "en-US", CreatedDateTime: "2021-03-04T05:06:07Z"}
	entries := []struct{ name, raw string }{
		{"every property", `{"id":"u1","userPrincipalName":"bob@contoso.example","mail":"Bob@Contoso.example",
			"displayName":"Bob \"B\" Ö","givenName":"Bob","surname":"Ray","jobTitle":"Cook","department":"Hall",
			"officeLocation":"2/1","companyName":"Fabrikam","mobilePhone":"+1 600","businessPhones":["+1 601","+1 602"],
			"proxyAddresses":["SMTP:bob@contoso.example","smtp:b@contoso.example"],"accountEnabled":false,
			"userType":"Guest","createdDateTime":"2022-01-02T03:04:05.678+02:00","employeeId":"7",
			"usageLocation":"DE","preferredLanguage":"de-DE"}`},
		{"every property null", `{"id":"u1","userPrincipalName":null,"mail":null,"displayName":null,"givenName":null,
			"surname":null,"jobTitle":null,"department":null,"officeLocation":null,"companyName":null,
			"mobilePhone":null,"businessPhones":null,"proxyAddresses":null,"accountEnabled":null,"userType":null,
			"createdDateTime":null,"employeeId":null,"usageLocation":null,"preferredLanguage":null}`},
		{"nothing but the id", `{"id":"u1"}`},
		{"a few changed", `{"id":"u1","jobTitle":"Head chef","proxyAddresses":[],"accountEnabled":false}`},
		{"empty strings and lists", `{"id":"u1","displayName":"","businessPhones":[],"mail":""}`},
		{"a time zone far west", `{"id":"u1","createdDateTime":"2021-03-04T23:06:07.123456789-11:00"}`},
	}
	for _, e := range entries {
		for _, base := range []struct {
			name string
			user store.DirUser
		}{{"onto nothing", store.DirUser{}}, {"onto a known user", known}} {
			t.Run(e.name+" "+base.name, func(t *testing.T) {
				var g graph.User
				if err := json.Unmarshal([]byte(e.raw), &g); err != nil {
					t.Fatal(err)
				}
				data, err := json.Marshal(g)
				if err != nil {
					t.Fatal(err)
				}
				fromJSON, fromColumns := base.user, base.user
				fromJSON.BusinessPhones = append([]string(nil), base.user.BusinessPhones...)
				fromJSON.ProxyAddresses = append([]string(nil), base.user.ProxyAddresses...)
				if err := mergeUser(&fromJSON, store.StagedObject{ID: g.ID, Data: data}); err != nil {
					t.Fatal(err)
				}
				staged := stagedUser(g)
				if err := mergeUser(&fromColumns, store.StagedObject{ID: g.ID, User: &staged}); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(fromColumns, fromJSON) {
					t.Errorf("as columns:\n  %#v\nas JSON:\n  %#v", fromColumns, fromJSON)
				}
			})
		}
	}
}
