package core

import (
	"context"
	"sync"
	"time"
)

// keyUsage coalesces API key use in memory: Authenticate notes the time of
// each key's latest request here, and FlushKeyUsage writes them all in one
// store call. Authentication therefore costs one indexed read and no write.
// Its size is bounded by the number of keys that authenticated since the
// last flush.
type keyUsage struct {
	mu   sync.Mutex
	used map[string]time.Time // key ID → latest use
}

func (u *keyUsage) note(id string, t time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.used == nil {
		u.used = map[string]time.Time{}
	}
	if old, ok := u.used[id]; !ok || t.After(old) {
		u.used[id] = t
	}
}

// take returns the pending uses and forgets them.
func (u *keyUsage) take() map[string]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.used
	u.used = nil
	return m
}

// peek returns the pending use of one key.
func (u *keyUsage) peek(id string) (time.Time, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.used[id]
	return t, ok
}

// restore puts back uses whose flush failed, keeping newer ones.
func (u *keyUsage) restore(m map[string]time.Time) {
	for id, t := range m {
		u.note(id, t)
	}
}

// FlushKeyUsage writes the key uses noted since the last flush in one
// store write. On failure they are kept for the next flush.
func (e *Engine) FlushKeyUsage(ctx context.Context) error {
	used := e.usage.take()
	if len(used) == 0 {
		return nil
	}
	if err := e.store.TouchAPIKeys(ctx, used); err != nil {
		e.usage.restore(used)
		return err
	}
	return nil
}

// RunKeyUsageFlusher flushes key use every interval until ctx ends. The
// caller flushes once more after the last request was answered (shutdown).
func (e *Engine) RunKeyUsageFlusher(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.FlushKeyUsage(ctx); err != nil {
				e.log.Warn("record API key use", "error", err)
			}
		}
	}
}

// ListAPIKeys returns the caller's merchant's keys, revoked ones included,
// never their secrets or hashes. last_used_at includes this process's uses
// not yet flushed. Errors: CodeForbidden.
func (e *Engine) ListAPIKeys(ctx context.Context, p Principal) ([]APIKey, error) {
	if err := p.Authorize(ActionManageAPIKeys); err != nil {
		return nil, err
	}
	keys, err := e.store.ListAPIKeys(ctx, p.MerchantID)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		keys[i].Hash = ""
		if t, ok := e.usage.peek(keys[i].ID); ok && (keys[i].LastUsedAt == nil || keys[i].LastUsedAt.Before(t)) {
			keys[i].LastUsedAt = &t
		}
	}
	return keys, nil
}

// RevokeAPIKey revokes one of the caller's merchant's keys: from the
// store's write on, every authentication with it, on every gateway sharing
// the database, answers 401. Revoking a revoked key is not an error.
// Errors: CodeForbidden; CodeNotFound for an unknown key or another
// merchant's.
func (e *Engine) RevokeAPIKey(ctx context.Context, p Principal, id string) (APIKey, error) {
	if err := p.Authorize(ActionManageAPIKeys); err != nil {
		return APIKey{}, err
	}
	k, err := e.store.RevokeAPIKey(ctx, p.MerchantID, id, e.now().UTC())
	k.Hash = ""
	return k, err
}
