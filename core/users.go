package core

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Language is a BackOffice user's language: the merchant country's, or
// English on request.
type Language string

// The BackOffice languages.
const (
	LanguageSwedish   Language = "sv"
	LanguageNorwegian Language = "nb"
	LanguageEnglish   Language = "en"
)

// Valid reports whether l is a BackOffice language.
func (l Language) Valid() bool {
	return l == LanguageSwedish || l == LanguageNorwegian || l == LanguageEnglish
}

// Language is the country's BackOffice language.
func (c Country) Language() Language {
	if c == Norway {
		return LanguageNorwegian
	}
	return LanguageSwedish
}

// User is a person who signs in to BackOffice: one merchant, one role with
// the same rights as an API key of that role. A user invited but not yet
// signed up has no password and cannot sign in.
type User struct {
	ID         string    `json:"id" db:"id"`
	MerchantID string    `json:"merchant_id" db:"merchant_id"`
	Email      string    `json:"email" db:"email"`
	Role       Role      `json:"role" db:"role"`
	Language   Language  `json:"language" db:"language"`
	CreatedAt  time.Time `json:"created_at" db:"created_at"`
	// PasswordHash is bcrypt's; empty while an invitation is open.
	PasswordHash string `json:"-" db:"password_hash"`
	// InviteHash is the SHA-256 of the open invitation's token, and
	// InviteExpiresAt its end; both empty once the user chose a password.
	InviteHash      string     `json:"-" db:"invite_hash"`
	InviteExpiresAt *time.Time `json:"invite_expires_at,omitempty" db:"invite_expires_at"`
}

// Invited reports whether u has yet to accept an invitation.
func (u User) Invited() bool { return u.PasswordHash == "" }

// Session is a signed-in user's BackOffice session. Only the SHA-256 of
// the cookie's token is stored.
type Session struct {
	Hash       string    `db:"hash"`
	UserID     string    `db:"user_id"`
	MerchantID string    `db:"merchant_id"`
	CSRFToken  string    `db:"csrf_token"`
	CreatedAt  time.Time `db:"created_at"`
	LastSeenAt time.Time `db:"last_seen_at"`
}

// UserStore keeps BackOffice users and sessions; package store implements
// it beside Store.
type UserStore interface {
	// CreateUser stores u. Errors: CodeConflict when the e-mail address is
	// taken (by any merchant: an address signs in to one merchant);
	// CodeNotFound for an unknown merchant.
	CreateUser(ctx context.Context, u User) error
	// UserByEmail finds a user by address, case-insensitively. Errors:
	// CodeNotFound.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UserByInvite finds the user whose open invitation has this token
	// hash. Errors: CodeNotFound.
	UserByInvite(ctx context.Context, inviteHash string) (User, error)
	// GetUser returns the merchant's user. Errors: CodeNotFound.
	GetUser(ctx context.Context, merchantID, id string) (User, error)
	// ListUsers returns the merchant's users, oldest first.
	ListUsers(ctx context.Context, merchantID string) ([]User, error)
	// UpdateUser saves u's password, invitation and language.
	// Errors: CodeNotFound.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser removes the merchant's user and every session of it.
	// Errors: CodeNotFound.
	DeleteUser(ctx context.Context, merchantID, id string) error

	// CreateSession stores s.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns a session. Errors: CodeNotFound.
	SessionByHash(ctx context.Context, hash string) (Session, error)
	// TouchSession sets a session's LastSeenAt.
	TouchSession(ctx context.Context, hash string, at time.Time) error
	// DeleteSession removes a session; a missing one is no error.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteSessionsBefore removes sessions created before created or last
	// seen before seen, and returns how many.
	DeleteSessionsBefore(ctx context.Context, created, seen time.Time) (int64, error)
}

// Session lifetimes: a session ends after IdleTimeout without a request,
// and at AbsoluteTimeout after sign-in whatever its use.
const (
	SessionIdleTimeout     = 2 * time.Hour
	SessionAbsoluteTimeout = 12 * time.Hour
	// InviteLifetime is how long an invitation link works.
	InviteLifetime = 7 * 24 * time.Hour
	// MinPasswordLength and MaxPasswordLength bound a password; bcrypt
	// reads at most 72 bytes, so longer ones are refused rather than cut.
	MinPasswordLength = 10
	MaxPasswordLength = 72
	// sessionTouchEvery coalesces LastSeenAt writes.
	sessionTouchEvery = time.Minute
)

