package core

import "time"

// Backoff is the one backoff rule of the gateway's retry loops (the export
// runner, the outboxes, the plugin supervisor, the provider clients): the
// wait after the attempt-th failure (1-based) is base doubled attempt-1
// times, at most max; attempts below 1 count as the first.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}
