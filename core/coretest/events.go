package coretest

import (
	"context"
	"sync"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Events is a core.EventPublisher for tests that keeps each merchant's
// first event per key, as the webhooks store does, and subscribes every
// merchant to everything. It is safe for concurrent use.
type Events struct {
	mu     sync.Mutex
	keys   map[string]bool
	events []core.Event
}

var _ core.EventPublisher = (*Events)(nil)

// Publish records ev unless its merchant's key was published before.
func (p *Events) Publish(_ context.Context, ev core.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.keys == nil {
		p.keys = map[string]bool{}
	}
	k := ev.MerchantID + "\x00" + ev.Key
	if !p.keys[k] {
		p.keys[k] = true
		p.events = append(p.events, ev)
	}
	return nil
}

// Subscribed is always true.
func (p *Events) Subscribed(context.Context, string, string) (bool, error) { return true, nil }

// Published returns the events recorded, in publishing order.
func (p *Events) Published() []core.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]core.Event(nil), p.events...)
}
