package spiris

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/providers/internal/httperr"
)

// request is one API call.
type request struct {
	method string
	path   string // below the API base, e.g. "/customers"
	query  url.Values
	body   any
	// idempotent calls (GET, PUT) are retried on 5xx and network errors;
	// a POST never is, because its effect may have happened.
	idempotent bool
	// fields translates a Spiris field name ("Rows[0].ArticleId") of a
	// refusal into ledgerbridge's ("lines[0]"); nil keeps Spiris's.
	fields func(string) string
	// date and dateField are the bookkeeping date of the call, named in
	// the messages for a locked period or a missing fiscal year.
	date      core.Date
	dateField string
	// lockedHint ends the locked-period message (default: "unlock it or
	// choose a later start date", as for the sales export).
	lockedHint string
	// notFound names the object a 404 is about ("invoice"); with id it
	// becomes core.ErrNotFound.
	notFound, id string
	// accept is the Accept header (default application/json).
	accept string
}

// retries is how many times an idempotent call is retried after a 5xx or a
// network error.
const retries = 2

// get GETs path into out.
func (p *Provider) get(ctx context.Context, conn core.Connection, path string, query url.Values, out any) error {
	_, err := p.call(ctx, conn, request{method: http.MethodGet, path: path, query: query, idempotent: true}, out)
	return err
}

// call sends r, retrying idempotent calls, and decodes a JSON answer into out
// (when not nil). It returns the raw body of a successful answer. Errors are
// *core.Error values (see apiError) that never carry the access token or
// another credential of conn, even when Spiris's answer echoes them, nor the
// request URL (see httperr.Cause).
func (p *Provider) call(ctx context.Context, conn core.Connection, r request, out any) ([]byte, error) {
	raw, err := p.callOnce(ctx, conn, r, out)
	if err != nil {
		secrets := make([]string, 0, len(conn.Credentials))
		for _, v := range conn.Credentials {
			secrets = append(secrets, v)
		}
		return nil, core.NewRedactor(secrets...).Error(err)
	}
	return raw, nil
}

func (p *Provider) callOnce(ctx context.Context, conn core.Connection, r request, out any) ([]byte, error) {
	token := strings.TrimSpace(conn.Credentials[CredentialAccessToken])
	if token == "" {
		return nil, core.Errorf(core.CodeUnauthorized, "the Visma Spiris connection has no access token; connect (authorise) Visma Spiris again")
	}
	var body []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, core.Errorf(core.CodeInternal, "spiris: encode %s %s: %v", r.method, r.path, err)
		}
		body = b
	}
	u := p.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	attempts := 1
	if r.idempotent {
		attempts += retries
	}
	var lastErr error
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, core.Errorf(core.CodeUnavailable, "Visma Spiris: %s %s: %v (after: %v)", r.method, r.path, ctx.Err(), lastErr)
			case <-time.After(p.backoff * time.Duration(attempt)):
			}
		}
		raw, err := p.send(ctx, token, u, body, r)
		if err == nil {
			if out != nil && len(bytes.TrimSpace(raw)) > 0 {
				if err := json.Unmarshal(raw, out); err != nil {
					return nil, core.Errorf(core.CodeProviderError, "Visma Spiris answered %s %s with an unreadable body: %v", r.method, r.path, err)
				}
			}
			return raw, nil
		}
		lastErr = err
		if core.Code(err) != core.CodeUnavailable || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// send performs one HTTP exchange. A non-2xx answer becomes apiError's
