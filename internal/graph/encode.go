package graph

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the user's JSON to b: exactly what json.Marshal
// writes (absent properties left out, null kept), without reflection or
// the per-property MarshalJSON calls that encoding/json then re-validates.
// A first sync stages a hundred thousand users this way.
func (u User) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, u.ID)
	b = appendField(b, `,"userPrincipalName":`, u.UserPrincipalName, appendString)
	b = appendField(b, `,"mail":`, u.Mail, appendString)
	b = appendField(b, `,"displayName":`, u.DisplayName, appendString)
	b = appendField(b, `,"givenName":`, u.GivenName, appendString)
	b = appendField(b, `,"surname":`, u.Surname, appendString)
	b = appendField(b, `,"jobTitle":`, u.JobTitle, appendString)
	b = appendField(b, `,"department":`, u.Department, appendString)
	b = appendField(b, `,"officeLocation":`, u.OfficeLocation, appendString)
	b = appendField(b, `,"companyName":`, u.CompanyName, appendString)
	b = appendField(b, `,"mobilePhone":`, u.MobilePhone, appendString)
	b = appendField(b, `,"businessPhones":`, u.BusinessPhones, appendStrings)
	b = appendField(b, `,"proxyAddresses":`, u.ProxyAddresses, appendStrings)
	b = appendField(b, `,"accountEnabled":`, u.AccountEnabled, strconv.AppendBool)
	b = appendField(b, `,"userType":`, u.UserType, appendString)
	b = appendField(b, `,"createdDateTime":`, u.CreatedDateTime, appendTime)
	b = appendField(b, `,"employeeId":`, u.EmployeeID, appendString)
	b = appendField(b, `,"usageLocation":`, u.UsageLocation, appendString)
	b = appendField(b, `,"preferredLanguage":`, u.PreferredLanguage, appendString)
	if u.Removed != nil {
		b = append(b, `,"@removed":{"reason":`...)
		b = appendString(b, u.Removed.Reason)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendField[T any](b []byte, key string, f Field[T], value func([]byte, T) []byte) []byte {
	if !f.Present {
		return b
	}
	b = append(b, key...)
	if f.Null {
		return append(b, "null"...)
	}
	return value(b, f.Value)
}

func appendStrings(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendTime writes what time.Time's MarshalJSON writes. Times decoded
// from JSON have four-digit years, the only ones it accepts.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendString quotes s as encoding/json does by default: HTML-sensitive
// characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
