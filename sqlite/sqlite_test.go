package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jmoiron/sqlx"
)

var testMigrations = fstest.MapFS{
	"00001_items.sql":   {Data: []byte("-- +goose Up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n")},
	"00002_counter.sql": {Data: []byte("-- +goose Up\nCREATE TABLE counter (n INTEGER NOT NULL);\nINSERT INTO counter VALUES (0);\n")},
}

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), testMigrations)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenAppliesPragmasAndMigrations(t *testing.T) {
	db := openTest(t)
	var mode string
	if err := db.Reader().Get(&mode, "PRAGMA journal_mode"); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := db.write.Get(&fk, "PRAGMA foreign_keys"); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v; want 1", fk, err)
	}
	var n int
	if err := db.Reader().Get(&n, "SELECT n FROM counter"); err != nil || n != 0 {
		t.Fatalf("counter = %d, %v", n, err)
	}
	// Reopening applies nothing twice.
	db2, err := Open(context.Background(), db.Path(), testMigrations)
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
}

func TestWriteRollsBackOnError(t *testing.T) {
	db := openTest(t)
	boom := errors.New("boom")
	err := db.Write(context.Background(), func(tx *sqlx.Tx) error {
		if _, err := tx.Exec("INSERT INTO items(name) VALUES ('a')"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	var n int
	db.Reader().Get(&n, "SELECT count(*) FROM items")
	if n != 0 {
		t.Fatalf("rolled-back insert is visible: %d rows", n)
	}
}

func TestConcurrentWritesAreSerialised(t *testing.T) {
	db := openTest(t)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Write(context.Background(), func(tx *sqlx.Tx) error {
				var n int
				if err := tx.Get(&n, "SELECT n FROM counter"); err != nil {
					return err
				}
				_, err := tx.Exec("UPDATE counter SET n = ?", n+1)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var n int
	db.Reader().Get(&n, "SELECT n FROM counter")
	if n != 50 {
		t.Fatalf("counter = %d, want 50 (lost update)", n)
	}
}

func TestIsUniqueViolation(t *testing.T) {
	db := openTest(t)
	insert := func() error {
		return db.Write(context.Background(), func(tx *sqlx.Tx) error {
			_, err := tx.Exec("INSERT INTO items(name) VALUES ('same')")
			return err
		})
	}
	if err := insert(); err != nil {
		t.Fatal(err)
	}
	if err := insert(); !IsUniqueViolation(err) {
		t.Fatalf("second insert: %v, want unique violation", err)
	}
}
