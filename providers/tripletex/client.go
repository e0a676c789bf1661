package tripletex

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/httperr"
)

// request is one call to the Tripletex API.
type request struct {
	method string
	path   string // below the base URL, e.g. "/ledger/voucher/>externalVoucherNumber"
	query  url.Values
	body   any // JSON-encoded when not nil
	// idempotent calls are retried after 5xx answers, timeouts and dropped
	// connections; other writes are not (their outcome is unknown, and the
	// caller looks the result up before writing again).
	idempotent bool
	noAuth     bool // session creation
}

// response is a successful (2xx) answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends req for conn with the session token, and handles what
// Tripletex's gateway answers before the request reaches the API: 401
// (renew the session once, retry once), 429 (wait as told, a bounded number
// of times) and, for idempotent requests, 5xx and transport failures
// (retried with backoff). Errors: the decoded *core.Error of the answer;
// CodeUnavailable for transport failures and 5xx (for a write, its outcome
// is unknown); CodeRateLimited with RetryAfter once the waits are spent.
//
// No error names the request's URL or carries a credential: the query of
// session creation holds the consumer and employee tokens, so transport
// failures are described by method, path and cause only, and whatever
// Tripletex's answer echoes of the tokens or the session token is
// replaced by core.Redacted.
func (p *Provider) call(ctx context.Context, conn core.Connection, req request) (*response, error) {
	token := ""
	resp, err := p.callOnce(ctx, conn, req, &token)
	if err != nil {
		return nil, core.NewRedactor(p.consumerToken, conn.Credentials[FieldEmployeeToken], token).Error(err)
	}
	return resp, nil
}

// callOnce is call without the redaction of its errors; it sets
// *sessionToken to each session token it uses.
func (p *Provider) callOnce(ctx context.Context, conn core.Connection, req request, sessionToken *string) (*response, error) {
	renewed := false
	waits, transient := 0, 0
	for {
		token := ""
		if !req.noAuth {
			t, err := p.sessions.get(ctx, p, conn)
			if err != nil {
				return nil, err
			}
			token = t
			*sessionToken = t
		}
		resp, err := p.send(ctx, req, token)
		if err != nil {
			if ctx.Err() == nil && req.idempotent && transient < p.maxTransientRetries {
				transient++
				if p.sleep(ctx, backoff(transient)) == nil {
					continue
				}
			}
			return nil, core.Errorf(core.CodeUnavailable, "Tripletex did not answer %s %s: %s", req.method, req.path, httperr.Cause(err))
		}
		switch {
		case resp.status == http.StatusUnauthorized && !req.noAuth && !renewed:
			// The session expired or was revoked: renew once, retry once. The
			// request was refused before it did anything, so this is safe
			// for every method.
			renewed = true
			p.sessions.invalidate(conn, token)
			continue
		case resp.status == http.StatusTooManyRequests:
			wait := rateLimitWait(resp.header, waits)
			if waits >= p.maxRateLimitWaits || wait > p.maxRateLimitWait || !fitsDeadline(ctx, wait) {
				e := decodeError(resp)
				e.RetryAfter = wait
				return nil, e
			}
			waits++
			if err := p.sleep(ctx, wait); err != nil {
				e := decodeError(resp)
				e.RetryAfter = wait
				return nil, e
			}
			continue
		case resp.status >= 500:
			if req.idempotent && transient < p.maxTransientRetries {
				transient++
				if p.sleep(ctx, backoff(transient)) == nil {
					continue
				}
			}
			return nil, decodeError(resp)
		case resp.status >= 400:
			e := decodeError(resp)
			if resp.status == http.StatusUnauthorized {
				e = &core.Error{Code: core.CodeProviderError, Message: "Tripletex refused the session even after renewing it: " + e.Message}
			}
			return nil, e
		}
		return resp, nil
	}
}

// send performs one HTTP exchange. Only transport failures are errors.
func (p *Provider) send(ctx context.Context, req request, token string) (*response, error) {
	u := p.base + escapePath(req.path)
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var body io.Reader
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, body)
	if err != nil {
		return nil, err
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	hr.Header.Set("Accept", "application/json")
	if token != "" {
		hr.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("0:"+token)))
	}
	res, err := p.http.Do(hr)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}, nil
}

