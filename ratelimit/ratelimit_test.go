package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

// TestBoundedMemory: the limiter forgets clients beyond its capacity
// instead of growing without bound.
func TestBoundedMemory(t *testing.T) {
	l := New(2, time.Minute, false, 100)
	for i := range 1000 {
		l.Fail("192.0.2." + strconv.Itoa(i%250) + "/" + strconv.Itoa(i))
	}
	if n := l.Size(); n > 100 {
		t.Fatalf("limiter tracks %d clients, want at most 100", n)
	}
}

// TestRefill: a client past its burst waits, and may try again once a
// token came back.
func TestRefill(t *testing.T) {
	l := New(2, time.Minute, false, 100)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	l.Fail("a")
	if w := l.Wait("a"); w != 0 {
		t.Fatalf("after one failure of two: wait %v, want 0", w)
	}
	l.Fail("a")
	if w := l.Wait("a"); w != time.Minute {
		t.Fatalf("past the burst: wait %v, want 1m", w)
	}
	if w := l.Wait("b"); w != 0 {
		t.Fatalf("another client: wait %v, want 0", w)
	}
	now = now.Add(time.Minute)
	if w := l.Wait("a"); w != 0 {
		t.Fatalf("after a refill: wait %v, want 0", w)
	}
}

func TestClientKey(t *testing.T) {
	l := New(1, time.Minute, true, 10)
	for _, tc := range []struct {
		ip, key string
		ok      bool
	}{
		{"192.0.2.1", "192.0.2.1", true},
		{"2001:db8::1", "2001:db8::/64", true},
		{"127.0.0.1", "", false},
		{"::1", "", false},
	} {
		key, ok := l.ClientKey(tc.ip)
		if key != tc.key || ok != tc.ok {
			t.Errorf("ClientKey(%s) = %q, %v; want %q, %v", tc.ip, key, ok, tc.key, tc.ok)
		}
	}
}
