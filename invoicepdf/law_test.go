package invoicepdf

import (
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

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
