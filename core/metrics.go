package core

// Metrics receives what the engine did with money, for monitoring. Core
// knows no metrics library: the gateway passes an implementation (package
// metrics) with EngineOptions.Metrics; without one nothing is recorded. Methods are
// called once per request, after the outcome is known, and must be safe
// for concurrent use and quick.
type Metrics interface {
	// Charged counts one Charge: provider is the invoicing provider the
	// merchant's charges go to ("" when it could not be determined, e.g.
	// the caller was forbidden), outcome is Outcome's.
	Charged(provider, outcome string)
	// Refunded counts one Refund or RefundOrder, like Charged.
	Refunded(provider, outcome string)
}

// Outcomes of Outcome besides the error codes.
const (
	OutcomeOK       = "ok"
	OutcomeReplayed = "replayed"
)

// Outcome names how a request ended, for metrics: OutcomeReplayed when an
// idempotency key replayed a stored result, OutcomeOK on success, and
// otherwise the error's code ("invalid", "unavailable", ...): a small,
// fixed set of label values.
func Outcome(replayed bool, err error) string {
	switch {
	case err != nil:
		return string(Code(err))
	case replayed:
		return OutcomeReplayed
	default:
		return OutcomeOK
	}
}

// noMetrics records nothing.
type noMetrics struct{}

func (noMetrics) Charged(string, string)  {}
func (noMetrics) Refunded(string, string) {}
