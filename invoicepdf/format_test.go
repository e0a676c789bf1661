package invoicepdf

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		minor int64
		want  string
	}{
		{0, "0,00"},
		{5, "0,05"},
		{50, "0,50"},
		{100, "1,00"},
		{99999, "999,99"},
		{100000, "1 000,00"},
		{123450, "1 234,50"},
		{1234567, "12 345,67"},
		{12345678, "123 456,78"},
		{100000000, "1 000 000,00"},
		{-5, "-0,05"},
		{-99, "-0,99"},
		{-123450, "-1 234,50"},
		{-100000000, "-1 000 000,00"},
		{math.MaxInt64, "92 233 720 368 547 758,07"},
		{math.MinInt64, "-92 233 720 368 547 758,08"},
	}
	for _, tt := range tests {
		if got := formatAmount(tt.minor); got != tt.want {
			t.Errorf("formatAmount(%d) = %q, want %q", tt.minor, got, tt.want)
		}
	}
}

func TestFormatQuantityAndRate(t *testing.T) {
	tests := []struct {
		in, qty, rate string
	}{
		{"2", "2", "2 %"},
		{"1.5", "1,5", "1,5 %"},
		{"0.125", "0,125", "0,125 %"},
		{"-2", "-2", "-2 %"},
		{"-0.25", "-0,25", "-0,25 %"},
		{"1000", "1000", "1000 %"},
		{"25", "25", "25 %"},
	}
	for _, tt := range tests {
		d := decimal.RequireFromString(tt.in)
		if got := formatQuantity(d); got != tt.qty {
			t.Errorf("formatQuantity(%s) = %q, want %q", tt.in, got, tt.qty)
		}
		if got := formatRate(d); got != tt.rate {
			t.Errorf("formatRate(%s) = %q, want %q", tt.in, got, tt.rate)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Plain ASCII 123", "Plain ASCII 123"},
		{"Åsa Ærø Øst äöå ÄÖÅ æø", "Åsa Ærø Øst äöå ÄÖÅ æø"},
		{"tab\there\r\nnew", "tab here  new"},
		{"nul\x00bell\a", "nulbell"},
		{"cake 🎂!", "cake ?!"},
		{"non\u00a0breaking", "non breaking"},
		{"€ – “quoted”", "€ – “quoted”"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
