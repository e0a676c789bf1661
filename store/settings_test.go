package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// fullSettings sets every field of core.InvoiceSettings to a value derived
// from n, so settings with different n differ in every field.
func fullSettings(n int) core.InvoiceSettings {
	return core.InvoiceSettings{
		StartNumber:          int64(1000 + n),
		LateInterestText:     fmt.Sprintf("Dröjsmålsränta %d %%", n),
		PaymentReferenceText: fmt.Sprintf("Ange OCR %d", n),
		Bankgiro:             fmt.Sprintf("123-%04d", n),
		Plusgiro:             fmt.Sprintf("45 67 %02d-1", n),
		FTaxApproved:         n%2 == 1,
		Company: core.Company{
			Name: fmt.Sprintf("Kafé %d AB", n), OrganizationNumber: fmt.Sprintf("556%03d-1234", n),
			VATNumber: fmt.Sprintf("SE556%03d123401", n),
			Address: core.Address{Line1: fmt.Sprintf("Storgatan %d", n), Line2: "Plan 2", PostalCode: "111 22",
				City: "Stockholm", Country: "SE"},
			Email: fmt.Sprintf("kafe%d@example.se", n), Phone: fmt.Sprintf("+46 8 %d", n),
		},
		AccountantCopy:       core.AccountantCopy{Enabled: n%2 == 1, Emails: []string{fmt.Sprintf("revisor%d@example.se", n), "bokforing@example.se"}[:1+n%2]},
		AutoSend:             n%2 == 1,
		ReminderDaysAfterDue: 10 + n,
		RoundToWholeKronor:   n%2 == 1,
	}
}

// storedSettings reads the merchant's settings from the database, past the
// cache.
func storedSettings(t *testing.T, s *Store, merchantID string) (core.InvoiceSettings, bool) {
	t.Helper()
	var data []string
	if err := s.db.Reader().Select(&data, `SELECT settings FROM invoice_settings WHERE merchant_id = ?`, merchantID); err != nil {
		t.Fatal(err)
	}
	var out core.InvoiceSettings
	if len(data) == 0 {
		return out, false
	}
	if err := json.Unmarshal([]byte(data[0]), &out); err != nil {
		t.Fatal(err)
	}
	return out, true
}

var testTime = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func dropSettingsCache(s *Store) { s.settings = newSettingsCache() }

func wantSettings(t *testing.T, s *Store, merchantID string, want core.InvoiceSettings, wantFound bool) {
	t.Helper()
	got, found, err := s.GetInvoiceSettings(context.Background(), merchantID)
	if err != nil || found != wantFound || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetInvoiceSettings(%q) = %+v, %v, %v; want %+v, %v", merchantID, got, found, err, want, wantFound)
	}
}

func TestInvoiceSettingsPutGet(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_a", "mer_b")
	for _, fromDB := range []bool{false, true} {
		t.Run(fmt.Sprintf("fromDB=%v", fromDB), func(t *testing.T) {
			if fromDB {
				dropSettingsCache(s)
			}
			wantSettings(t, s, "mer_a", core.InvoiceSettings{}, false)
		})
	}
	steps := []struct {
		name string
		put  core.InvoiceSettings
	}{
		{"first", fullSettings(1)},
		{"replaced", fullSettings(2)},
		{"zero value", core.InvoiceSettings{}},
		{"empty e-mail list", core.InvoiceSettings{AccountantCopy: core.AccountantCopy{Enabled: true, Emails: []string{}}}},
		{"invalid UTF-8 as a read returns it", core.InvoiceSettings{Bankgiro: "1\xff2"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := s.PutInvoiceSettings(ctx, "mer_a", st.put); err != nil {
				t.Fatal(err)
			}
			want, _ := storedSettings(t, s, "mer_a")
			if st.name != "invalid UTF-8 as a read returns it" && !reflect.DeepEqual(want, st.put) {
				t.Fatalf("stored %+v, want %+v", want, st.put)
			}
			wantSettings(t, s, "mer_a", want, true) // from the cache Put filled
			dropSettingsCache(s)
			wantSettings(t, s, "mer_a", want, true) // read through
			wantSettings(t, s, "mer_a", want, true) // from the cache Get filled
		})
	}
	wantSettings(t, s, "mer_b", core.InvoiceSettings{}, false) // untouched by mer_a's
}

func TestInvoiceSettingsShareNoMemory(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_a")
	in := fullSettings(1)
	if err := s.PutInvoiceSettings(ctx, "mer_a", in); err != nil {
		t.Fatal(err)
	}
	in.AccountantCopy.Emails[0] = "changed by the caller"
	got, _, err := s.GetInvoiceSettings(ctx, "mer_a")
	if err != nil {
		t.Fatal(err)
	}
	got.AccountantCopy.Emails[0] = "changed by a reader"
	wantSettings(t, s, "mer_a", fullSettings(1), true)
}

