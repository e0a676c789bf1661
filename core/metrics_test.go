package core

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// recordingMetrics remembers every event as "kind provider outcome".
type recordingMetrics struct {
	mu     sync.Mutex
	events []string
}

func (m *recordingMetrics) Charged(provider, outcome string) {
	m.add("charge " + provider + " " + outcome)
}
func (m *recordingMetrics) Refunded(provider, outcome string) {
	m.add("refund " + provider + " " + outcome)
}
func (m *recordingMetrics) add(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, s)
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		replayed bool
		err      error
		want     string
	}{
		{false, nil, "ok"},
		{true, nil, "replayed"},
		{false, Errorf(CodeUnavailable, "down"), "unavailable"},
		{false, Invalid("bad", FieldError{Field: "x", Message: "y"}), "invalid"},
		{false, errors.New("plain"), "internal"},
	}
	for _, tt := range tests {
		if got := Outcome(tt.replayed, tt.err); got != tt.want {
			t.Errorf("Outcome(%v, %v) = %q, want %q", tt.replayed, tt.err, got, tt.want)
		}
	}
}

// TestChargeMetrics: every Charge is counted once, under the merchant's
// provider, with how it ended; a forbidden caller has no provider.
func TestChargeMetrics(t *testing.T) {
	e, prov, ps := newTestEngine(t)
	m := &recordingMetrics{}
	e.metrics = m
	ctx := context.Background()
	steps := []struct {
		name string
		run  func() error
		want string
	}{
		{"created", func() error { _, _, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge()); return err }, "charge open ok"},
		{"replayed", func() error { _, _, err := e.Charge(ctx, ps[RoleCashier], "k1", validCharge()); return err }, "charge open replayed"},
		{"provider down", func() error {
			prov.fail = Errorf(CodeUnavailable, "plugin died")
			other := validCharge()
			other.ReceiptID = "r2"
			_, _, err := e.Charge(ctx, ps[RoleCashier], "k2", other)
			return err
		}, "charge open unavailable"},
		{"forbidden", func() error { _, _, err := e.Charge(ctx, ps[RoleAccountant], "k3", validCharge()); return err }, "charge  forbidden"},
		{"refund without an invoice", func() error {
			_, _, err := e.Refund(ctx, ps[RoleCashier], "r1", RefundRequest{})
			return err
		}, "refund open invalid"},
	}
	for i, st := range steps {
		_ = st.run()
		if len(m.events) != i+1 || m.events[i] != st.want {
			t.Fatalf("%s: events %q, want the last to be %q", st.name, m.events, st.want)
		}
	}
}
