package web

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/connect/connect/templates"
)

// parseForm reads a posted form, answering a too-large or malformed body
// with a 400/413 page; it returns false when it has answered.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.clientError(w, r, http.StatusRequestEntityTooLarge, "That form was too large",
			"Connect accepts forms of up to 64 KB. Check what you pasted into the fields and try again.")
		return false
	}
	h.clientError(w, r, http.StatusBadRequest, "That form could not be read",
		"The form arrived damaged. Go back, reload the page and submit it again.")
	return false
}

// field is one trimmed form value. Passwords use r.PostFormValue directly:
// spaces in them are meaningful.
func field(r *http.Request, name string) string {
	return strings.TrimSpace(r.PostFormValue(name))
}

// checkEmail explains what is wrong with an email address, or returns "".
func checkEmail(email string) string {
	switch {
	case email == "":
		return "Enter an email address."
	case utf8.RuneCountInString(email) > 254:
		return "Use an email address of at most 254 characters."
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return "Enter an email address like name@example.com."
	}
	return ""
}

func addErr(errs templates.FieldErrors, name, msg string) {
	if msg != "" {
		if _, ok := errs[name]; !ok {
			errs[name] = msg
		}
	}
}
