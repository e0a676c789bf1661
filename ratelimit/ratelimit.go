// Package ratelimit limits failed attempts (API keys, sign-ins) per client
// address with a token bucket whose memory stays bounded.
package ratelimit

import (
	"math"
	"net"
	"sync"
	"time"
)

// Limiter is a token bucket per client (an IPv4 address or an IPv6
// /64): a failure takes a token, tokens come back one per refill up to
// burst. A full bucket is the same as no entry, so entries are kept only
// while they hold less than burst; past max entries, full ones are swept
// and then arbitrary ones dropped, so memory stays bounded whatever the
// number of addresses.
type Limiter struct {
	burst  float64
	refill time.Duration
	exempt bool
	max    int
	now    func() time.Time

	mu      sync.Mutex
	clients map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

// New returns a limiter allowing burst failures per client, one more
// every refill, keeping at most max clients in memory. With exemptLoopback,
// ClientKey exempts 127.0.0.0/8 and ::1. burst and refill must be positive.
func New(burst int, refill time.Duration, exemptLoopback bool, max int) *Limiter {
	return &Limiter{burst: float64(burst), refill: refill, exempt: exemptLoopback, max: max,
		now: time.Now, clients: map[string]*bucket{}}
}

// tokensLocked brings b up to now and returns its tokens.
func (l *Limiter) tokensLocked(b *bucket, now time.Time) float64 {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = math.Min(l.burst, b.tokens+float64(d)/float64(l.refill))
		b.at = now
	}
	return b.tokens
}

// Wait returns how long client must wait before its next attempt; zero
// means it may try now.
func (l *Limiter) Wait(client string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[client]
	if !ok {
		return 0
	}
	t := l.tokensLocked(b, l.now())
	if t >= 1 {
		return 0
	}
	return time.Duration((1 - t) * float64(l.refill))
}

// Fail takes a token from client's bucket.
func (l *Limiter) Fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.clients[client]
	if !ok {
		if len(l.clients) >= l.max {
			l.evictLocked(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.clients[client] = b
	}
	l.tokensLocked(b, now)
	b.tokens = math.Max(0, b.tokens-1)
}

// evictLocked makes room: first every full bucket, then, if the map is
// still full, arbitrary entries (Go's map order is random) down to 90%.
func (l *Limiter) evictLocked(now time.Time) {
	for k, b := range l.clients {
		if l.tokensLocked(b, now) >= l.burst {
			delete(l.clients, k)
		}
	}
	for k := range l.clients {
		if len(l.clients) < l.max*9/10 {
			break
		}
		delete(l.clients, k)
	}
}

func (l *Limiter) Size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// ClientKey is the limited client of a request from clientIP (the peer
// address, or the X-Forwarded-For client when the peer is a trusted proxy),
// with IPv6 addresses reduced to their /64, which one host usually owns
// whole. ok is false for an exempt loopback client.
func (l *Limiter) ClientKey(clientIP string) (key string, ok bool) {
	ip := net.ParseIP(clientIP)
	if ip == nil {
		return clientIP, true
	}
	if l.exempt && ip.IsLoopback() {
		return "", false
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64", true
	}
	return ip.String(), true
}
