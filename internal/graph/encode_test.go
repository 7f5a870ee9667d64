package graph

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzUserAppendJSON: for any users page that decodes, each user's
// AppendJSON is byte for byte what json.Marshal writes, so staging with it
// changes nothing.
func FuzzUserAppendJSON(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"u1","displayName":"Ann","accountEnabled":true,"businessPhones":[],"proxyAddresses":["SMTP:a@x"]},` +
		`{"id":"u2","@removed":{"reason":"changed"}}]}`))
	f.Add([]byte(`{"value":[{"id":"u1","createdDateTime":"2024-02-30T00:00:00Z","displayName":"a","displayName":null}]}`))
	f.Add([]byte(`{"value":[{"id":"u<1>&","displayName":"a\"b\\c\u0001\b\f\n\r\t\u2028\u2029\u00e9\ud800 x","mail":null,` +
		`"businessPhones":null,"proxyAddresses":["smtp:<a>@x",""],"accountEnabled":false,"createdDateTime":"2024-02-03T04:05:06.789+02:00",` +
		`"jobTitle":"\u007f\ufffd","surname":"\xff\xfe","@removed":{"reason":"de<l>"}}]}`))
	f.Add([]byte(`{"value":[{"id":"u1","givenName":"","companyName":"x","officeLocation":"y","department":"z","userType":"Member",` +
		`"employeeId":"1","usageLocation":"DE","preferredLanguage":"de-DE","mobilePhone":"+1","userPrincipalName":"a@b","mail":"a@b",` +
		`"createdDateTime":"2020-01-01T00:00:00Z","accountEnabled":null,"@removed":null}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var page UsersPage
		if json.Unmarshal(body, &page) != nil {
			return
		}
		for _, u := range page.Value {
			want, err := json.Marshal(u)
			if err != nil {
				return // a time json.Marshal refuses; AppendJSON never sees one from Graph
			}
			if got := u.AppendJSON(nil); !bytes.Equal(got, want) {
				t.Fatalf("AppendJSON differs from json.Marshal:\n%s\n%s", got, want)
			}
		}
	})
}

// BenchmarkUserJSON compares staging a user with json.Marshal and with
// AppendJSON.
func BenchmarkUserJSON(b *testing.B) {
	var u User
	if err := json.Unmarshal([]byte(`{"id":"8d0f2f4e-1c1a-4c55-9a53-2f0c1e7b9a10","userPrincipalName":"ann.lee@contoso.example",`+
		`"mail":"ann.lee@contoso.example","displayName":"Ann Lee","givenName":"Ann","surname":"Lee","jobTitle":"Chef",`+
		`"department":"Kitchen","officeLocation":"Building 1","companyName":"Contoso","mobilePhone":"+1 555 0100",`+
		`"businessPhones":["+1 555 0101"],"proxyAddresses":["SMTP:ann.lee@contoso.example","smtp:ann@contoso.example"],`+
		`"accountEnabled":true,"userType":"Member","createdDateTime":"2021-03-04T05:06:07Z","employeeId":"42",`+
		`"usageLocation":"US","preferredLanguage":"en-US"}`), &u); err != nil {
		b.Fatal(err)
	}
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = u.AppendJSON(buf[:0])
		}
	})
}

// TestUserAppendJSONCoversEveryProperty fills every property of User, as
// read from its struct tags, so a property added to User and forgotten in
// AppendJSON fails here rather than vanishing from staged users.
func TestUserAppendJSONCoversEveryProperty(t *testing.T) {
	sample := map[reflect.Type]any{
		reflect.TypeFor[string]():           "u<1>",
		reflect.TypeFor[Field[string]]():    "Ann & Bo",
		reflect.TypeFor[Field[[]string]]():  []string{"SMTP:a@x", "b"},
		reflect.TypeFor[Field[bool]]():      true,
		reflect.TypeFor[Field[time.Time]](): "2021-03-04T05:06:07.5+01:00",
		reflect.TypeFor[*Removed]():         map[string]string{"reason": "deleted"},
	}
	all := map[string]any{}
	ut := reflect.TypeFor[User]()
	for i := range ut.NumField() {
		f := ut.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		v, ok := sample[f.Type]
		if !ok {
			t.Fatalf("User.%s has type %s: give it a sample value here and encode it in AppendJSON", f.Name, f.Type)
		}
		all[name] = v
	}
	body, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	var u User
	if err := json.Unmarshal(body, &u); err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.AppendJSON(nil); !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON differs from json.Marshal for a user with every property:\n%s\n%s", got, want)
	}
	for name := range all {
		if !bytes.Contains(want, []byte(`"`+name+`":`)) {
			t.Errorf("property %q did not survive decoding and encoding: %s", name, want)
		}
	}
}
