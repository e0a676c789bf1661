package exports

import (
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// TestDayVoucherText: a day voucher's #VER text is written in the
// merchant's language from its reference, also when it was booked with
// the English text of earlier versions; another voucher keeps its own.
func TestDayVoucherText(t *testing.T) {
	for _, tc := range []struct {
		name    string
		country core.Country
		v       core.Voucher
		want    string
	}{
		{"Swedish day", core.Sweden, core.Voucher{ExternalRef: "ledgerbridge:stockholm-city:2026-03-02", Date: "2026-03-02", Description: "Försäljning stockholm-city 2026-03-02"}, "Försäljning stockholm-city 2026-03-02"},
		{"booked in English", core.Sweden, core.Voucher{ExternalRef: "ledgerbridge:stockholm-city:2026-03-02", Date: "2026-03-02", Description: "Sales stockholm-city 2026-03-02"}, "Försäljning stockholm-city 2026-03-02"},
		{"location with a colon", core.Sweden, core.Voucher{ExternalRef: "ledgerbridge:a:b:2026-03-02", Date: "2026-03-02", Description: "Sales a:b 2026-03-02"}, "Försäljning a:b 2026-03-02"},
		{"Norwegian day", core.Norway, core.Voucher{ExternalRef: "ledgerbridge:oslo:2026-03-02", Date: "2026-03-02", Description: "Sales oslo 2026-03-02"}, "Salg oslo 2026-03-02"},
		{"not a day voucher", core.Sweden, core.Voucher{ExternalRef: "manual-1", Date: "2026-03-02", Description: "Hyra mars"}, "Hyra mars"},
		{"date differs", core.Sweden, core.Voucher{ExternalRef: "ledgerbridge:x:2026-03-01", Date: "2026-03-02", Description: "Rättelse"}, "Rättelse"},
		{"no location", core.Sweden, core.Voucher{ExternalRef: "ledgerbridge:2026-03-02", Date: "2026-03-02", Description: "d"}, "d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := dayVoucherText(tc.country, tc.v); got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}

func TestSIEFileName(t *testing.T) {
	if got, want := SIEFileName("2026-03-01", "2026-03-31"), "ledgerbridge-2026-03-01-2026-03-31.si"; got != want {
		t.Errorf("%q, want %q: a 4I import file is .si", got, want)
	}
}
