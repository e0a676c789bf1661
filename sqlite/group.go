package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Group commit. Concurrent Write calls queue up; whichever caller finds no
// group running becomes the leader, runs up to maxGroup queued functions in
// one transaction and commits once, then hands the lead to the next queued
// caller. A COMMIT (and its WAL write) is the most expensive part of a small
// write transaction, so sharing it is what makes many small concurrent
// writes cheap.
//
// Each function of a group of several runs inside its own SAVEPOINT: when it
// fails (returns an error or panics) only its own work is rolled back and the
// others go on. A function running alone gets a plain transaction. Every
// caller gets its own result; a nil one means its work is committed.

// maxGroup bounds how many Write calls share one transaction.
const maxGroup = 64

// maxInnocentRetries bounds how often one Write call is run again because
// its group's transaction was lost through another call's fault.
const maxInnocentRetries = 16

// savepointName is the group's per-call savepoint. Functions must not use
// this name for savepoints of their own.
const savepointName = "ledgerbridge_write"

// errGroupLost is returned (joined with the cause) to a Write call whose
// group transaction failed repeatedly through other calls' faults.
var errGroupLost = errors.New("sqlite: write abandoned: its shared transaction was rolled back by another write")

type writeJob struct {
	ctx  context.Context
	fn   func(tx *sqlx.Tx) error
	done chan writeResult
}

type writeResult struct {
	err      error
	retry    bool // the transaction was lost through another call: run again
	panicked bool // fn panicked; err is a *writePanic
	lead     bool // the receiver is now the group leader
}

// writeQueue is the writer's queue of Write calls waiting for a group.
type writeQueue struct {
	mu      sync.Mutex
	jobs    []*writeJob
	running bool
}

// writePanic carries a panic out of a function run on the leader's
// goroutine, so it can be raised again in its caller's.
type writePanic struct {
	value any
	stack []byte
}

func (p *writePanic) Error() string {
	return fmt.Sprintf("sqlite: panic in Write function: %v\n\n%s", p.value, p.stack)
}

// Unwrap returns the panic value when it is an error.
func (p *writePanic) Unwrap() error {
	err, _ := p.value.(error)
	return err
}

// groupWrite runs fn once in a group (retrying it when another call lost the
// group's transaction) and returns its own result. It re-raises a panic of
// fn in the calling goroutine.
func (db *DB) groupWrite(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	var lost error
	for i := 0; i <= maxInnocentRetries; i++ {
		r := db.submit(&writeJob{ctx: ctx, fn: fn})
		if r.panicked {
			panic(r.err)
		}
		if !r.retry {
			return r.err
		}
		lost = r.err
	}
	return errors.Join(errGroupLost, lost)
}

// submit queues job and waits for its result, leading groups while it is
// the leader.
func (db *DB) submit(job *writeJob) writeResult {
	job.done = make(chan writeResult, 1)
	q := &db.queue
	q.mu.Lock()
	q.jobs = append(q.jobs, job)
	if q.running {
		q.mu.Unlock()
		r := <-job.done
		if !r.lead {
			return r
		}
		q.mu.Lock()
	}
	// This caller leads. Its own job is in the queue, possibly behind others
	// when the lead was handed to it; it leads groups until its job is done.
	q.running = true
	for {
		n := min(len(q.jobs), maxGroup)
		group := append([]*writeJob(nil), q.jobs[:n]...)
		q.jobs = q.jobs[n:]
		q.mu.Unlock()

		var own *writeResult
		results := db.runGroup(group)
		for i, j := range group {
			if j == job {
				own = &results[i]
			} else {
				j.done <- results[i]
			}
		}

		q.mu.Lock()
		if own != nil {
			if len(q.jobs) > 0 {
				q.jobs[0].done <- writeResult{lead: true}
			} else {
				q.running = false
			}
			q.mu.Unlock()
			return *own
		}
	}
}

// runGroup runs jobs in one transaction and returns each job's result. Jobs
// whose context has ended are not run. If the transaction cannot begin or
// commit, every job whose function succeeded gets that error.
func (db *DB) runGroup(jobs []*writeJob) []writeResult {
	results := make([]writeResult, len(jobs))
	live := make([]int, 0, len(jobs))
	for i, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		live = append(live, i)
	}
	if len(live) == 0 {
		return results
	}
	// The transaction serves several callers, so it must not end with any
	// one caller's context; each function uses its own context inside.
	ctx := context.Background()
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		for _, i := range live {
			results[i].err = err
		}
		return results
	}
	db.transactions.Add(1)
	if len(live) == 1 {
		i := live[0]
		results[i] = call(jobs[i], tx)
		if results[i].err != nil {
			_ = tx.Rollback()
		} else {
			results[i].err = tx.Commit()
		}
		return results
	}

	var sp savepointStmts
	succeeded := make([]int, 0, len(live))
	// lose gives up the transaction after job k failed in a way that lost
	// it: the jobs that had succeeded and those not yet run are retried.
	lose := func(k int, cause error) []writeResult {
		_ = tx.Rollback()
		for _, i := range succeeded {
			results[i] = writeResult{err: cause, retry: true}
		}
		for _, i := range live[k+1:] {
			results[i] = writeResult{err: cause, retry: true}
		}
		return results
	}
	for k, i := range live {
		if err := sp.exec(ctx, tx, db.savepoint, &sp.begin); err != nil {
			results[i].err = err
			return lose(k, err)
		}
		r := call(jobs[i], tx)
		if r.err == nil {
			if err := sp.exec(ctx, tx, db.release, &sp.release); err != nil {
				// fn swallowed an error that rolled the transaction back.
				results[i].err = err
				return lose(k, err)
			}
			succeeded = append(succeeded, i)
			continue
		}
		results[i] = r
		if err := sp.exec(ctx, tx, db.rollbackTo, &sp.rollback); err != nil {
			// fn's error rolled back the whole transaction.
			return lose(k, fmt.Errorf("sqlite: shared transaction rolled back by another write's error: %v", r.err))
		}
		if err := sp.exec(ctx, tx, db.release, &sp.release); err != nil {
			return lose(k, err)
		}
	}
	err = tx.Commit()
	for _, i := range succeeded {
		results[i].err = err
	}
	return results
}

// call runs the job's function, turning a panic into a result.
func call(j *writeJob, tx *sqlx.Tx) (r writeResult) {
	defer func() {
		if v := recover(); v != nil {
			r = writeResult{err: &writePanic{value: v, stack: debug.Stack()}, panicked: true}
		}
	}()
	return writeResult{err: j.fn(tx)}
}

// savepointStmts are the group transaction's savepoint statements, bound
// to it on first use.
type savepointStmts struct {
	begin, release, rollback *sql.Stmt
}

func (s *savepointStmts) exec(ctx context.Context, tx *sqlx.Tx, prepared *sql.Stmt, bound **sql.Stmt) error {
	if *bound == nil {
		*bound = tx.StmtContext(ctx, prepared)
	}
	_, err := (*bound).ExecContext(ctx)
	return err
}