// ActionManageUsers invites and removes BackOffice users.
const ActionManageUsers Action = "users.manage"

func init() { permissions[ActionManageUsers] = []Role{RoleAdmin} }

// NewUser describes a user to create: with Password set it can sign in at
// once; without, the user is invited and an invitation token returned.
type NewUser struct {
	Email    string
	Role     Role
	Language Language // default: the merchant country's
	Password string
}

// SignedIn is a new session: Token goes in the cookie, CSRFToken in every
// form; neither is stored in the clear.
type SignedIn struct {
	User      User
	Token     string
	CSRFToken string
}

// SessionInfo is what a session's token resolves to.
type SessionInfo struct {
	Principal Principal
	User      User
	Merchant  Merchant
	CSRFToken string
}

// users returns the engine's user store. Errors: CodeUnsupported when the
// gateway's store keeps no users.
func (e *Engine) users() (UserStore, error) {
	us, ok := e.store.(UserStore)
	if !ok {
		return nil, Errorf(CodeUnsupported, "this store keeps no BackOffice users")
	}
	return us, nil
}

// CreateUser adds a user to p's merchant. With a password the user may sign
// in at once; without, inviteToken is the secret of a link that lets the
// invitee choose one within InviteLifetime (shown once, never stored).
// Errors: CodeForbidden unless p is an admin; CodeInvalid naming email,
// role, language or password; CodeConflict for an address in use.
func (e *Engine) CreateUser(ctx context.Context, p Principal, nu NewUser) (u User, inviteToken string, err error) {
	if err := p.Authorize(ActionManageUsers); err != nil {
		return User{}, "", err
	}
	us, err := e.users()
	if err != nil {
		return User{}, "", err
	}
	m, err := e.store.GetMerchant(ctx, p.MerchantID)
	if err != nil {
		return User{}, "", err
	}
	var errs fieldErrors
	email, emailErr := normalizeEmail(nu.Email)
	if emailErr != "" {
		errs.add("email", "%s", emailErr)
	}
	if !nu.Role.Valid() {
		errs.add("role", "must be admin, accountant or cashier")
	}
	if nu.Language == "" {
		nu.Language = m.Country.Language()
	}
	if !nu.Language.Valid() {
		errs.add("language", "must be sv, nb or en")
	}
	if nu.Password != "" {
		if msg := passwordProblem(nu.Password); msg != "" {
			errs.add("password", "%s", msg)
		}
	}
	if err := Invalid("invalid user", errs...); err != nil {
		return User{}, "", err
	}
	now := e.now().UTC()
	u = User{ID: NewID("usr"), MerchantID: m.ID, Email: email, Role: nu.Role, Language: nu.Language, CreatedAt: now}
	if nu.Password != "" {
		if u.PasswordHash, err = hashPassword(nu.Password); err != nil {
			return User{}, "", err
		}
	} else {
		inviteToken = "inv_" + randomToken(20)
		exp := now.Add(InviteLifetime)
		u.InviteHash, u.InviteExpiresAt = HashAPIKey(inviteToken), &exp
	}
	if err := us.CreateUser(ctx, u); err != nil {
		return User{}, "", err
	}
	return u, inviteToken, nil
}

// ListUsers returns p's merchant's users. Errors: CodeForbidden unless p is
// an admin.
func (e *Engine) ListUsers(ctx context.Context, p Principal) ([]User, error) {
	if err := p.Authorize(ActionManageUsers); err != nil {
		return nil, err
	}
	us, err := e.users()
	if err != nil {
		return nil, err
	}
	return us.ListUsers(ctx, p.MerchantID)
}

