package tripletextest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind says what an injected fault does to a matching request.
type FaultKind int

const (
	// FaultServerError answers 500/1000 with the real (all-null) body
	// without performing the request.
	FaultServerError FaultKind = iota + 1
	// FaultRateLimit answers 429. X-Rate-Limit-Reset is sent only when
	// Fault.Reset > 0 (real 429s often lack it, issue #103); Retry-After only
	// when Fault.RetryAfter > 0.
	FaultRateLimit
	// FaultDelay waits Fault.Delay before handling the request normally.
	FaultDelay
	// FaultLoseResponse performs the request (the write happens) and then
	// loses the answer: the connection is closed without a response when
	// Fault.Drop, else the client gets a 500.
	FaultLoseResponse
	// FaultExpireSession expires every session just before the request, so
	// it (and everything after it until a new session) gets 401.
	FaultExpireSession
)

// Fault is an injected failure. It applies to requests whose method and
// path match, Times times (0 means once; negative means until ClearFaults).
type Fault struct {
	Kind FaultKind
	// Method is "GET", "PUT", ...; "" matches every method.
	Method string
	// Path is the document's path template ("/ledger/voucher",
	// "/order/{id}/:invoice") or a concrete path below /v2
	// ("/order/123/:invoice"); "" matches every path.
	Path       string
	Times      int
	Delay      time.Duration // FaultDelay
	Reset      int           // FaultRateLimit: X-Rate-Limit-Reset seconds; 0 omits the header
	RetryAfter int           // FaultRateLimit: Retry-After seconds; 0 omits the header
	Drop       bool          // FaultLoseResponse: close the connection instead of a 500
}

type faultState struct {
	Fault
	left int // <0 forever
}

// Inject adds a fault. Faults are consulted in the order injected; several
// may apply to one request (a delay and a 500, say).
func (s *Server) Inject(f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: left})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
}

// FailNext answers the next n requests to method+path with 500.
func (s *Server) FailNext(method, path string, n int) {
	s.Inject(Fault{Kind: FaultServerError, Method: method, Path: path, Times: n})
}

// RateLimitNext answers the next n requests (any path) with 429; reset and
// retryAfter are the header values in seconds, 0 to omit the header.
func (s *Server) RateLimitNext(n, reset, retryAfter int) {
	s.Inject(Fault{Kind: FaultRateLimit, Times: n, Reset: reset, RetryAfter: retryAfter})
}

// SlowDown delays the next n requests to method+path by d.
func (s *Server) SlowDown(method, path string, d time.Duration, n int) {
	s.Inject(Fault{Kind: FaultDelay, Method: method, Path: path, Delay: d, Times: n})
}

// LoseResponse performs the next n requests to method+path and then drops
// the connection (drop) or answers 500, so the client cannot know the write
// happened.
func (s *Server) LoseResponse(method, path string, n int, drop bool) {
	s.Inject(Fault{Kind: FaultLoseResponse, Method: method, Path: path, Times: n, Drop: drop})
}

// ExpireSessionBefore expires every session just before the next request
// to method+path.
func (s *Server) ExpireSessionBefore(method, path string) {
	s.Inject(Fault{Kind: FaultExpireSession, Method: method, Path: path})
}

// firing is what the faults matching one request add up to.
type firing struct {
	delay      time.Duration
	fail       bool
	throttle   bool
	reset      int
	retryAfter int
	lose       bool
	drop       bool
	expire     bool
}

func (f *Fault) matches(method, template, sub string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	if f.Path == "" {
		return true
	}
	p := "/" + strings.TrimPrefix(strings.TrimPrefix(f.Path, "/v2"), "/")
	return p == template || p == "/"+sub
}

func (s *Server) takeFault(method, template, sub string) firing {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	var out firing
	kept := s.faults[:0]
	for _, f := range s.faults {
		if f.matches(method, template, sub) {
			switch f.Kind {
			case FaultServerError:
				out.fail = true
			case FaultRateLimit:
				out.throttle, out.reset, out.retryAfter = true, f.Reset, f.RetryAfter
			case FaultDelay:
				out.delay += f.Delay
			case FaultLoseResponse:
				out.lose, out.drop = true, f.Drop
			case FaultExpireSession:
				out.expire = true
			}
			if f.left > 0 {
				f.left--
			}
		}
		if f.left != 0 {
			kept = append(kept, f)
		}
	}
	s.faults = kept
	return out
}

// rateLimit sets the X-Rate-Limit-* headers and answers 429 when the
// window's budget is spent or a fault says so. Once the budget is spent
// every request is refused until the window ends, as on Tripletex.
func (s *Server) rateLimit(w http.ResponseWriter, f firing) *apiError {
	s.mu.Lock()
	now := s.st.clock()
	rl := &s.st.rate
	if now.Sub(rl.start) >= s.opts.RateWindow || now.Before(rl.start) {
		rl.start, rl.used = now, 0
	}
	rl.used++
	remaining := s.opts.RateLimit - rl.used
	reset := int((s.opts.RateWindow - now.Sub(rl.start) + time.Second - 1) / time.Second)
	s.mu.Unlock()

	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(remaining, 0)))
	if f.throttle {
		h.Set("X-Rate-Limit-Remaining", "0")
		h.Del("X-Rate-Limit-Reset")
		if f.reset > 0 {
			h.Set("X-Rate-Limit-Reset", strconv.Itoa(f.reset))
		}
		if f.retryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(f.retryAfter))
		}
		return tooManyRequests()
	}
	h.Set("X-Rate-Limit-Reset", strconv.Itoa(reset))
	if remaining < 0 {
		return tooManyRequests()
	}
	return nil
}

// tooManyRequests is the 429 body; Tripletex's is undocumented, so the
// envelope is the usual one with the HTTP reason phrase (mock wording).
func tooManyRequests() *apiError {
	return &apiError{Status: 429, Code: 0, Message: strp("Too Many Requests"), Link: linkDocs}
}
