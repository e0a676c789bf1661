package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"
)

// callResult of one call made by inGroup: its error, or the value it
// panicked with.
type callResult struct {
	err      error
	panicked any
}

// inGroup runs fns as concurrent Write calls that are all queued while
// another Write holds the writer, so they run as one group, in order. It
// returns each call's result and how many transactions ran them (more
// than one only when some were retried).
func inGroup(t *testing.T, db *DB, fns ...func(tx *sqlx.Tx) error) ([]callResult, int64) {
	t.Helper()
	ctx := context.Background()
	holding, release := make(chan struct{}), make(chan struct{})
	blocker := make(chan error, 1)
	go func() {
		blocker <- db.Write(ctx, func(tx *sqlx.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	before := db.transactions.Load()

	results := make([]callResult, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					results[i].panicked = v
				}
			}()
			results[i].err = db.Write(ctx, fn)
		}()
		waitQueued(t, db, i+1) // queue them in order
	}
	close(release)
	wg.Wait()
	if err := <-blocker; err != nil {
		t.Fatal(err)
	}
	return results, db.transactions.Load() - before
}

func wantTransactions(t *testing.T, got, low, high int64) {
	t.Helper()
	if got < low || got > high {
		t.Errorf("the calls ran in %d transactions, want %d to %d", got, low, high)
	}
}

func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		db.queue.mu.Lock()
		queued := len(db.queue.jobs)
		db.queue.mu.Unlock()
		if queued >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func insertItem(name string) func(tx *sqlx.Tx) error {
	return func(tx *sqlx.Tx) error {
		_, err := tx.Exec("INSERT INTO items(name) VALUES (?)", name)
		return err
	}
}

func itemNames(t *testing.T, db *DB) []string {
	t.Helper()
	var names []string
	if err := db.Reader().Select(&names, "SELECT name FROM items ORDER BY name"); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestGroupIsolatesAFailingCall(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		fail func(tx *sqlx.Tx) error
		// check inspects the failing call's result.
		check func(r callResult) bool
	}{
		{"error", func(tx *sqlx.Tx) error {
			if err := insertItem("bad")(tx); err != nil {
				return err
			}
			return boom
		}, func(r callResult) bool { return errors.Is(r.err, boom) }},
		{"constraint", insertItem("a"), // "a" is inserted earlier in the group
			func(r callResult) bool { return IsUniqueViolation(r.err) }},
		{"panic", func(tx *sqlx.Tx) error {
			if err := insertItem("bad")(tx); err != nil {
				return err
			}
			panic(boom)
		}, func(r callResult) bool {
			err, ok := r.panicked.(error)
			return ok && errors.Is(err, boom) && strings.Contains(err.Error(), "group_test.go")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			res, txs := inGroup(t, db, insertItem("a"), insertItem("b"), tc.fail, insertItem("c"))
			wantTransactions(t, txs, 1, 1)
			for i, r := range res {
				if i == 2 {
					if !tc.check(r) {
						t.Errorf("failing call: err %v, panic %v", r.err, r.panicked)
					}
				} else if r.err != nil || r.panicked != nil {
					t.Errorf("call %d: err %v, panic %v", i, r.err, r.panicked)
				}
			}
			if got, want := itemNames(t, db), []string{"a", "b", "c"}; !slices.Equal(got, want) {
				t.Fatalf("items = %v, want %v", got, want)
			}
		})
	}
}

func TestGroupCallsSeeEarlierCallsWork(t *testing.T) {
	db := openTest(t)
	increment := func(tx *sqlx.Tx) error {
		_, err := tx.Exec("UPDATE counter SET n = n + 1")
		return err
	}
	var seen []int
	read := func(tx *sqlx.Tx) error {
		var n int
		err := tx.Get(&n, "SELECT n FROM counter")
		seen = append(seen, n)
		return err
	}
	res, txs := inGroup(t, db, increment, read, increment, increment, read)
	wantTransactions(t, txs, 1, 1)
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("call %d: %v", i, r.err)
		}
	}
	if !slices.Equal(seen, []int{1, 3}) {
		t.Fatalf("reads saw %v, want [1 3]", seen)
	}
}

// A call that ends the shared transaction itself loses the others' work;
// they are run again in a new transaction and commit.
func TestGroupRetriesCallsWhoseTransactionWasLost(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name   string
		result error // what the culprit returns after ending the transaction
	}{
		{"culprit fails", boom},
		{"culprit hides it", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			culprit := func(tx *sqlx.Tx) error {
				if _, err := tx.Exec("ROLLBACK"); err != nil {
					return err
				}
				return tc.result
			}
			// The group, then a, b and c again, together or not.
			res, txs := inGroup(t, db, insertItem("a"), insertItem("b"), culprit, insertItem("c"))
			wantTransactions(t, txs, 2, 4)
			for i, r := range res {
				if i == 2 {
					if r.err == nil || (tc.result != nil && !errors.Is(r.err, tc.result)) {
						t.Errorf("culprit: err %v, want an error", r.err)
					}
				} else if r.err != nil || r.panicked != nil {
					t.Errorf("call %d: err %v, panic %v", i, r.err, r.panicked)
				}
			}
			if got, want := itemNames(t, db), []string{"a", "b", "c"}; !slices.Equal(got, want) {
				t.Fatalf("items = %v, want %v", got, want)
			}
		})
	}
}

