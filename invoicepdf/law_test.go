package invoicepdf

import (
	"fmt"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// An invoice priced excluding VAT already holds net unit prices: they are
// printed as they are, and a zero VAT rate leaves the price unchanged.
func TestNetUnitPrice(t *testing.T) {
	gross := priced(
		core.LineInput{Description: "a", Quantity: dec("1"), UnitPrice: 3500, VATRate: dec("6")},
		core.LineInput{Description: "b", Quantity: dec("3"), UnitPrice: 1000, VATRate: dec("25")},
		core.LineInput{Description: "c", Quantity: dec("0.25"), UnitPrice: 4501, VATRate: dec("12")},
		core.LineInput{Description: "d", Quantity: dec("2"), UnitPrice: 5000, VATRate: dec("0")},
	)
	net := core.PriceLines([]core.LineInput{
		{Description: "e", Quantity: dec("1.5"), UnitPrice: 4501, VATRate: dec("25")},
		{Description: "f", Quantity: dec("0.25"), UnitPrice: 4501, VATRate: dec("12")},
		{Description: "g", Quantity: dec("7"), UnitPrice: 3302, VATRate: dec("6")},
	}, false)
	tests := []struct {
		line core.InvoiceLine
		want int64
	}{
		{gross.Lines[0], 3302}, // the example: 35,00 incl. 6 % → 33,02
		{gross.Lines[1], 800},
		// 0,25 × 45,01 = 11,25 incl. VAT, net 10,04: the line's net ÷ 0,25
		// (40,16, not 45,01 ÷ 1,12 = 40,19) so that the line reconciles.
		{gross.Lines[2], 4016},
		{gross.Lines[3], 5000},
		{net.Lines[0], 4501},
		{net.Lines[1], 4501},
		{net.Lines[2], 3302},
		{core.InvoiceLine{Quantity: dec("0"), UnitPrice: 999}, 999},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := netUnitPrice(tt.line); got != tt.want {
				t.Errorf("netUnitPrice(%+v) = %d, want %d", tt.line, got, tt.want)
			}
		})
	}
}

func TestOrgNumber(t *testing.T) {
	tests := []struct {
		in      string
		country core.Country
		want    string
	}{
		{"5560160680", core.Sweden, "556016-0680"},
		{"556016-0680", core.Sweden, "556016-0680"},
		{"165560160680", core.Sweden, "556016-0680"},
		{" 2021005489 ", core.Sweden, "202100-5489"},
		{"5560160681", core.Sweden, "5560160681"}, // not valid: as written
		{"923609016", core.Norway, "923609016"},
		{"923 609 016", core.Norway, "923 609 016"},
		{"923609016", core.Sweden, "923609016"},
	}
	for _, tt := range tests {
		if got := orgNumber(tt.in, tt.country); got != tt.want {
			t.Errorf("orgNumber(%q, %s) = %q, want %q", tt.in, tt.country, got, tt.want)
		}
	}
}
