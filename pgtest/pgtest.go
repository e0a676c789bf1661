// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb
// into a new temporary folder, the server on its own loopback port and
// socket folder, trust authentication for one superuser, and everything
// removed when the test ends. It uses Debian's postgresql binaries, which
// .ci/run installs; when they are absent a test skips, except under
// CI=true, where it fails. PostgreSQL refuses to run as root, so as root
// the cluster runs as the postgres user (runuser).
//
// It is a test helper: production code never imports it.
package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// Superuser is the cluster's only role; trust authentication, no password.
const Superuser = "ledgerbridge"

// Cluster is a running throwaway cluster.
type Cluster struct {
	Dir  string // the data folder (also the socket folder)
	Port int
	bin  string
	as   string // the OS user the server runs as; "" for the current one
}

// URL is a postgres:// URL of database db on the cluster.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, c.Port, db)
}

// BinDir finds the PostgreSQL server binaries (initdb, pg_ctl), or says
// why there are none.
func BinDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := string(bytes.TrimSpace(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", fmt.Errorf("no PostgreSQL server binaries (Debian: apt-get install postgresql)")
	}
	sort.Strings(matches) // the newest version last
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Start runs a new cluster for t and stops and removes it when t ends. It
// skips t when PostgreSQL is not installed, or fails it under CI=true.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin, err := BinDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the PostgreSQL tests: %v", err)
		}
		t.Skip(err)
	}
	c := &Cluster{bin: bin}
	if os.Geteuid() == 0 {
		c.as = "postgres"
	}
	root, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	c.Dir = filepath.Join(root, "data")
	if err := os.Mkdir(c.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if c.as != "" {
		u, err := user.Lookup(c.as)
		if err != nil {
			t.Fatalf("running as root needs the %s user: %v", c.as, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(root, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(c.Dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if c.Port, err = freePort(); err != nil {
		t.Fatal(err)
	}
	c.run(t, "initdb", "-D", c.Dir, "-U", Superuser, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=%s -c fsync=off -c full_page_writes=off", c.Port, c.Dir)
	c.run(t, "pg_ctl", "-D", c.Dir, "-o", opts, "-l", filepath.Join(c.Dir, "server.log"), "-w", "-t", "60", "start")
	t.Cleanup(func() {
		_ = c.command("pg_ctl", "-D", c.Dir, "-m", "immediate", "-w", "stop").Run()
	})
	return c
}

// Exec runs SQL on database db with psql and returns its unaligned output.
func (c *Cluster) Exec(t testing.TB, db, sql string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(c.bin, "psql"), "-X", "-qtA", "-v", "ON_ERROR_STOP=1", "-d", c.URL(db), "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
	return string(bytes.TrimSpace(out))
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if c.as != "" {
		return exec.Command("runuser", append([]string{"-u", c.as, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (c *Cluster) run(t testing.TB, name string, args ...string) {
	t.Helper()
	cmd := c.command(name, args...)
	cmd.Dir = os.TempDir()
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		t.Fatalf("%s: %v (after %s)\n%s\n%s", name, err, time.Since(start).Round(time.Millisecond), out, log)
	}
}

// freePort is a loopback port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
