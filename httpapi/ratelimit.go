package httpapi

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/ratelimit"
)

// AuthLimit limits guessing API keys per client: Burst failed
// authentications, then one more every Refill. A client past it is answered
// 429 rate_limited with Retry-After for every request that carries a key,
// even a valid one (else the guesses would still be tested, only answered
// differently). Successful authentications consume nothing.
type AuthLimit struct {
	Burst  int
	Refill time.Duration
	// ExemptLoopback exempts 127.0.0.0/8 and ::1. Off by default: behind a
	// proxy on the same host every client is loopback.
	ExemptLoopback bool
}

// Defaults of AuthLimit (config: auth.failure_burst, auth.failure_refill).
const (
	DefaultAuthBurst  = 20
	DefaultAuthRefill = 10 * time.Second
	// maxAuthClients bounds the limiter's memory.
	maxAuthClients = 100_000
)

// newAuthLimiter returns the API's limiter for l, defaults filled in.
func newAuthLimiter(l AuthLimit, max int) *ratelimit.Limiter {
	if l.Burst <= 0 {
		l.Burst = DefaultAuthBurst
	}
	if l.Refill <= 0 {
		l.Refill = DefaultAuthRefill
	}
	return ratelimit.New(l.Burst, l.Refill, l.ExemptLoopback, max)
}

// clientKey is the limited client of c (see ratelimit.Limiter.ClientKey).
func clientKey(l *ratelimit.Limiter, c *gin.Context) (string, bool) { return l.ClientKey(c.ClientIP()) }
