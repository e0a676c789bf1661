package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// usersCreate runs `ledgerbridge users create` with stdin and returns its
// stdout, stderr and whether it succeeded.
func usersCreate(t *testing.T, stdin string, args ...string) (string, string, bool) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(binary, append([]string{"users", "create"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err == nil
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// formClient is a browser without JavaScript: cookies, no redirects
// followed.
func formClient(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signInForm signs in through the sign-in form and returns the answer's
// status and Location.
func signInForm(t *testing.T, c *http.Client, base, email, password string) (int, string) {
	t.Helper()
	resp, err := c.Get(base + "/backoffice/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		t.Fatalf("the sign-in page has no CSRF field:\n%s", page)
	}
	resp, err = c.PostForm(base+"/backoffice/login", url.Values{"csrf_token": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestUsersCreateCommand: the operator creates a merchant's first
// BackOffice user from the command line (password on stdin), and that user
// signs in; without --password-stdin the command prints an invitation that
// opens; bad input exits non-zero naming the field.
func TestUsersCreateCommand(t *testing.T) {
	dir := t.TempDir()
	m := createMerchant(t, dir, "Kafé Kommandorad AB", 1)
	out, errOut, ok := usersCreate(t, "a fine long password\n", "--data-dir", dir, "--merchant", m.ID,
		"--email", "Owner@Example.se", "--role", "admin", "--password-stdin")
	if !ok {
		t.Fatalf("users create failed: %s", errOut)
	}
	var u struct {
		ID, Email, Role, Language string
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.Email != "owner@example.se" || u.Role != "admin" || u.Language != "sv" {
		t.Fatalf("users create printed %q (%v)", out, err)
	}
	out, _, ok = usersCreate(t, "", "--data-dir", dir, "--merchant", m.ID, "--email", "cashier@example.se", "--role", "cashier")
	var inv struct {
		InvitePath string `json:"invite_path"`
	}
	if !ok || json.Unmarshal([]byte(out), &inv) != nil || !strings.HasPrefix(inv.InvitePath, "/backoffice/invite/inv_") {
		t.Fatalf("invitation printed %q", out)
	}
	if _, errOut, ok := usersCreate(t, "x\n", "--data-dir", dir, "--merchant", m.ID, "--email", "bad", "--role", "boss", "--password-stdin"); ok ||
		!strings.Contains(errOut, "email") || !strings.Contains(errOut, "role") || !strings.Contains(errOut, "password") {
		t.Fatalf("bad input: ok=%v, stderr %q; want a failure naming email, role and password", ok, errOut)
	}
	if _, errOut, ok := usersCreate(t, "a fine long password\n", "--data-dir", dir, "--merchant", m.ID, "--email", "owner@example.se", "--role", "admin", "--password-stdin"); ok || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate address: ok=%v, stderr %q", ok, errOut)
	}

	g := startGateway(t, dir)
	c := formClient(t)
	if status, loc := signInForm(t, c, g.URL, "owner@example.se", "a fine long password"); status != http.StatusSeeOther || loc != "/backoffice/" {
		t.Fatalf("sign in = %d %q", status, loc)
	}
	resp, err := c.Get(g.URL + "/backoffice/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Kafé Kommandorad AB") {
		t.Fatalf("overview = %d\n%s", resp.StatusCode, body)
	}
	resp, err = formClient(t).Get(g.URL + inv.InvitePath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invitation page = %d", resp.StatusCode)
	}
}
