package spiristest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fault is an injected failure. It applies to the next Times requests whose
// method and path match; faults are consumed in the order they were added.
type Fault struct {
	// Method matches the HTTP method; empty matches any.
	Method string
	// Path is a case-insensitive prefix of the URL path, such as
	// "/v2/vouchers" or "/connect/token"; empty matches any path.
	Path string
	// Times is how many matching requests are affected (0 means 1).
	Times int
	// Status, when set, answers with this status instead of handling the
	// request: 429 gets the real rate-limit body, other statuses a generic
	// server error body.
	Status int
	// RetryAfterSeconds is the N of "Try again in N seconds" for Status 429
	// (default 60).
	RetryAfterSeconds int
	// Delay holds the response back this long (a slow server).
	Delay time.Duration
	// LoseResponse handles the request (the write happens) and then closes
	// the connection without an answer, as a timeout after the write would.
	LoseResponse bool
}

// InjectFault adds a fault.
func (s *Server) InjectFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// FailNext answers the next n API requests with 500.
func (s *Server) FailNext(n int) {
	s.InjectFault(Fault{Path: "/v2/", Times: n, Status: http.StatusInternalServerError})
}

// ForceRateLimit answers the next n API requests with 429 and the real
// quota body ("Try again in N seconds").
func (s *Server) ForceRateLimit(n, retryAfterSeconds int) {
	s.InjectFault(Fault{Path: "/v2/", Times: n, Status: http.StatusTooManyRequests, RetryAfterSeconds: retryAfterSeconds})
}

// LoseNextResponse performs the next matching request and drops its response.
func (s *Server) LoseNextResponse(method, path string) {
	s.InjectFault(Fault{Method: method, Path: path, LoseResponse: true})
}

// SetLatency delays every response by d (0 turns it off).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// ClearFaults removes pending faults and latency.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults, s.latency = nil, 0
}

func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" && !strings.HasPrefix(strings.ToLower(r.URL.Path), strings.ToLower(f.Path)) {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		cp := *f
		return &cp
	}
	return nil
}

func (s *Server) writeFault(w http.ResponseWriter, f *Fault) {
	if f.Status == http.StatusTooManyRequests {
		n := f.RetryAfterSeconds
		if n <= 0 {
			n = 60
		}
		writeAPIError(w, s.quotaError(n))
		return
	}
	writeAPIError(w, &apiError{Status: f.Status, Code: CodeUnexpected,
		Msg: fmt.Sprintf("An unexpected error occurred (injected by the mock, HTTP %d).", f.Status)})
}

func (s *Server) quotaError(seconds int) *apiError {
	return &apiError{Status: http.StatusTooManyRequests, Code: CodeRateLimited,
		Msg: fmt.Sprintf("API calls quota exceeded! maximum admitted %d per Minute. Try again in %d seconds.", s.opts.RateLimit, seconds)}
}

// checkRate counts the request against its client and endpoint and answers
// 429 beyond Options.RateLimit in the last minute.
func (s *Server) checkRate(clientID, endpoint string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	key := clientID + " " + endpoint
	window := s.rate[key]
	cut := 0
	for cut < len(window) && now.Sub(window[cut]) >= time.Minute {
		cut++
	}
	window = window[cut:]
	if len(window) >= s.opts.RateLimit {
		s.rate[key] = window
		wait := time.Minute - now.Sub(window[0])
		secs := int((wait + time.Second - 1) / time.Second)
		return s.quotaError(max(secs, 1))
	}
	s.rate[key] = append(window, now)
	return nil
}