// RemoveUser deletes a user of p's merchant and ends its sessions. Errors:
// CodeForbidden unless p is an admin; CodeNotFound; CodeConflict for the
// caller itself or the merchant's last admin (nobody could manage users
// after).
func (e *Engine) RemoveUser(ctx context.Context, p Principal, id string) error {
	if err := p.Authorize(ActionManageUsers); err != nil {
		return err
	}
	us, err := e.users()
	if err != nil {
		return err
	}
	u, err := us.GetUser(ctx, p.MerchantID, id)
	if err != nil {
		return err
	}
	if u.ID == p.UserID {
		return Errorf(CodeConflict, "you cannot remove yourself")
	}
	if u.Role == RoleAdmin {
		all, err := us.ListUsers(ctx, p.MerchantID)
		if err != nil {
			return err
		}
		admins := 0
		for _, o := range all {
			if o.Role == RoleAdmin && !o.Invited() {
				admins++
			}
		}
		if admins <= 1 && !u.Invited() {
			return Errorf(CodeConflict, "%s is the last admin", u.Email)
		}
	}
	return us.DeleteUser(ctx, p.MerchantID, id)
}

// SetUserLanguage changes the signed-in user's own language. Errors:
// CodeInvalid naming language.
func (e *Engine) SetUserLanguage(ctx context.Context, p Principal, lang Language) (User, error) {
	if !lang.Valid() {
		return User{}, Invalid("invalid language", FieldError{Field: "language", Message: "must be sv, nb or en"})
	}
	us, err := e.users()
	if err != nil {
		return User{}, err
	}
	u, err := us.GetUser(ctx, p.MerchantID, p.UserID)
	if err != nil {
		return User{}, err
	}
	u.Language = lang
	return u, us.UpdateUser(ctx, u)
}

// dummyHash is compared against when no user has the address, so a wrong
// address costs as long as a wrong password. It is made at the first
// sign-in, not at start: every process links core (plugins, commands), and
// a bcrypt hash costs tens of milliseconds.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("ledgerbridge dummy password"), bcrypt.DefaultCost)
	return h
})

