// Package httperr words a provider client's failed HTTP exchange for an
// error message without the request URL.
package httperr

import (
	"errors"
	"net/url"
)

// Cause describes a failed HTTP exchange by its cause only, e.g. "dial tcp
// 127.0.0.1:443: connect: connection refused" or "context deadline
// exceeded". Go's *url.Error starts with the whole request URL, query
// included, and a provider's URL may carry credentials (Tripletex wants its
// tokens in the query of PUT /token/session/:create), so the URL must never
// reach an error message.
func Cause(err error) string {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	if err == nil {
		return "the request failed"
	}
	return err.Error()
}
