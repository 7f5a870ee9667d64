package emulator

import (
	"strings"
)

// filterClause is the small part of OData $filter the emulator supports:
// "prop eq 'value'" and "startswith(prop,'value')", as Connect and most
// scripts use them. Anything else is Graph's unsupported-filter 400.
type filterClause struct {
	property string
	prefix   bool
	value    string
}

func parseFilter(raw string) (*filterClause, *graphError) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	unsupported := badRequest("Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property '"+raw+"' of resource 'User'.")
	if inner, ok := strings.CutPrefix(strings.ToLower(raw), "startswith("); ok && strings.HasSuffix(inner, ")") {
		prop, value, ok := strings.Cut(raw[len("startswith("):len(raw)-1], ",")
		if !ok {
			return nil, unsupported
		}
		v, ok := unquote(strings.TrimSpace(value))
		if !ok {
			return nil, unsupported
		}
		return &filterClause{property: strings.TrimSpace(prop), prefix: true, value: v}, nil
	}
	fields := strings.SplitN(raw, " ", 3)
	if len(fields) != 3 || !strings.EqualFold(fields[1], "eq") {
		return nil, unsupported
	}
	v, ok := unquote(strings.TrimSpace(fields[2]))
	if !ok {
		return nil, unsupported
	}
	return &filterClause{property: fields[0], value: v}, nil
}

// unquote reads an OData string literal (in quotes, a doubled quote standing
// for one); GUIDs and booleans may come bare. A lone quote inside ends the literal early, so
// "'a' and mail eq 'b'" is two literals around an operator, not one value:
// the emulator does not combine clauses, and refuses it.
func unquote(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		inner := s[1 : len(s)-1]
		if strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
			return "", false
		}
		return strings.ReplaceAll(inner, "''", "'"), true
	}
	if s != "" && !strings.ContainsAny(s, " '()") {
		return s, true
	}
	return "", false
}

// filterFor binds a clause to a property table; nil keeps everything.
func filterFor[T any](clause *filterClause, props []property[T]) (func(*T) bool, *graphError) {
	if clause == nil {
		return func(*T) bool { return true }, nil
	}
	for _, p := range props {
		if !strings.EqualFold(p.name, clause.property) {
			continue
		}
		return func(obj *T) bool { return clause.matches(p.get(obj)) }, nil
	}
	return nil, badRequest("Request_BadRequest", "Property '"+clause.property+"' does not exist as a declared property or extension property.")
}

func (f *filterClause) matches(value any) bool {
	switch v := value.(type) {
	case string:
		if f.prefix {
			return len(v) >= len(f.value) && strings.EqualFold(v[:len(f.value)], f.value)
		}
		return strings.EqualFold(v, f.value)
	case bool:
		return strings.EqualFold(f.value, map[bool]string{true: "true", false: "false"}[v])
	case []string:
		for _, s := range v {
			if f.matches(s) {
				return true
			}
		}
	}
	return false
}
