package core

import (
	"context"
	"sync"
)

// Descriptors caches each provider's Describe answer for the process's
// life after the first success: a provider's name, auth scheme and
// capabilities do not change while it is installed. A failed Describe is
// not cached, so a plugin that was down is asked again. The engine and the
// integrations service each hold one over the same registry. Safe for
// concurrent use.
type Descriptors struct {
	providers ProviderRegistry
	mu        sync.Mutex
	cache     map[string]Descriptor
}

// NewDescriptors returns an empty cache over providers.
func NewDescriptors(providers ProviderRegistry) *Descriptors {
	return &Descriptors{providers: providers, cache: map[string]Descriptor{}}
}

// Get returns provider name's descriptor (with Name set to name when the
// provider left it empty). Errors: as *Error, CodeNotFound for an unknown
// provider, CodeUnavailable when it cannot be reached.
func (c *Descriptors) Get(ctx context.Context, name string) (Descriptor, error) {
	c.mu.Lock()
	d, ok := c.cache[name]
	c.mu.Unlock()
	if ok {
		return d, nil
	}
	prov, err := c.providers.Provider(ctx, name)
	if err != nil {
		return Descriptor{}, AsError(err)
	}
	d, err = prov.Describe(ctx)
	if err != nil {
		return Descriptor{}, AsError(err)
	}
	if d.Name == "" {
		d.Name = name
	}
	c.mu.Lock()
	c.cache[name] = d
	c.mu.Unlock()
	return d, nil
}
