package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/config"
)

// TestNewAppCreatesPrivateDataDir: on a fresh data directory every file
// the gateway and its built-in providers create (databases with their -wal
// and -shm files, credentials.key, demo-keys.json) is 0600 and the
// directory 0700, under the common umask 022.
func TestNewAppCreatesPrivateDataDir(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.LogLevel = "error"
	ctx := context.Background()
	a, err := newApp(ctx, cfg, io.Discard, appOptions{inProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := seedDemo(ctx, a, io.Discard); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir: mode %#o, want 0700", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		seen[e.Name()] = true
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %#o, want 0600", e.Name(), info.Mode().Perm())
		}
	}
	for _, want := range []string{"ledgerbridge.db", "ledgerbridge.db-wal", "ledgerbridge.db-shm", "mail.db", "einvoice.db", "webhooks.db", "open.db", "sie.db", "tripletex.db", "spiris.db", "credentials.key", demoKeysFile} {
		if !seen[want] {
			t.Errorf("%s not created (have %v)", want, seen)
		}
	}
}

// TestNewAppWarnsAboutLooseDataDir: an existing data directory and files
// in it that the group or others may read are named, with their mode, in a
// warning at start-up, and left as they are.
func TestNewAppWarnsAboutLooseDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(dir, "credentials.key")
	if err := os.WriteFile(loose, []byte("2PKq3yBzzSNaRuT3zKWkbf8CTC8kBuGdNB6jmiWWPw0=\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = dir
	var logs bytes.Buffer
	a, err := newApp(context.Background(), cfg, &logs, appOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	warned := map[string]string{}
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec struct {
			Level, Msg, Path, Mode string
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Level == "WARN" && rec.Path != "" {
			warned[rec.Path] = rec.Mode
		}
	}
	if warned[dir] != "0755" || warned[loose] != "0644" {
		t.Errorf("warnings by path: %v; want %s 0755 and %s 0644\nlogs:\n%s", warned, dir, loose, logs.String())
	}
	if len(warned) != 2 {
		t.Errorf("warned about %v, want only the directory and the key file (new files are private)", warned)
	}
	for path, want := range map[string]os.FileMode{dir: 0o755, loose: 0o644} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s changed: %v %v", path, fi.Mode(), err)
		}
	}
}

// asNobodyEnv marks the test process run again as an unprivileged user.
const asNobodyEnv = "LEDGERBRIDGE_TEST_AS_NOBODY"

// runAsNobody runs the test named name again in a copy of this test binary
// as uid/gid 65534 (root may write any directory, so a permission test as
// root proves nothing) and fails t with its output when it fails.
func runAsNobody(t *testing.T, name string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ledgerbridge-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "test.bin")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+name+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), asNobodyEnv+"=1", "TMPDIR="+os.TempDir(), "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s as uid 65534: %v\n%s", name, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("%s did not run as uid 65534:\n%s", name, out)
	}
}

// A data directory the gateway's user cannot write is reported as
// "permission denied", naming the directory: whether it is empty or holds
// the databases of an earlier run (which SQLite would call a "readonly
// database").
func TestUnwritableDataDirSaysPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 && os.Getenv(asNobodyEnv) == "" {
		runAsNobody(t, "TestUnwritableDataDirSaysPermissionDenied")
		return
	}
	for _, tc := range []struct {
		name     string
		populate bool // run the gateway once before taking write access away
	}{{name: "empty", populate: false}, {name: "earlier run", populate: true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = filepath.Join(t.TempDir(), "data")
			cfg.LogLevel = "error"
			ctx := context.Background()
			if tc.populate {
				a, err := newApp(ctx, cfg, io.Discard, appOptions{inProcess: true})
				if err != nil {
					t.Fatal(err)
				}
				a.Close()
			} else if err := os.Mkdir(cfg.DataDir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(cfg.DataDir, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(cfg.DataDir, 0o700) })
			a, err := newApp(ctx, cfg, io.Discard, appOptions{inProcess: true})
			if err == nil {
				a.Close()
				t.Fatal("newApp on an unwritable data dir succeeded")
			}
			for _, want := range []string{cfg.DataDir, "permission denied"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
