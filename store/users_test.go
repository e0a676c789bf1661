package store

import (
	"context"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestUsersAndSessions drives the engine's BackOffice users over the real
// store: sign-in, wrong passwords, invitations, expiry, removal and merchant
// isolation.
func TestUsersAndSessions(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"mer_a", "mer_b"} {
		m, keys := testMerchant(id, now)
		if err := s.CreateMerchant(ctx, m, keys); err != nil {
			t.Fatal(err)
		}
	}
	e := core.NewEngine(s, nil, core.EngineOptions{Clock: func() time.Time { return now }})
	operator := core.Principal{MerchantID: "mer_a", Role: core.RoleAdmin}

	admin, tok, err := e.CreateUser(ctx, operator, core.NewUser{Email: " Anna@Example.se ", Role: core.RoleAdmin, Password: "correct horse"})
	if err != nil || tok != "" || admin.Email != "anna@example.se" || admin.Language != core.LanguageSwedish {
		t.Fatalf("CreateUser = %+v, %q, %v", admin, tok, err)
	}
	_, _, err = e.CreateUser(ctx, core.Principal{MerchantID: "mer_b", Role: core.RoleAdmin}, core.NewUser{Email: "anna@example.se", Role: core.RoleCashier, Password: "0123456789"})
	wantCode(t, err, core.CodeConflict)
	_, _, err = e.CreateUser(ctx, core.Principal{MerchantID: "mer_a", Role: core.RoleAccountant}, core.NewUser{Email: "x@example.se", Role: core.RoleCashier})
	wantCode(t, err, core.CodeForbidden)
	_, _, err = e.CreateUser(ctx, operator, core.NewUser{Email: "not an address", Role: "boss", Password: "short"})
	wantCode(t, err, core.CodeInvalid)
	if fields := err.(*core.Error).Fields; len(fields) != 3 {
		t.Fatalf("invalid user fields = %+v, want email, role and password", fields)
	}

	for _, tc := range []struct{ email, password string }{
		{"anna@example.se", "wrong password"},
		{"nobody@example.se", "correct horse"},
		{"anna@example.se", ""},
	} {
		_, err := e.SignIn(ctx, tc.email, tc.password)
		wantCode(t, err, core.CodeUnauthorized)
	}
	in, err := e.SignIn(ctx, "ANNA@example.se", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	info, err := e.Session(ctx, in.Token)
	if err != nil || info.Principal != (core.Principal{MerchantID: "mer_a", Role: core.RoleAdmin, UserID: admin.ID}) ||
		!info.CheckCSRF(in.CSRFToken) || info.CheckCSRF("") || info.CheckCSRF("x"+in.CSRFToken) {
		t.Fatalf("Session = %+v, %v", info, err)
	}

	// An invitation: no sign-in until accepted, once only.
	invited, invite, err := e.CreateUser(ctx, principalOf(admin), core.NewUser{Email: "bo@example.se", Role: core.RoleCashier, Language: core.LanguageEnglish})
	if err != nil || invite == "" || !invited.Invited() {
		t.Fatalf("invite = %+v, %q, %v", invited, invite, err)
	}
	_, err = e.SignIn(ctx, "bo@example.se", "")
	wantCode(t, err, core.CodeUnauthorized)
	_, err = e.AcceptInvite(ctx, invite, "short")
	wantCode(t, err, core.CodeInvalid)
	bo, err := e.AcceptInvite(ctx, invite, "a long enough one")
	if err != nil || bo.User.Role != core.RoleCashier {
		t.Fatalf("AcceptInvite = %+v, %v", bo, err)
	}
	_, err = e.AcceptInvite(ctx, invite, "a long enough one")
	wantCode(t, err, core.CodeNotFound)

	// Another merchant's user is not found; the last admin stays.
	wantCode(t, e.RemoveUser(ctx, core.Principal{MerchantID: "mer_b", Role: core.RoleAdmin}, bo.User.ID), core.CodeNotFound)
	wantCode(t, e.RemoveUser(ctx, principalOf(admin), admin.ID), core.CodeConflict)
	wantCode(t, e.RemoveUser(ctx, core.Principal{MerchantID: "mer_a", Role: core.RoleAdmin, UserID: "usr_other"}, admin.ID), core.CodeConflict)
	if err := e.RemoveUser(ctx, principalOf(admin), bo.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.Session(ctx, bo.Token)
	wantCode(t, err, core.CodeUnauthorized)

	// Idle and absolute expiry.
	now = now.Add(core.SessionIdleTimeout - time.Minute)
	if _, err := e.Session(ctx, in.Token); err != nil {
		t.Fatalf("session used within the idle time: %v", err)
	}
	now = now.Add(core.SessionIdleTimeout - time.Minute)
	if _, err := e.Session(ctx, in.Token); err != nil {
		t.Fatalf("session kept alive: %v", err)
	}
	now = now.Add(core.SessionIdleTimeout)
	_, err = e.Session(ctx, in.Token)
	wantCode(t, err, core.CodeUnauthorized)

	in2, err := e.SignIn(ctx, "anna@example.se", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for range 12 {
		now = now.Add(time.Hour)
		_, err = e.Session(ctx, in2.Token)
	}
	wantCode(t, err, core.CodeUnauthorized)
	if err := e.SignOut(ctx, in2.Token); err != nil {
		t.Fatal(err)
	}
}

func principalOf(u core.User) core.Principal {
	return core.Principal{MerchantID: u.MerchantID, Role: u.Role, UserID: u.ID}
}