// TestInvoiceSettingsCloneIsDeep fails when core.InvoiceSettings gains a
// field sharing memory that cloneSettings does not copy.
func TestInvoiceSettingsCloneIsDeep(t *testing.T) {
	copied := map[string]bool{"AccountantCopy.Emails": true}
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			switch f.Type.Kind() {
			case reflect.Struct:
				walk(prefix+f.Name+".", f.Type)
			case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Array, reflect.Chan, reflect.Func:
				if !copied[prefix+f.Name] {
					t.Errorf("cloneSettings does not copy %s%s (%s)", prefix, f.Name, f.Type)
				}
			}
		}
	}
	walk("", reflect.TypeOf(core.InvoiceSettings{}))
}

func TestInvoiceSettingsUnknownMerchant(t *testing.T) {
	ctx := context.Background()
	s := idemStore(t, "mer_a")
	for _, id := range []string{"mer_missing", ""} {
		_, found, err := s.GetInvoiceSettings(ctx, id)
		wantCode(t, err, core.CodeNotFound)
		if found {
			t.Fatalf("found = true for unknown merchant %q", id)
		}
		wantCode(t, s.PutInvoiceSettings(ctx, id, fullSettings(1)), core.CodeNotFound)
	}
	// The unknown merchant was not cached as one without settings.
	m, keys := testMerchant("mer_missing", testTime)
	if err := s.CreateMerchant(ctx, m, keys); err != nil {
		t.Fatal(err)
	}
	wantSettings(t, s, "mer_missing", core.InvoiceSettings{}, false)
	if err := s.PutInvoiceSettings(ctx, "mer_missing", fullSettings(3)); err != nil {
		t.Fatal(err)
	}
	wantSettings(t, s, "mer_missing", fullSettings(3), true)
}

func TestInvoiceSettingsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"mer_a", "mer_b"} {
		m, keys := testMerchant(id, testTime)
		if err := s.CreateMerchant(ctx, m, keys); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutInvoiceSettings(ctx, "mer_a", fullSettings(1)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInvoiceSettings(ctx, "mer_a", fullSettings(2)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openTest(t, dir) // a fresh Store: nothing cached
	wantSettings(t, s2, "mer_a", fullSettings(2), true)
	wantSettings(t, s2, "mer_b", core.InvoiceSettings{}, false)
}

// TestInvoiceSettingsConcurrent runs Puts and Gets from many goroutines
// (run it with -race): a writer always reads its own last write, readers
// never see settings go back in time, and once the writes end the cache
// holds exactly what the database holds.
func TestInvoiceSettingsConcurrent(t *testing.T) {
	ctx := context.Background()
	merchants := []string{"mer_a", "mer_b", "mer_c"}
	for round := range 3 {
		s := idemStore(t, append([]string{"mer_shared"}, merchants...)...)
		const writes, readers = 40, 6
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		report := func(err error) {
			select {
			case errs <- err:
			default:
			}
		}
		// One sequential writer per merchant: read-your-writes and
		// monotonic reads are checkable.
		for _, id := range merchants {
			wg.Go(func() {
				for i := 1; i <= writes; i++ {
					if err := s.PutInvoiceSettings(ctx, id, fullSettings(i)); err != nil {
						report(err)
						return
					}
					got, found, err := s.GetInvoiceSettings(ctx, id)
					if err != nil || !found || !reflect.DeepEqual(got, fullSettings(i)) {
						report(fmt.Errorf("%s: after Put %d, Get = %d, %v, %v", id, i, got.StartNumber, found, err))
						return
					}
				}
			})
		}
		for r := range readers {
			wg.Go(func() {
				last := map[string]int64{}
				for i := range writes * 2 {
					id := merchants[(r+i)%len(merchants)]
					if i%7 == 0 {
						s.settings.mu.Lock() // evict, so reads fill the cache again
						delete(s.settings.m, id)
						s.settings.mu.Unlock()
					}
					got, _, err := s.GetInvoiceSettings(ctx, id)
					if err != nil {
						report(err)
						return
					}
					if got.StartNumber < last[id] {
						report(fmt.Errorf("%s: read %d after %d", id, got.StartNumber, last[id]))
						return
					}
					last[id] = got.StartNumber
				}
			})
		}
		// Many concurrent writers on one merchant: their cache updates race
		// after their commits, and the last committed must win.
		for w := range 16 {
			wg.Go(func() {
				for i := range 4 {
					if err := s.PutInvoiceSettings(ctx, "mer_shared", fullSettings(100*w+i)); err != nil {
						report(err)
						return
					}
					if _, _, err := s.GetInvoiceSettings(ctx, "mer_shared"); err != nil {
						report(err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, id := range append([]string{"mer_shared"}, merchants...) {
			want, found := storedSettings(t, s, id)
			if !found {
				t.Fatalf("round %d: %s has no settings stored", round, id)
			}
			wantSettings(t, s, id, want, found)
		}
	}
}
