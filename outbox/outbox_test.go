package outbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestIsPermanent(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{core.Errorf(core.CodeInvalid, "bad address"), true},
		{core.Errorf(core.CodeProviderError, "rejected"), true},
		{core.Errorf(core.CodeUnavailable, "down"), false},
		{core.Errorf(core.CodeUnauthorized, "token refused"), false},
		{core.Errorf(core.CodeInternal, "bug"), false},
		{errors.New("plain"), false},
	} {
		if got := IsPermanent(tc.err); got != tc.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	w := NewWorker(Queue[string]{}, Config{MinBackoff: time.Second, MaxBackoff: 10 * time.Second})
	for attempt, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second,
		4: 8 * time.Second, 5: 10 * time.Second, 1000: 10 * time.Second} {
		if got := w.Backoff(attempt); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
	if c := NewWorker(Queue[string]{}, Config{MinBackoff: time.Hour, MaxBackoff: time.Minute}).Config(); c.MaxBackoff != time.Hour {
		t.Errorf("MaxBackoff below MinBackoff became %v, want MinBackoff", c.MaxBackoff)
	}
}

// recording is a Store of string items whose ids are the items.
type recording struct {
	due    []string
	sent   map[string]string // id → receipt
	failed map[string]bool   // id → permanent
	next   map[string]time.Time
}

func (r *recording) Claim(_ context.Context, _ time.Time, limit int, _ time.Duration) ([]string, error) {
	n := min(limit, len(r.due))
	batch := r.due[:n]
	r.due = r.due[n:]
	return batch, nil
}

func (r *recording) MarkSent(_ context.Context, id string, _ time.Time, receipt string) error {
	r.sent[id] = receipt
	return nil
}

func (r *recording) MarkFailed(_ context.Context, id string, _ int, next time.Time, _ string, permanent bool) error {
	r.failed[id], r.next[id] = permanent, next
	return nil
}

// TestDrainRecordsEachOutcome: Drain takes batch after batch, stores a
// delivery's receipt, and tells permanent failures from temporary ones,
// which wait their backoff.
func TestDrainRecordsEachOutcome(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	st := &recording{due: []string{"ok1", "ok2", "down", "rejected", "ok3"},
		sent: map[string]string{}, failed: map[string]bool{}, next: map[string]time.Time{}}
	w := NewWorker(Queue[string]{
		Name: "test", Store: st,
		Key: func(s string) Key { return Key{ID: s, Attempt: 3} },
		Send: func(_ context.Context, s string) (string, error) {
			switch s {
			case "down":
				return "", core.Errorf(core.CodeUnavailable, "down")
			case "rejected":
				return "", core.Errorf(core.CodeProviderError, "rejected")
			}
			return "receipt-" + s, nil
		},
	}, Config{Now: func() time.Time { return now }, BatchSize: 2})
	if n := w.Drain(context.Background()); n != 5 {
		t.Errorf("Drain = %d, want 5 over three batches", n)
	}
	if len(st.sent) != 3 || st.sent["ok3"] != "receipt-ok3" {
		t.Errorf("sent = %v", st.sent)
	}
	if permanent, ok := st.failed["rejected"]; !ok || !permanent {
		t.Errorf("rejected: recorded %v, permanent %v", ok, permanent)
	}
	if permanent, ok := st.failed["down"]; !ok || permanent || !st.next["down"].Equal(now.Add(4*time.Minute)) {
		t.Errorf("down: permanent %v, next %v, want a retry after the third attempt's 4 min", permanent, st.next["down"])
	}
}

// TestFailedSendIsLogged: a failed send reaches the configured slog logger as
// a warning with the item's id, its attempt and whether it is permanent.
func TestFailedSendIsLogged(t *testing.T) {
	var logs bytes.Buffer
	st := &recording{due: []string{"down"}, sent: map[string]string{}, failed: map[string]bool{}, next: map[string]time.Time{}}
	w := NewWorker(Queue[string]{
		Name: "test", Store: st,
		Key:  func(s string) Key { return Key{ID: s, Attempt: 1, LogAttrs: []any{"invoice_id", "inv_1"}} },
		Send: func(context.Context, string) (string, error) { return "", core.Errorf(core.CodeUnavailable, "down") },
	}, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	w.Drain(context.Background())
	line := logs.String()
	for _, want := range []string{"level=WARN", `msg="test: sending failed"`, "id=down", "invoice_id=inv_1", "attempt=1", "permanent=false"} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %s", line, want)
		}
	}
}
