package core

import (
	"regexp"
	"testing"
	"time"
)

func TestIDFormats(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		id   func() string
		want *regexp.Regexp
	}{
		{"NewID", func() string { return NewID("ch") }, regexp.MustCompile(`^ch_[a-z2-7]{26}$`)},
		{"NewOrderedID", func() string { return NewOrderedID("inv", at) }, regexp.MustCompile(`^inv_[0-9a-v]{26}$`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 100 {
				id := tt.id()
				if !tt.want.MatchString(id) {
					t.Fatalf("%q does not match %s", id, tt.want)
				}
				if seen[id] {
					t.Fatalf("%q twice", id)
				}
				seen[id] = true
			}
		})
	}
}

func TestNewOrderedIDSortsByTime(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// The first 9 characters hold 45 of the 48 bits of the millisecond, in
	// the layout the open provider's stored ids have.
	for range 10 {
		if id := NewOrderedID("inv", at); id[:13] != "inv_06eaih8a0" {
			t.Fatalf("%q: time prefix is not inv_06eaih8a0", id)
		}
	}
	prev := NewOrderedID("inv", at)
	for _, d := range []time.Duration{time.Millisecond, time.Second, time.Hour, 24 * 365 * time.Hour} {
		next := NewOrderedID("inv", at.Add(d))
		if next <= prev {
			t.Errorf("%v later: %q sorts before %q", d, next, prev)
		}
		prev = next
	}
}
