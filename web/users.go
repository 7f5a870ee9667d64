package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/connect/connect/internal/auth"
	"github.com/connect/connect/internal/store"
	"github.com/connect/connect/templates"
)

var roleOptions = []templates.Option{
	{Value: "helpdesk", Label: "Helpdesk", Hint: "Sees status pages, sync history and the directory. Changes nothing."},
	{Value: "admin", Label: "Administrator", Hint: "Everything: connections, Sync now, approvals, users and settings."},
}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request) {
	h.renderUsers(w, r, http.StatusOK, templates.NewUserForm{Role: "helpdesk"})
}

// usersPageSize is how many accounts the Users page lists at once.
const usersPageSize = 50

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, form templates.NewUserForm) {
	page := pageNumber(r, "page")
	users, total, err := h.store.UsersPage(r.Context(), usersPageSize, (page-1)*usersPageSize)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	_, loc, err := h.regionZone(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	me := viewer(r)
	v := templates.UsersView{Form: form, Roles: roleOptions, Pager: pager(r, "page", page, usersPageSize, total, "accounts")}
	for _, u := range users {
		role, _ := auth.ParseRole(u.Role)
		v.Users = append(v.Users, templates.UserRow{ID: u.ID, Email: u.Email, Role: u.Role, RoleLabel: role.Label(),
			Disabled: u.Disabled, IsSelf: me != nil && me.ID == u.ID,
			LastSignIn: timeViewPtr(u.LastSignInAt, now, loc, "sign-in-local-"+strconv.FormatInt(u.ID, 10))})
	}
	h.render(w, r, status, templates.UsersPage(h.page(r, "Users", "users"), v))
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	form := templates.NewUserForm{Email: field(r, "email"), Role: field(r, "role"), Errors: templates.FieldErrors{}}
	password := r.PostFormValue("password")
	addErr(form.Errors, "email", checkEmail(form.Email))
	if _, err := auth.ParseRole(form.Role); err != nil {
		form.Errors["role"] = "Choose Helpdesk or Administrator."
	}
	addErr(form.Errors, "password", auth.CheckPasswordRules(password))
	if len(form.Errors) > 0 {
		h.renderUsers(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	u, err := h.store.CreateUser(r.Context(), form.Email, hash, form.Role)
	if errors.Is(err, store.ErrConflict) {
		form.Errors["email"] = "An account with this email address already exists."
		h.renderUsers(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.log.Info("user added", "by", viewer(r).ID, "user_id", u.ID, "role", u.Role)
	h.audit(r, store.AuditUserAdded, u.Email, "role "+u.Role)
	h.flash(r, "success", "Added "+u.Email+". They can sign in now with the password you chose.")
	h.redirect(w, r, "/users")
}

// userUpdate changes a user's role and enabled state together; the forms on
// the page post both so neither is changed by accident.
func (h *Handler) userUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r)
		return
	}
	if !h.parseForm(w, r) {
		return
	}
	role := field(r, "role")
	disabledText := field(r, "disabled")
	if _, err := auth.ParseRole(role); err != nil || (disabledText != "true" && disabledText != "false") {
		h.clientError(w, r, http.StatusBadRequest, "That change could not be read",
			"Use the Change role, Disable and Enable buttons on the Users page.")
		return
	}
	if me := viewer(r); me.ID == id {
		h.flash(r, "error", "You can't change your own role or disable yourself. Ask another administrator.")
		h.redirect(w, r, "/users")
		return
	}
	target, err := h.store.UserByID(r.Context(), id)
	if h.lookupFailed(w, r, err) {
		return
	}
	disabled := disabledText == "true"
	err = h.store.UpdateUser(r.Context(), id, role, disabled)
	switch {
	case errors.Is(err, store.ErrLastAdmin):
		h.flash(r, "error", "Connect needs at least one active administrator. Make someone else an administrator first.")
	case err != nil:
		h.serverError(w, r, err)
		return
	case disabled && !target.Disabled:
		h.flash(r, "success", target.Email+" is disabled and has been signed out.")
	case !disabled && target.Disabled:
		h.flash(r, "success", target.Email+" is enabled again.")
	default:
		label, _ := auth.ParseRole(role)
		h.flash(r, "success", target.Email+" is now "+label.Label()+".")
	}
	h.log.Info("user changed", "by", viewer(r).ID, "user_id", id, "role", role, "disabled", disabled)
	h.audit(r, store.AuditUserChanged, target.Email, fmt.Sprintf("role %s, disabled %t", role, disabled))
	h.redirect(w, r, "/users")
}
