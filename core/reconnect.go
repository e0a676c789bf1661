package core

// RetryReconnected is the one statement of the policy "the provider refused
// the connection's credentials: report it, reconnect, retry once", which
// the engine's provider calls and the export runner share. It runs call
// over conn; when that answers CodeUnauthorized (consent revoked, or an
// access token the provider expired early) and reconnect is not nil, it
// hands the refusal to reconnect, which reports it (renewing an OAuth2
// token, or marking the integration needs_reauth) and returns the
// connection to use now, and runs call once more over it. A second
// refusal is returned as it is: the caller decides what the merchant is
// told.
//
// Errors: call's; reconnect's, in which case call is not run again.
func RetryReconnected[T any](conn Connection, call func(Connection) (T, error), reconnect func(refused error) (Connection, error)) (T, error) {
	out, err := call(conn)
	if Code(err) != CodeUnauthorized || reconnect == nil {
		return out, err
	}
	renewed, rerr := reconnect(err)
	if rerr != nil {
		var zero T
		return zero, rerr
	}
	return call(renewed)
}
