package coretest

import (
	"context"
	"slices"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// Registry is a core.ProviderRegistry over in-process providers, keyed by
// the name the gateway knows each one by. A nil entry counts as absent.
// It is safe for concurrent use as long as it is not changed meanwhile.
type Registry map[string]core.Provider

var _ core.ProviderRegistry = Registry(nil)

// Provider returns the provider registered under name. Errors: as
// *core.Error, core.CodeNotFound for a name with no provider.
func (r Registry) Provider(_ context.Context, name string) (core.Provider, error) {
	if p := r[name]; p != nil {
		return p, nil
	}
	return nil, core.ErrNotFound("provider", name)
}

// Names returns the names with a provider, sorted.
func (r Registry) Names() []string {
	var out []string
	for name, p := range r {
		if p != nil {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