// *core.Error; a failed exchange CodeUnavailable.
func (p *Provider) send(ctx context.Context, token, u string, body []byte, r request) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
	if err != nil {
		return nil, core.Errorf(core.CodeInternal, "spiris: build %s %s: %s", r.method, r.path, httperr.Cause(err))
	}
	req.Header.Set("Authorization", "Bearer "+token)
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, core.Errorf(core.CodeUnavailable, "Visma Spiris did not answer %s %s: %s", r.method, r.path, httperr.Cause(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, core.Errorf(core.CodeUnavailable, "Visma Spiris: reading the answer to %s %s: %s", r.method, r.path, httperr.Cause(err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return raw, nil
	}
	return nil, apiError(resp.StatusCode, resp.Header, raw, r)
}

// errorBody is the body of every API error (CommonExtendedBadRequest).
type errorBody struct {
	ErrorCode             int
	DeveloperErrorMessage string
	ErrorId               string
	Errors                []struct {
		Field     string
		ErrorCode string
		Message   string
	}
}

// Spiris error codes (developer.vismaonline.com/docs/error-codes).
const (
	errValidation       = 2000
	errNotFound         = 3000
	errNoFiscalYear     = 3001
	errAccountNotFound  = 3002
	errConflict         = 4000
	errStartupGuide     = 4003
	errCompanyInactive  = 4004
	errNotAuthorized    = 4005
	errNoAccessToScopes = 4006
	errRateLimited      = 4010
	errForbidden        = 4011
	errLockedPeriod     = 4026
)

var tryAgainRE = regexp.MustCompile(`(?i)try again in (\d+) seconds?`)

// apiError turns a Spiris refusal into a *core.Error, by ErrorCode first and
// HTTP status second:
//
//   - 401 / 4005 and 4006 (missing scope) → CodeUnauthorized: the connection
//     must be re-authorised;
//   - 429 / 4010 → CodeRateLimited with RetryAfter from "Try again in N
//     seconds" (or the Retry-After header, default 60 s);
//   - 4026 (locked period) and 3001 (no fiscal year) → CodeInvalid with a
//     message a merchant understands, naming r.dateField;
//   - 404 / 3000 on the called object → core.ErrNotFound;
//   - 2000, 3000 (a missing reference), 3002 → CodeInvalid with the field
//     names of Errors (translated by r.fields);
//   - 4000 → CodeConflict; 5xx → CodeUnavailable; anything else
//     CodeProviderError with Spiris's message and ErrorId.
func apiError(status int, header http.Header, raw []byte, r request) *core.Error {
	var eb errorBody
	_ = json.Unmarshal(raw, &eb)
	msg := strings.TrimSpace(eb.DeveloperErrorMessage)
	if msg == "" {
		msg = strings.TrimSpace(string(raw))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		if msg == "" {
			msg = http.StatusText(status)
		}
	}
	detail := msg
	if eb.ErrorId != "" {
		detail += " (ErrorId " + eb.ErrorId + ")"
	}
	var fields []core.FieldError
	for _, f := range eb.Errors {
		name := f.Field
		if r.fields != nil {
			name = r.fields(name)
		}
		m := f.Message
		if m == "" {
			m = f.ErrorCode
		}
		fields = append(fields, core.FieldError{Field: name, Message: m})
	}
	code := eb.ErrorCode
	switch {
	case status == http.StatusUnauthorized || code == errNotAuthorized:
		return core.Errorf(core.CodeUnauthorized, "Visma Spiris refused the access token; the connection must be re-authorised (%s)", detail)
	case code == errNoAccessToScopes:
		return core.Errorf(core.CodeUnauthorized, "the Visma Spiris connection lacks a permission this needs; the connection must be re-authorised (%s)", detail)
	case status == http.StatusTooManyRequests || code == errRateLimited:
		e := core.Errorf(core.CodeRateLimited, "Visma Spiris rate limit reached: %s", msg)
		e.RetryAfter = retryAfter(header, msg)
		return e
	case code == errLockedPeriod:
		hint := r.lockedHint
		if hint == "" {
			hint = "unlock it or choose a later start date"
		}
		return dateError(r, "the accounting period for %s is locked in Visma Spiris; "+hint, detail)
	case code == errNoFiscalYear:
		return dateError(r, "there is no fiscal year in Visma Spiris for %s; create the fiscal year in Visma Spiris and try again", detail)
	case (status == http.StatusNotFound || code == errNotFound) && len(fields) == 0 && r.notFound != "":
		return core.ErrNotFound(r.notFound, r.id)
	case code == errValidation || code == errNotFound || code == errAccountNotFound || status == http.StatusBadRequest && code == 0:
		return &core.Error{Code: core.CodeInvalid, Message: "Visma Spiris refused the request: " + detail, Fields: fields}
	case code == errConflict || status == http.StatusConflict:
		return &core.Error{Code: core.CodeConflict, Message: "Visma Spiris: " + detail, Fields: fields}
	case code == errStartupGuide:
		return core.Errorf(core.CodeProviderError, "the startup guide of the company is not completed in Visma Spiris; complete it and try again (%s)", detail)
	case code == errCompanyInactive || code == errForbidden:
		return core.Errorf(core.CodeProviderError, "Visma Spiris refused access to the company: %s", detail)
	case status >= 500:
		return core.Errorf(core.CodeUnavailable, "Visma Spiris failed on %s %s: HTTP %d: %s", r.method, r.path, status, detail)
	}
	return &core.Error{Code: core.CodeProviderError, Message: fmt.Sprintf("Visma Spiris refused %s %s: HTTP %d: %s", r.method, r.path, status, detail), Fields: fields}
}

// dateError is the merchant-readable invalid error about r's date.
func dateError(r request, format, detail string) *core.Error {
	date := string(r.date)
	if date == "" {
		date = "this date"
	}
	field := r.dateField
	if field == "" {
		field = "date"
	}
	msg := fmt.Sprintf(format, date)
	return &core.Error{Code: core.CodeInvalid, Message: msg,
		Fields: []core.FieldError{{Field: field, Message: msg + " [" + detail + "]"}}}
}

// retryAfter reads the wait from the message ("Try again in 55 seconds"),
// else the Retry-After header, else one minute (the quota's window).
func retryAfter(h http.Header, msg string) time.Duration {
	if m := tryAgainRE.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	return time.Minute
}

// envelope is a paged list answer.
type envelope[T any] struct {
	Meta struct {
		CurrentPage          int
		PageSize             int
		TotalNumberOfPages   int
		TotalNumberOfResults int
	}
	Data []T
}

// listAll GETs every page of a list ($page/$pagesize, following Meta until
// CurrentPage reaches TotalNumberOfPages). query may carry $filter.
func listAll[T any](ctx context.Context, p *Provider, conn core.Connection, path string, query url.Values) ([]T, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	var out []T
	for page := 1; ; page++ {
		q.Set("$page", strconv.Itoa(page))
		q.Set("$pagesize", strconv.Itoa(p.pageSize))
		var env envelope[T]
		if err := p.get(ctx, conn, path, q, &env); err != nil {
			return nil, err
		}
		out = append(out, env.Data...)
		if len(env.Data) == 0 || env.Meta.CurrentPage >= env.Meta.TotalNumberOfPages || page >= env.Meta.TotalNumberOfPages {
			return out, nil
		}
	}
}

// odataString quotes s as an OData string literal.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isUUID reports whether id has the shape of a Spiris id; anything else
// cannot name a Spiris object and is not sent.
func isUUID(id string) bool { return uuidRE.MatchString(id) }

// outcomeUnknown reports whether a failed create may nevertheless have
// happened: the answer was lost, timed out or was a server error.
func outcomeUnknown(err error) bool {
	var e *core.Error
	return errors.As(err, &e) && e.Code == core.CodeUnavailable
}
