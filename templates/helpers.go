package templates

import "strconv"

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

func describedBy(f FieldInput) string {
	ids := ""
	if f.Help != "" {
		ids = "f-" + f.Name + "-help"
	}
	if f.Error != "" {
		if ids != "" {
			ids += " "
		}
		ids += "f-" + f.Name + "-error"
	}
	return ids
}

func labelOr(labels map[string]string, name string) string {
	if l, ok := labels[name]; ok {
		return l
	}
	return name
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// radioID is f-<name> for the first option and f-<name>-<value> otherwise;
// index -1 always gives the long form (for hint ids).
func radioID(name, value string, index int) string {
	if index == 0 {
		return "f-" + name
	}
	return "f-" + name + "-" + value
}

func refreshContent(seconds int, url string) string {
	if url == "" {
		return itoa(seconds)
	}
	return itoa(seconds) + ";url=" + url
}

// healthBadgeKind maps a health colour to a badge style; grey is neutral.
func healthBadgeKind(colour string) string {
	if colour == "grey" {
		return "neutral"
	}
	return colour
}
