package coretest

import (
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Clock is a test clock that moves only when told to. Its Now method is a
// core.Clock to hand to the engine, providers, outboxes and mocks, so that
// every part of a test stack sees the same time. It is safe for
// concurrent use; the zero Clock reads the zero time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t until it is moved.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, forwards or backwards.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock by d (backwards when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// OnDate sets the clock to noon Stockholm time on date "YYYY-MM-DD", a
// time that is the same day in every Nordic country. It fails t when
// date is not such a date.
func (c *Clock) OnDate(t testing.TB, date string) {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", date+" 12:00", core.Sweden.Location())
	if err != nil {
		t.Fatal(err)
	}
	c.Set(d)
}
