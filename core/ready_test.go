package core

import (
	"context"
	"strings"
	"testing"
)

// healthRegistry serves every name in up and refuses the others with the
// error in down. Unlike coretest.Registry it fails with CodeUnavailable,
// and package core's own tests cannot import coretest anyway.
type healthRegistry struct {
	up   map[string]bool
	down map[string]string
}

func (r healthRegistry) Provider(_ context.Context, name string) (Provider, error) {
	if r.up[name] {
		return &fakeProvider{}, nil
	}
	if msg, ok := r.down[name]; ok {
		return nil, Errorf(CodeUnavailable, "%s", msg)
	}
	return nil, ErrNotFound("provider", name)
}

func (r healthRegistry) Names() []string {
	var out []string
	for _, n := range []string{"acme", "open", "tripletex"} {
		if r.up[n] || r.down[n] != "" {
			out = append(out, n)
		}
	}
	return out
}

// Ready fails only for a provider in use (a merchant's invoicing provider
// or an active integration's); every provider is reported either way.
func TestReady(t *testing.T) {
	for _, tc := range []struct {
		name      string
		up        []string
		down      map[string]string
		inUse     []string // besides the merchant's "open"
		wantErr   []string // fragments of the error; none: ready
		wantState map[string]string
	}{
		{name: "all up", up: []string{"open", "tripletex"},
			wantState: map[string]string{"open": "available in use", "tripletex": "available"}},
		{name: "unused plugin broken", up: []string{"open"}, down: map[string]string{"acme": "checksum mismatch"},
			wantState: map[string]string{"acme": "unavailable checksum mismatch", "open": "available in use"}},
		{name: "built-in invoicing down", up: []string{"tripletex"}, down: map[string]string{"open": "plugin exited"},
			wantErr: []string{"provider open: plugin exited"}, wantState: map[string]string{"open": "unavailable in use plugin exited"}},
		{name: "active integration's provider down", up: []string{"open"}, down: map[string]string{"tripletex": "start timed out", "acme": "gone"},
			inUse: []string{"tripletex"}, wantErr: []string{"provider tripletex: start timed out"},
			wantState: map[string]string{"acme": "unavailable gone", "tripletex": "unavailable in use start timed out"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := healthRegistry{up: map[string]bool{}, down: tc.down}
			for _, n := range tc.up {
				reg.up[n] = true
			}
			st := newMemStore()
			st.merchants["mer_1"] = Merchant{ID: "mer_1", InvoicingProvider: "open"}
			st.inUse = tc.inUse
			got, err := NewEngine(st, reg, EngineOptions{}).Ready(context.Background())
			if len(tc.wantErr) == 0 && err != nil {
				t.Fatalf("Ready = %v, want ready", err)
			}
			if len(tc.wantErr) > 0 && Code(err) != CodeUnavailable {
				t.Fatalf("Ready = %v, want unavailable", err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if err != nil && strings.Contains(err.Error(), "acme") {
				t.Errorf("error %q names acme, which nobody uses", err)
			}
			if len(got.Providers) != len(reg.Names()) {
				t.Errorf("providers %+v, want every installed one", got.Providers)
			}
			for _, h := range got.Providers {
				state := h.Status
				if h.InUse {
					state += " in use"
				}
				if h.Error != "" {
					state += " " + h.Error
				}
				if want, ok := tc.wantState[h.Name]; ok && state != want {
					t.Errorf("%s: %q, want %q", h.Name, state, want)
				}
			}
		})
	}
}