// SignIn checks an e-mail address and password and opens a session with a
// fresh token (never one the client offered, so a planted cookie is
// useless). Errors: CodeUnauthorized for an unknown address, a wrong
// password or an unaccepted invitation, the same message for each.
func (e *Engine) SignIn(ctx context.Context, email, password string) (SignedIn, error) {
	us, err := e.users()
	if err != nil {
		return SignedIn{}, err
	}
	wrong := Errorf(CodeUnauthorized, "wrong e-mail address or password")
	addr, _ := normalizeEmail(email)
	u, err := us.UserByEmail(ctx, addr)
	if err != nil && Code(err) != CodeNotFound {
		return SignedIn{}, err
	}
	hash := []byte(u.PasswordHash)
	if err != nil || u.Invited() || len(password) > MaxPasswordLength {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return SignedIn{}, wrong
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil {
		return SignedIn{}, wrong
	}
	return e.openSession(ctx, us, u)
}

// AcceptInvite sets the invited user's password and signs it in. Errors:
// CodeNotFound for an unknown, used or expired invitation; CodeInvalid
// naming password.
func (e *Engine) AcceptInvite(ctx context.Context, token, password string) (SignedIn, error) {
	us, err := e.users()
	if err != nil {
		return SignedIn{}, err
	}
	u, err := e.InvitedUser(ctx, token)
	if err != nil {
		return SignedIn{}, err
	}
	if msg := passwordProblem(password); msg != "" {
		return SignedIn{}, Invalid("invalid password", FieldError{Field: "password", Message: msg})
	}
	if u.PasswordHash, err = hashPassword(password); err != nil {
		return SignedIn{}, err
	}
	u.InviteHash, u.InviteExpiresAt = "", nil
	if err := us.UpdateUser(ctx, u); err != nil {
		return SignedIn{}, err
	}
	return e.openSession(ctx, us, u)
}

// InvitedUser returns the user an open invitation token belongs to.
// Errors: CodeNotFound for an unknown, used or expired invitation.
func (e *Engine) InvitedUser(ctx context.Context, token string) (User, error) {
	us, err := e.users()
	if err != nil {
		return User{}, err
	}
	gone := Errorf(CodeNotFound, "this invitation is unknown, used or expired")
	if token == "" {
		return User{}, gone
	}
	u, err := us.UserByInvite(ctx, HashAPIKey(token))
	if err != nil {
		if Code(err) == CodeNotFound {
			return User{}, gone
		}
		return User{}, err
	}
	if u.InviteExpiresAt == nil || !e.now().Before(*u.InviteExpiresAt) {
		return User{}, gone
	}
	return u, nil
}

func (e *Engine) openSession(ctx context.Context, us UserStore, u User) (SignedIn, error) {
	token := "ses_" + randomToken(32)
	csrf := randomToken(20)
	now := e.now().UTC()
	s := Session{Hash: HashAPIKey(token), UserID: u.ID, MerchantID: u.MerchantID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now}
	if err := us.CreateSession(ctx, s); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{User: u, Token: token, CSRFToken: csrf}, nil
}

// Session resolves a session cookie's token, checking the idle and absolute
// expiry and that the user still exists (removal ends its sessions at
// once, on every gateway sharing the store). Errors: CodeUnauthorized for
// an unknown or expired session.
func (e *Engine) Session(ctx context.Context, token string) (SessionInfo, error) {
	us, err := e.users()
	if err != nil {
		return SessionInfo{}, err
	}
	expired := Errorf(CodeUnauthorized, "signed out: sign in again")
	if token == "" {
		return SessionInfo{}, expired
	}
	s, err := us.SessionByHash(ctx, HashAPIKey(token))
	if err != nil {
		if Code(err) == CodeNotFound {
			return SessionInfo{}, expired
		}
		return SessionInfo{}, err
	}
	now := e.now().UTC()
	if now.Sub(s.LastSeenAt) >= SessionIdleTimeout || now.Sub(s.CreatedAt) >= SessionAbsoluteTimeout {
		_ = us.DeleteSession(ctx, s.Hash)
		return SessionInfo{}, expired
	}
	u, err := us.GetUser(ctx, s.MerchantID, s.UserID)
	if err != nil {
		if Code(err) == CodeNotFound {
			return SessionInfo{}, expired
		}
		return SessionInfo{}, err
	}
	m, err := e.store.GetMerchant(ctx, u.MerchantID)
	if err != nil {
		return SessionInfo{}, err
	}
	if now.Sub(s.LastSeenAt) >= sessionTouchEvery {
		if err := us.TouchSession(ctx, s.Hash, now); err != nil {
			return SessionInfo{}, err
		}
	}
	return SessionInfo{
		Principal: Principal{MerchantID: u.MerchantID, Role: u.Role, UserID: u.ID},
		User:      u, Merchant: m, CSRFToken: s.CSRFToken,
	}, nil
}

// SignOut ends the session of token; an unknown token is no error.
func (e *Engine) SignOut(ctx context.Context, token string) error {
	us, err := e.users()
	if err != nil {
		return err
	}
	return us.DeleteSession(ctx, HashAPIKey(token))
}

// PurgeSessions deletes every expired session and returns how many.
func (e *Engine) PurgeSessions(ctx context.Context) (int64, error) {
	us, err := e.users()
	if err != nil {
		return 0, err
	}
	now := e.now().UTC()
	return us.DeleteSessionsBefore(ctx, now.Add(-SessionAbsoluteTimeout), now.Add(-SessionIdleTimeout))
}

// CheckCSRF reports whether got is the session's CSRF token, in constant
// time.
func (s SessionInfo) CheckCSRF(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRFToken)) == 1
}

// normalizeEmail trims and lower-cases an address and checks its form; the
// problem is "" when it is fine.
func normalizeEmail(s string) (string, string) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", "is required"
	case len(s) > MaxEmailLength:
		return "", "is too long"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", "is not an e-mail address"
	}
	return s, ""
}

func passwordProblem(pw string) string {
	switch {
	case len(pw) < MinPasswordLength:
		return "must be at least 10 characters"
	case len(pw) > MaxPasswordLength:
		return "must be at most 72 bytes"
	}
	return ""
}

func hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", errors.Join(Errorf(CodeInternal, "hash password"), err)
	}
	return string(h), nil
}
