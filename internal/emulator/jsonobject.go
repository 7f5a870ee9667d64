package emulator

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// jsonField is one member of an orderedObject.
type jsonField struct {
	name  string
	value any
}

// orderedObject is a JSON object that keeps its members in the order Graph
// writes them ("@odata.context" first, "value" last), which json.Marshal of
// a map would not. It encodes itself directly: a page of a 100,000-user
// delta holds a million members@delta entries, and going through
// json.Marshal per value (which re-scans nested output) was the bottleneck.
type orderedObject []jsonField

func (o orderedObject) MarshalJSON() ([]byte, error) {
	return o.appendJSON(make([]byte, 0, 256))
}

func (o orderedObject) with(name string, value any) orderedObject {
	return append(o, jsonField{name, value})
}

func (o orderedObject) appendJSON(buf []byte) ([]byte, error) {
	buf = append(buf, '{')
	for i, f := range o {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, f.name)
		buf = append(buf, ':')
		var err error
		if buf, err = appendJSONValue(buf, f.value); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

func appendJSONValue(buf []byte, value any) ([]byte, error) {
	switch v := value.(type) {
	case nil:
		return append(buf, "null"...), nil
	case string:
		return appendJSONString(buf, v), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case int:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case []string:
		buf = append(buf, '[')
		for i, s := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, s)
		}
		return append(buf, ']'), nil
	case orderedObject:
		return v.appendJSON(buf)
	case json.RawMessage: // trusted: built by the emulator itself
		return append(buf, v...), nil
	case []json.RawMessage:
		buf = append(buf, '[')
		for i, raw := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, raw...)
		}
		return append(buf, ']'), nil
	case []orderedObject:
		buf = append(buf, '[')
		for i, o := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = o.appendJSON(buf); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	}
	data, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	return append(buf, data...), nil
}

// appendJSONString quotes s as JSON: quote, backslash and control
// characters escaped, invalid UTF-8 replaced.
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
