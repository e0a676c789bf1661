package core

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// The installed providers and the gateway's readiness.

// Providers describes every installed provider. A provider that cannot be
// started or does not answer is listed with status unavailable and the
// reason, so one broken plugin does not hide the others. Errors:
// CodeForbidden.
func (e *Engine) Providers(ctx context.Context, p Principal) ([]ProviderInfo, error) {
	if err := p.Authorize(ActionListProviders); err != nil {
		return nil, err
	}
	var out []ProviderInfo
	for _, name := range e.providers.Names() {
		d, err := e.describe(ctx, name)
		if err != nil {
			out = append(out, ProviderInfo{Descriptor: Descriptor{Name: name}, Status: ProviderUnavailable, Error: AsError(err).Message})
			continue
		}
		out = append(out, ProviderInfo{Descriptor: d, Status: ProviderAvailable})
	}
	return out, nil
}

// Ready reports whether the gateway can serve: the database answers and
// every provider in use (Store.ProvidersInUse) answers Describe. A provider
// nobody uses (an optional plugin installed but not chosen, or broken) is
// reported in Readiness and does not make the gateway unready. The
// Readiness is filled in whatever the error, except when the database is
// down. Errors: CodeUnavailable naming the database, or each provider in
// use that is down and why.
func (e *Engine) Ready(ctx context.Context) (Readiness, error) {
	if err := e.store.Ping(ctx); err != nil {
		return Readiness{}, Errorf(CodeUnavailable, "database: %v", err)
	}
	used, err := e.store.ProvidersInUse(ctx)
	if err != nil {
		return Readiness{}, Errorf(CodeUnavailable, "database: %v", AsError(err).Message)
	}
	inUse := map[string]bool{}
	for _, n := range used {
		inUse[n] = true
	}
	names := e.providers.Names()
	out := Readiness{Providers: make([]ProviderHealth, len(names))}
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := ProviderHealth{Name: name, Status: ProviderAvailable, InUse: inUse[name]}
			prov, err := e.providers.Provider(ctx, name)
			if err == nil {
				_, err = prov.Describe(ctx)
			}
			if err != nil {
				h.Status, h.Error = ProviderUnavailable, AsError(err).Message
			}
			out.Providers[i] = h
		}()
	}
	wg.Wait()
	var down []string
	for _, h := range out.Providers {
		if h.InUse && h.Status != ProviderAvailable {
			down = append(down, fmt.Sprintf("provider %s: %s", h.Name, h.Error))
		}
	}
	if len(down) > 0 {
		return out, Errorf(CodeUnavailable, "%s", strings.Join(down, "; "))
	}
	return out, nil
}
