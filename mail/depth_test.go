package mail

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestDepth: the unsent e-mails are counted by status; sent ones are not.
func TestDepth(t *testing.T) {
	ctx := context.Background()
	h := &harness{t: t, clock: newClock(), dir: t.TempDir()}
	s := h.openStore()
	depth := func() string {
		t.Helper()
		d, err := s.Depth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(d)
	}
	if got := depth(); got != "map[failed:0 queued:0 sending:0]" {
		t.Fatalf("empty outbox: %s", got)
	}
	now := time.Now()
	for _, id := range []string{"e1", "e2", "e3", "e4"} {
		if _, _, err := s.Enqueue(ctx, h.email(id, "inv-"+id)); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := s.Claim(ctx, now.Add(time.Hour), 3, time.Minute)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claimed %d, %v", len(claimed), err)
	}
	if err := s.MarkSent(ctx, claimed[0].ID, now); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, claimed[1].ID, 1, now, "550 no such user", true); err != nil {
		t.Fatal(err)
	}
	if got := depth(); got != "map[failed:1 queued:1 sending:1]" {
		t.Errorf("after one sent, one failed, one sending: %s", got)
	}
}
