package coretest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		move func(t *testing.T, c *Clock)
		want time.Time
	}{
		{"unmoved", func(*testing.T, *Clock) {}, start},
		{"advance", func(_ *testing.T, c *Clock) { c.Advance(90 * time.Second) }, start.Add(90 * time.Second)},
		{"advance backwards", func(_ *testing.T, c *Clock) { c.Advance(-time.Hour) }, start.Add(-time.Hour)},
		{"set", func(_ *testing.T, c *Clock) { c.Set(start.AddDate(1, 0, 0)) }, start.AddDate(1, 0, 0)},
		{"on date: noon in Stockholm, winter", func(t *testing.T, c *Clock) { c.OnDate(t, "2026-03-20") },
			time.Date(2026, 3, 20, 11, 0, 0, 0, time.UTC)},
		{"on date: noon in Stockholm, summer", func(t *testing.T, c *Clock) { c.OnDate(t, "2026-07-01") },
			time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewClock(start)
			tc.move(t, c)
			if got := c.Now(); !got.Equal(tc.want) {
				t.Errorf("Now() = %v, want %v", got, tc.want)
			}
		})
	}
}

// The clock may be read and moved from several goroutines (go test -race
// checks the locking); every move counts.
func TestClockConcurrent(t *testing.T) {
	var c Clock
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), (time.Time{}).Add(800*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}

type named struct{ core.Provider }

func TestRegistry(t *testing.T) {
	a, b := &named{}, &named{}
	r := Registry{"sie": b, "open": a, "gone": nil}
	if got, want := r.Names(), []string{"open", "sie"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name string
		want core.Provider // nil: CodeNotFound
	}{
		{"open", a},
		{"sie", b},
		{"gone", nil},
		{"tripletex", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := r.Provider(context.Background(), tc.name)
			if tc.want != nil {
				if err != nil || p != tc.want {
					t.Fatalf("Provider(%q) = %v, %v, want the registered one", tc.name, p, err)
				}
				return
			}
			if p != nil || err == nil || core.AsError(err).Code != core.CodeNotFound {
				t.Fatalf("Provider(%q) = %v, %v, want CodeNotFound", tc.name, p, err)
			}
		})
	}
}
