package core

import (
	"strconv"
	"testing"
)

// BenchmarkRedactorThrash is a full Redactor learning a new credential on
// every call (more merchants in use than maxRemembered, or tokens renewed):
// each log line after it rebuilds the replacer.
func BenchmarkRedactorThrash(b *testing.B) {
	r := NewRedactor("operator-secret")
	for i := 0; i < maxRemembered; i++ {
		r.Remember(map[string]string{"t": "token-" + strconv.Itoa(i) + "-abcdefghijklmnopqrstuvwxyz0123456789"})
	}
	r.String("warm")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Remember(map[string]string{"t": "new-" + strconv.Itoa(i) + "-abcdefghijklmnopqrstuvwxyz0123456789"})
		r.String("charge failed for merchant m_123: provider said no")
	}
}

// BenchmarkRedactorSteady is the usual call: a known credential, then a
// log line.
func BenchmarkRedactorSteady(b *testing.B) {
	r := NewRedactor("operator-secret")
	for i := 0; i < maxRemembered; i++ {
		r.Remember(map[string]string{"t": "token-" + strconv.Itoa(i) + "-abcdefghijklmnopqrstuvwxyz0123456789"})
	}
	r.String("warm")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Remember(map[string]string{"t": "token-5-abcdefghijklmnopqrstuvwxyz0123456789"})
		r.String("charge failed for merchant m_123: provider said no")
	}
}
