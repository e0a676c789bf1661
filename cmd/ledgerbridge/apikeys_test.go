package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/backup"
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// run runs the ledgerbridge command line with args and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestAPIKeysCommand: `api-keys list --merchant` prints the merchant's keys
// without secrets; `api-keys revoke ID` revokes one, which then no longer
// authenticates.
func TestAPIKeysCommand(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, "merchants", "create", "--name", "Kafé CLI AB", "--data-dir", dir)
	if err != nil {
		t.Fatalf("merchants create: %v %s", err, out)
	}
	var mk merchantKeys
	if err := json.Unmarshal([]byte(out), &mk); err != nil {
		t.Fatalf("merchants create output %q: %v", out, err)
	}
	out, err = run(t, "api-keys", "list", "--merchant", mk.MerchantID, "--data-dir", dir)
	if err != nil {
		t.Fatalf("api-keys list: %v %s", err, out)
	}
	for _, secret := range mk.APIKeys {
		sum := sha256.Sum256([]byte(secret))
		if strings.Contains(out, secret) || strings.Contains(out, hex.EncodeToString(sum[:])) || strings.Contains(out, `"hash"`) {
			t.Fatalf("api-keys list prints a secret or its hash: %s", out)
		}
	}
	var keys []struct {
		ID        string  `json:"id"`
		Role      string  `json:"role"`
		RevokedAt *string `json:"revoked_at"`
	}
	if err := json.Unmarshal([]byte(out), &keys); err != nil || len(keys) != 3 {
		t.Fatalf("api-keys list output %q: %v", out, err)
	}
	// A gateway already running on the same database (another process, in
	// effect: its own connections) has used the key before the revocation.
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := core.NewEngine(st, nil, core.EngineOptions{})
	if _, err := e.Authenticate(context.Background(), mk.APIKeys["cashier"]); err != nil {
		t.Fatalf("cashier key before revocation: %v", err)
	}
	var cashier string
	for _, k := range keys {
		if k.Role == "cashier" {
			cashier = k.ID
		}
	}
	if out, err := run(t, "api-keys", "revoke", cashier, "--data-dir", dir); err != nil || !strings.Contains(out, `"revoked_at": "`) {
		t.Fatalf("api-keys revoke: %v %s", err, out)
	}
	if out, err := run(t, "api-keys", "revoke", "key_nosuch", "--data-dir", dir); err == nil {
		t.Fatalf("revoking an unknown key succeeded: %s", out)
	}
	if _, err := run(t, "api-keys", "list", "--merchant", "mer_nosuch", "--data-dir", dir); err == nil {
		t.Fatalf("listing an unknown merchant's keys succeeded")
	}

	if _, err := e.Authenticate(context.Background(), mk.APIKeys["cashier"]); core.Code(err) != core.CodeUnauthorized {
		t.Fatalf("the running gateway still accepts the revoked cashier key: %v", err)
	}
	if _, err := e.Authenticate(context.Background(), mk.APIKeys["admin"]); err != nil {
		t.Fatalf("admin key no longer authenticates: %v", err)
	}
}

// TestAPIKeysCommandHonoursRestoreLock: while a restore holds the data dir
// exclusively, api-keys does not open the database under it.
func TestAPIKeysCommandHonoursRestoreLock(t *testing.T) {
	dir := t.TempDir()
	f, err := os.OpenFile(filepath.Join(dir, backup.LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"api-keys", "list", "--merchant", "mer_x"}, {"api-keys", "revoke", "key_x"}} {
		if out, err := run(t, append(args, "--data-dir", dir)...); !errors.Is(err, backup.ErrInUse) {
			t.Errorf("%v under a restore's lock: %v %s, want %v", args, err, out, backup.ErrInUse)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err == nil {
		t.Error("the database was created under a restore's lock")
	}
}
