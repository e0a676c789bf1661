package pgtest

import "testing"

// TestClusterServes starts a cluster, creates a database and a table,
// reads back a row, and checks two clusters do not share one port.
func TestClusterServes(t *testing.T) {
	c := Start(t)
	c.Exec(t, "postgres", "CREATE DATABASE ledgerbridge")
	if got := c.Exec(t, "ledgerbridge", "CREATE TABLE t (n int); INSERT INTO t VALUES (41); SELECT n + 1 FROM t"); got != "42" {
		t.Fatalf("query answered %q, want 42", got)
	}
	if got := c.Exec(t, "ledgerbridge", "SELECT current_user"); got != Superuser {
		t.Errorf("current_user %q", got)
	}
	other := Start(t)
	if other.Port == c.Port || other.Dir == c.Dir {
		t.Fatalf("two clusters share port %d or folder %s", c.Port, c.Dir)
	}
	if got := other.Exec(t, "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'ledgerbridge'"); got != "0" {
		t.Errorf("the second cluster sees the first's database: %s", got)
	}
}