func TestGroupCommitFailureFailsEveryCall(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	err := db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
			CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The orphan is only refused at COMMIT, which the whole group shares.
	orphan := func(tx *sqlx.Tx) error {
		_, err := tx.Exec("INSERT INTO child VALUES (42)")
		return err
	}
	res, txs := inGroup(t, db, insertItem("a"), orphan, insertItem("b"))
	wantTransactions(t, txs, 1, 1)
	for i, r := range res {
		var se sqlite3.Error
		if !errors.As(r.err, &se) || se.Code != sqlite3.ErrConstraint {
			t.Errorf("call %d: err %v, want the failed COMMIT's constraint error", i, r.err)
		}
	}
	if got := itemNames(t, db); len(got) != 0 {
		t.Fatalf("items = %v after a failed COMMIT", got)
	}
	// The writer is usable afterwards.
	if err := db.Write(ctx, insertItem("c")); err != nil {
		t.Fatal(err)
	}
}

func TestGroupRetriesABusyCall(t *testing.T) {
	db := openTest(t)
	var tries atomic.Int32
	busyOnce := func(tx *sqlx.Tx) error {
		if err := insertItem("busy")(tx); err != nil {
			return err
		}
		if tries.Add(1) == 1 {
			return sqlite3.Error{Code: sqlite3.ErrBusy}
		}
		return nil
	}
	// The group, then the busy call's own retry.
	res, txs := inGroup(t, db, insertItem("a"), busyOnce, insertItem("b"))
	wantTransactions(t, txs, 2, 2)
	for i, r := range res {
		if r.err != nil {
			t.Errorf("call %d: %v", i, r.err)
		}
	}
	if tries.Load() != 2 {
		t.Errorf("busy call ran %d times, want 2", tries.Load())
	}
	if got, want := itemNames(t, db), []string{"a", "b", "busy"}; !slices.Equal(got, want) {
		t.Fatalf("items = %v, want %v", got, want)
	}
}

func TestGroupSkipsACallWhoseContextEnded(t *testing.T) {
	db := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	holding, release := make(chan struct{}), make(chan struct{})
	go db.Write(context.Background(), func(tx *sqlx.Tx) error {
		close(holding)
		<-release
		return nil
	})
	<-holding
	done := make(chan error)
	go func() {
		done <- db.Write(ctx, func(tx *sqlx.Tx) error { ran = true; return nil })
	}()
	waitQueued(t, db, 1)
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if ran {
		t.Fatal("the cancelled call's function ran")
	}
}

// Many concurrent calls, more than one group holds, all commit exactly
// once, and far fewer transactions than calls run them.
func TestConcurrentWritesAllCommit(t *testing.T) {
	db := openTest(t)
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Write(context.Background(), func(tx *sqlx.Tx) error {
				if err := insertItem(fmt.Sprintf("item %03d", i))(tx); err != nil {
					return err
				}
				_, err := tx.Exec("UPDATE counter SET n = n + 1")
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var count int
	if err := db.Reader().Get(&count, "SELECT n FROM counter"); err != nil || count != n {
		t.Fatalf("counter = %d, %v; want %d", count, err, n)
	}
	if got := itemNames(t, db); len(got) != n {
		t.Fatalf("%d items, want %d", len(got), n)
	}
	t.Logf("%d writes in %d transactions", n, db.transactions.Load())
}

func TestPrepareWriteReusedAcrossTransactions(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	insert, err := db.PrepareWrite(ctx, "INSERT INTO items(name) VALUES (?)")
	if err != nil {
		t.Fatal(err)
	}
	use := func(name string, fail error) func(tx *sqlx.Tx) error {
		return func(tx *sqlx.Tx) error {
			if _, err := tx.StmtxContext(ctx, insert).ExecContext(ctx, name); err != nil {
				return err
			}
			return fail
		}
	}
	boom := errors.New("boom")
	if err := db.Write(ctx, use("rolled back", boom)); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if err := db.Write(ctx, use("a", nil)); err != nil {
		t.Fatalf("after a rollback: %v", err)
	}
	// And inside a group, across savepoints.
	res, txs := inGroup(t, db, use("b", nil), use("failed", boom), use("c", nil))
	wantTransactions(t, txs, 1, 1)
	for i, r := range res {
		if (i == 1) != errors.Is(r.err, boom) || (i != 1 && r.err != nil) {
			t.Errorf("call %d: %v", i, r.err)
		}
	}
	if got, want := itemNames(t, db), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("items = %v, want %v", got, want)
	}
}

func TestPrepareReadConcurrently(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.Write(ctx, insertItem("x")); err != nil {
		t.Fatal(err)
	}
	get, err := db.PrepareRead(ctx, "SELECT id FROM items WHERE name = ?")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				var id int64
				if err := get.GetContext(ctx, &id, "x"); err != nil || id != 1 {
					t.Errorf("id = %d, %v", id, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, err := db.PrepareRead(ctx, "SELECT nope FROM items"); err == nil {
		t.Fatal("preparing a bad query succeeded")
	}
}