// escapePath escapes what Tripletex's paths contain besides plain
// segments: ">" of aggregate endpoints (the official examples send %3E).
func escapePath(p string) string { return strings.ReplaceAll(p, ">", "%3E") }

// backoff is the wait before the n-th retry of a failed idempotent call.
func backoff(n int) time.Duration {
	return core.Backoff(n, 200*time.Millisecond, 6400*time.Millisecond)
}

// rateLimitWait is how long to wait after the n-th (0-based) 429:
// X-Rate-Limit-Reset seconds, else Retry-After (seconds or an HTTP date),
// else exponential backoff from one second (Tripletex often omits the
// reset header on 429s, tripletex-api2 issue #103).
func rateLimitWait(h http.Header, n int) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Reset"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			return max(time.Duration(s)*time.Second, time.Second)
		}
		if t, err := http.ParseTime(ra); err == nil {
			return max(time.Until(t), time.Second)
		}
	}
	return time.Second << min(n, 5)
}

// fitsDeadline reports whether waiting d leaves ctx time for the request.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// getValue GETs path and decodes the "value" of the answer into out.
func (p *Provider) getValue(ctx context.Context, conn core.Connection, path string, q url.Values, out any) error {
	resp, err := p.call(ctx, conn, request{method: http.MethodGet, path: path, query: q, idempotent: true})
	if err != nil {
		return err
	}
	return decodeValue(resp, out)
}

// write sends a write and decodes the "value" of the answer into out
// (when not nil).
func (p *Provider) write(ctx context.Context, conn core.Connection, req request, out any) error {
	resp, err := p.call(ctx, conn, req)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(resp.body)) == 0 {
		return nil
	}
	return decodeValue(resp, out)
}

func decodeValue(resp *response, out any) error {
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(resp.body, &env); err != nil || len(env.Value) == 0 {
		return core.Errorf(core.CodeProviderError, "Tripletex answered with an unexpected body: %.200s", resp.body)
	}
	if err := json.Unmarshal(env.Value, out); err != nil {
		return core.Errorf(core.CodeProviderError, "Tripletex answered with an unexpected object: %v", err)
	}
	return nil
}

// listAll GETs every page of a list endpoint (from/count until a short
// page; fullResultSize is not to be trusted) and decodes the values.
func listAll[T any](ctx context.Context, p *Provider, conn core.Connection, path string, q url.Values) ([]T, error) {
	var out []T
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	from := 0
	for {
		q2.Set("from", strconv.Itoa(from))
		q2.Set("count", strconv.Itoa(p.pageSize))
		resp, err := p.call(ctx, conn, request{method: http.MethodGet, path: path, query: q2, idempotent: true})
		if err != nil {
			return nil, err
		}
		var env struct {
			Values []T `json:"values"`
		}
		if err := json.Unmarshal(resp.body, &env); err != nil {
			return nil, core.Errorf(core.CodeProviderError, "Tripletex answered %s with an unexpected list: %v", path, err)
		}
		out = append(out, env.Values...)
		if len(env.Values) < p.pageSize {
			return out, nil
		}
		from += len(env.Values)
	}
}

// ref is Tripletex's reference to another object: {"id": N}.
type ref struct {
	ID int64 `json:"id"`
}

func refTo(id int64) *ref { return &ref{ID: id} }

// kroner is an amount in øre that Tripletex reads and writes as decimal
// kroner with two decimals (-12500.00). It never goes through float.
type kroner int64

func (k kroner) MarshalJSON() ([]byte, error) { return []byte(k.String()), nil }

func (k kroner) String() string {
	v, sign := int64(k), ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

func (k *kroner) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		*k = 0
		return nil
	}
	d, err := parseDecimal(s)
	if err != nil {
		return err
	}
	*k = kroner(core.RoundHalfAwayFromZero(d.Shift(2)))
	return nil
}

// idString formats a Tripletex id for ledgerbridge.
func idString(id int64) string { return strconv.FormatInt(id, 10) }

// parseID reads a ledgerbridge id as a Tripletex id; ok is false when it
// cannot be one (so the object cannot exist).
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}
