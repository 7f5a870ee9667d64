package entra

import (
	"errors"
	"testing"
)

// FuzzAsAADSTS: any error text, as MSAL or a proxy might produce, parses
// without panicking, and a found code is a positive number.
func FuzzAsAADSTS(f *testing.F) {
	f.Add(`http call(https://h/t/oauth2/v2.0/token)(POST) error: reply status code was 401:` + "\n" +
		`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}`)
	f.Add(`reply status code was 400: {"error":"invalid_tenant","error_codes":[90002]}`)
	f.Add(`AADSTS99999999999999999999: overflow`)
	f.Add(`{"error_codes":[-1]}`)
	f.Add(`}{`)
	f.Fuzz(func(t *testing.T, msg string) {
		e, ok := AsAADSTS(errors.New(msg))
		if ok && e == nil {
			t.Fatal("ok without an error")
		}
	})
}

// FuzzReadClaims: a token from anywhere never panics the claim reader.
func FuzzReadClaims(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ0Iiwicm9sZXMiOlsiRGlyZWN0b3J5LlJlYWQuQWxsIl19.c2ln")
	f.Add("..")
	f.Add("a.eyJyb2xlcyI6MX0.b")
	f.Fuzz(func(t *testing.T, token string) {
		_, _ = ReadClaims(token)
	})
}
