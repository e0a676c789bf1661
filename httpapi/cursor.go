package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/seal"
)

// cursorSealer makes list cursors opaque and bound, at the one place every
// list leaves the gateway. A provider's or the exports list's cursor (its
// position: a customer's name, an offset, a global order sequence) is
// sealed (package seal: AES-256-GCM) under the gateway's cursor key, with
// the merchant, the route and the canonical query as associated data. The
// client sees random-looking bytes, and a cursor opens only for the same
// merchant, list and query (limit aside) that received it: anything else,
// tampered or forged, is CodeInvalid naming "cursor". Providers keep
// making and reading their own plain cursors; they never see a sealed one.
type cursorSealer struct {
	sealer *seal.Sealer
}

// binding is the associated data of c's cursors: merchant, route and every
// query parameter but cursor and limit (a client may change the page size
// between pages), values trimmed as handlers read them, in url.Values'
// canonical (sorted) encoding. It is hashed to keep it short.
func cursorBinding(c *gin.Context) []byte {
	q := url.Values{}
	for k, vs := range c.Request.URL.Query() {
		if k == "cursor" || k == "limit" {
			continue
		}
		for _, v := range vs {
			q.Add(k, strings.TrimSpace(v))
		}
	}
	p, _ := core.PrincipalFrom(c.Request.Context())
	h := sha256.New()
	for _, part := range []string{"ledgerbridge cursor v1", p.MerchantID, c.Request.Method, c.FullPath(), q.Encode()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// seal returns the client's form of a list's next cursor; "" stays "".
func (cs *cursorSealer) seal(c *gin.Context, next string) string {
	if next == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(cs.sealer.Seal([]byte(next), cursorBinding(c)))
}

// open returns the list's own cursor inside a client's cursor; "" stays "".
// Errors: CodeInvalid naming "cursor" for anything seal did not make for
// this merchant, list and query.
func (cs *cursorSealer) open(c *gin.Context, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(sealed) // Strict: one spelling per cursor
	if err != nil {
		return "", core.ErrInvalidCursor()
	}
	plain, err := cs.sealer.Open(b, cursorBinding(c))
	if err != nil {
		return "", core.ErrInvalidCursor()
	}
	return string(plain), nil
}

// cursor reads the cursor parameter and opens it; a bad one is reported
// with the other bad parameters.
func (q *queryParams) cursor(cs *cursorSealer) string {
	raw, err := cs.open(q.c, q.str("cursor"))
	if err != nil {
		q.fail("cursor", "is not a cursor from a previous page of this list")
	}
	return raw
}
