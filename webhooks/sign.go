package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of a delivery.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of
	// "<t>.<body>" under the endpoint's secret>" (Sign).
	SignatureHeader = "Ledgerbridge-Signature"
	// EventIDHeader is the event's id, also the body's "id": the same on
	// every attempt, so a receiver dedupes on it.
	EventIDHeader = "Ledgerbridge-Event-Id"
	// EventTypeHeader is the event's type, also the body's "type".
	EventTypeHeader = "Ledgerbridge-Event-Type"
	// DeliveryIDHeader names the delivery (one per endpoint and event).
	DeliveryIDHeader = "Ledgerbridge-Delivery-Id"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock before Verify refuses it as a possible replay.
const DefaultTolerance = 5 * time.Minute

// Sign returns the SignatureHeader value for body sent at t under secret:
// t=<unix seconds>,v1=<lower-case hex HMAC-SHA256 of "<unix seconds>.<body>">.
// Each attempt of a delivery is signed afresh with its own timestamp.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + signature(secret, ts, body)
}

func signature(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhooks: no t= and v1= in the signature header")
	ErrBadSignature = errors.New("webhooks: no v1 signature matches the body")
	ErrTooOld       = errors.New("webhooks: the signature's timestamp is outside the tolerance")
)

// Verify checks a delivery as a receiver should: header (the
// SignatureHeader value) must carry a timestamp within tolerance of now
// (DefaultTolerance when tolerance <= 0) and a v1 signature of exactly
// body under secret, compared in constant time. Several v1 values are
// allowed (any may match). Errors: ErrNoSignature, ErrTooOld,
// ErrBadSignature. A receiver should also drop an event id it has already
// processed: a delivery may arrive more than once.
func Verify(header string, body []byte, secret string, tolerance time.Duration, now time.Time) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return ErrTooOld
	}
	want := signature(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}
