package integrations

import (
	"maps"
	"sync"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// connCache keeps each merchant's active connection per mode (or its
// absence) once read, because the invoicing engine asks for it on every
// request and a database read plus decryption costs ~100 µs. It is correct
// only because the Service is the only writer of integrations: every write
// goes through write, and no other process may change integrations while
// the gateway runs (one that must has to go through a running gateway, or
// this cache has to go).
//
// Reads are linearizable, by the rules of store's invoice settings cache:
// while a write for a merchant is in flight its reads bypass the cache; a
// read that missed fills the cache only if no write ended since it began;
// a write drops the merchant's entries when it ends, committed or not.
type connCache struct {
	mu      sync.RWMutex
	m       map[connKey]core.ActiveConnection // Status "" caches "none"
	writing map[string]int                    // writes in flight per merchant
	gen     uint64                            // bumped whenever a write ends
}

type connKey struct {
	merchantID string
	mode       core.IntegrationMode
}

// maxCachedConnections bounds the cache's memory; past it, connections not
// yet cached are read from the database each time.
const maxCachedConnections = 20_000

func newConnCache() *connCache {
	return &connCache{m: map[connKey]core.ActiveConnection{}, writing: map[string]int{}}
}

func (c *connCache) get(k connKey) (ac core.ActiveConnection, found, hit bool, gen uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[k]
	if !ok || c.writing[k.merchantID] > 0 {
		return core.ActiveConnection{}, false, false, c.gen
	}
	return cloneConnection(e), e.Status != "", true, 0
}

func (c *connCache) fill(k connKey, gen uint64, ac core.ActiveConnection, found bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok || c.gen != gen || c.writing[k.merchantID] > 0 || len(c.m) >= maxCachedConnections {
		return
	}
	if !found {
		ac = core.ActiveConnection{}
	}
	c.m[k] = cloneConnection(ac)
}

// write runs fn, a write of the merchant's integrations, with the
// merchant's entries bypassed while it runs and dropped when it ends.
func (c *connCache) write(merchantID string, fn func() error) error {
	c.mu.Lock()
	c.writing[merchantID]++
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.writing[merchantID]--; c.writing[merchantID] <= 0 {
			delete(c.writing, merchantID)
		}
		c.gen++
		delete(c.m, connKey{merchantID, core.ModeInvoicing})
		delete(c.m, connKey{merchantID, core.ModeBookkeeping})
	}()
	return fn()
}

func cloneConnection(ac core.ActiveConnection) core.ActiveConnection {
	ac.Settings = maps.Clone(ac.Settings)
	ac.Credentials = maps.Clone(ac.Credentials)
	return ac
}
