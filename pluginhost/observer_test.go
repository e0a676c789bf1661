package pluginhost

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// recordingObserver remembers every report as one line.
type recordingObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *recordingObserver) add(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, s)
}

func (o *recordingObserver) ProviderCall(provider, method, outcome string, elapsed time.Duration) {
	o.add(fmt.Sprintf("call %s %s %s %s", provider, method, outcome, elapsed))
}
func (o *recordingObserver) PluginRestarted(provider string)   { o.add("restarted " + provider) }
func (o *recordingObserver) PluginStartFailed(provider string) { o.add("start failed " + provider) }

func (o *recordingObserver) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	ev := o.events
	o.events = nil
	return ev
}

// TestSupervisorReportsCallsAndRestarts: every call is reported once with
// its method, outcome and duration (by the supervisor's clock), a process
// that died is reported restarted, a failed start is reported.
func TestSupervisorReportsCallsAndRestarts(t *testing.T) {
	h := newFakeHost(t)
	obs := &recordingObserver{}
	h.s.opts.Observer = obs
	h.prov = func(*fakeProc) core.Provider {
		return &stubProvider{
			describe: func(context.Context) (core.Descriptor, error) {
				h.clock.Advance(250 * time.Millisecond) // the call takes 250ms
				return core.Descriptor{Name: "stub"}, nil
			},
			createInvoice: func(context.Context) (core.Invoice, error) {
				return core.Invoice{}, core.Invalid("bad", core.FieldError{Field: "lines", Message: "empty"})
			},
		}
	}
	ctx := context.Background()
	steps := []struct {
		name string
		run  func()
		want []string
	}{
		{"a call that succeeds", func() { _, _ = h.s.Describe(ctx) }, []string{"call stub Describe ok 250ms"}},
		{"a call the provider refuses", func() { _, _ = h.s.CreateInvoice(ctx, core.Connection{}, core.InvoiceRequest{}) },
			[]string{"call stub CreateInvoice invalid 0s"}},
		{"a call after the process died", func() {
			h.proc(0).dead.Store(true)
			_, _ = h.s.Describe(ctx)
		}, []string{"restarted stub", "call stub Describe ok 250ms"}},
		{"a call whose start fails", func() {
			h.proc(1).dead.Store(true)
			h.failNext.Store(1)
			_, _ = h.s.Describe(ctx)
		}, []string{"restarted stub", "start failed stub", "call stub Describe unavailable 0s"}},
	}
	for _, st := range steps {
		st.run()
		if got := obs.take(); !reflect.DeepEqual(got, st.want) {
			t.Errorf("%s: reported %q, want %q", st.name, got, st.want)
		}
	}
}
