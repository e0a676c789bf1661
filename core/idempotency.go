package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// IdempotencyStore keeps the records behind Idempotency (Store has them).
type IdempotencyStore interface {
	BeginIdempotent(ctx context.Context, rec IdempotencyRecord) (stored IdempotencyRecord, created bool, err error)
	CompleteIdempotent(ctx context.Context, merchantID, scope, key string, response []byte) error
	AbandonIdempotent(ctx context.Context, merchantID, scope, key string) error
}

// Idempotency is the one mechanism behind every Idempotency-Key: charges,
// refunds and payments (the engine's) and sales receipts (the exports
// service's), each in its own scope. It lives below HTTP: handlers pass
// the header's key and never run the mechanism themselves. One value per
// store and process; its lock serialises concurrent requests with one key.
type Idempotency struct {
	store IdempotencyStore
	now   Clock
	locks keyedMutex
}

// NewIdempotency returns the mechanism over store; now stamps new records.
func NewIdempotency(store IdempotencyStore, now Clock) *Idempotency {
	return &Idempotency{store: store, now: now}
}

// ErrClaimed marks the store's refusal of a claim another key took.
var ErrClaimed = errors.New("claimed by another key")

// Do runs an operation that creates something at most once per
// (merchant, scope, key): the one mechanism behind every Idempotency-Key
// (charges, refunds, sales receipts). On first use the key gets a resource id (prefix
// "ch", "cr", ...) that run receives as the provider's external reference,
// so a run interrupted by a crash or a lost response is completed by the
// next request with the key instead of creating again. The first result is
// stored and decoded into out for every later request (replayed=true).
//
// Errors: CodeConflict when the key was used with a different request;
// run's errors. A run refused on its first attempt (invalid, not found,
// conflict, unsupported: nothing was created) frees the key for a
// corrected request; a refused re-run keeps it, because its first attempt
// may have created.
func (i *Idempotency) Do(ctx context.Context, merchantID, scope, prefix, key string, req, out any, run func(ref string) (any, error)) (replayed bool, err error) {
	return i.DoClaimed(ctx, merchantID, scope, prefix, key, "", req, out, run)
}

// DoClaimed is Do with a claim (IdempotencyRecord.Claim), such as "this
// receipt at this location": a new key whose claim another key took
// returns an error wrapping ErrClaimed, and nothing runs.
func (i *Idempotency) DoClaimed(ctx context.Context, merchantID, scope, prefix, key, claim string, req, out any, run func(ref string) (any, error)) (replayed bool, err error) {
	if err := validateIdempotencyKey(key); err != nil {
		return false, err
	}
	hash, err := requestHash(req)
	if err != nil {
		return false, err
	}
	unlock := i.locks.lock(merchantID + "\x00" + scope + "\x00" + key)
	defer unlock()
	rec, created, err := i.store.BeginIdempotent(ctx, IdempotencyRecord{
		MerchantID: merchantID, Scope: scope, Key: key, RequestHash: hash,
		ResourceID: NewID(prefix), Status: IdempotencyPending, CreatedAt: i.now().UTC(), Claim: claim,
	})
	if err != nil {
		if claim != "" && Code(err) == CodeConflict {
			return false, fmt.Errorf("%w: %w", ErrClaimed, err)
		}
		return false, err
	}
	if !created {
		if rec.RequestHash != hash {
			return false, &Error{Code: CodeConflict, Message: "this Idempotency-Key was used with a different request",
				Fields: []FieldError{{Field: "Idempotency-Key", Message: "already used with a different body"}}}
		}
		if rec.Status == IdempotencyCompleted {
			if err := json.Unmarshal(rec.Response, out); err != nil {
				return false, Errorf(CodeInternal, "stored %s response: %v", scope, err)
			}
			return true, nil
		}
		// Pending: an earlier attempt did not finish. Run it again under the
		// same external reference; the provider returns what it created.
	}
	result, err := run(rec.ResourceID)
	if err != nil {
		switch Code(err) {
		case CodeInvalid, CodeNotFound, CodeConflict, CodeUnsupported:
			if created {
				if aerr := i.store.AbandonIdempotent(context.WithoutCancel(ctx), merchantID, scope, key); aerr != nil {
					return false, aerr
				}
			}
		}
		return false, err
	}
	body, err := json.Marshal(result)
	if err != nil {
		return false, Errorf(CodeInternal, "encode %s: %v", scope, err)
	}
	// The provider has created it: record that even if the caller has gone.
	if err := i.store.CompleteIdempotent(context.WithoutCancel(ctx), merchantID, scope, key, body); err != nil {
		return false, err
	}
	reflect.ValueOf(out).Elem().Set(reflect.ValueOf(result))
	return false, nil
}

// MaxIdempotencyKeyLength bounds the Idempotency-Key header.
const MaxIdempotencyKeyLength = 255

func validateIdempotencyKey(key string) error {
	switch {
	case strings.TrimSpace(key) == "":
		return &Error{Code: CodeInvalid, Syntax: true, Message: "money-moving writes need an Idempotency-Key header",
			Fields: []FieldError{{Field: "Idempotency-Key", Message: "header is required"}}}
	case len(key) > MaxIdempotencyKeyLength:
		return &Error{Code: CodeInvalid, Syntax: true, Message: "Idempotency-Key too long",
			Fields: []FieldError{{Field: "Idempotency-Key", Message: "must be at most 255 characters"}}}
	}
	return nil
}

// requestHash fingerprints the parsed request, so formatting differences in
// the JSON body do not count as a different request.
func requestHash(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", Errorf(CodeInternal, "hash request: %v", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// keyedMutex serialises work per key, so two concurrent requests with one
// idempotency key run one after the other and the second replays the first.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
