package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/jmoiron/sqlx"
)

// TestOpenCreatesPrivateFiles: a new database, its -wal and -shm files and
// the directory made for it are readable by the owner only, whatever the
// process umask (the usual 022 would leave them 0644 and 0755).
func TestOpenCreatesPrivateFiles(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "test.db")
	db, err := Open(context.Background(), path, testMigrations)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(context.Background(), func(tx *sqlx.Tx) error {
		_, err := tx.Exec("INSERT INTO items(name) VALUES ('a')")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Reader().Get(&n, "SELECT count(*) FROM items"); err != nil || n != 1 {
		t.Fatalf("items = %d, %v", n, err)
	}
	assertMode(t, dir, 0o700)
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		assertMode(t, f, 0o600)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", filepath.Base(path), got, want)
	}
}
