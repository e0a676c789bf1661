package httpapi

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantFields []string // field paths named, in order; nil with wantErr means any
		wantErr    bool
		wantMsg    string
		check      func(t *testing.T, got core.ChargeRequest)
	}{
		{
			name: "valid charge with string and number decimals",
			body: `{"customer_id":"c1","location_id":"l1","receipt_id":"r1","lines":[{"description":"Lunch","quantity":"1.5","unit_price":12900,"vat_rate":12},{"description":"Cola","quantity":2,"unit_price":2500,"vat_rate":"25","takeaway":true}]}`,
			check: func(t *testing.T, got core.ChargeRequest) {
				if got.CustomerID != "c1" || len(got.Lines) != 2 || got.Lines[0].Quantity.String() != "1.5" ||
					got.Lines[1].VATRate.String() != "25" || !got.Lines[1].Takeaway || got.Lines[0].UnitPrice != 12900 {
					t.Errorf("decoded %+v", got)
				}
			},
		},
		{
			name: "null leaves fields untouched",
			body: `{"customer_id":null,"lines":null,"prices_include_vat":null}`,
			check: func(t *testing.T, got core.ChargeRequest) {
				if got.CustomerID != "" || got.Lines != nil || got.PricesIncludeVAT != nil {
					t.Errorf("decoded %+v", got)
				}
			},
		},
		{name: "empty body", body: "", wantErr: true, wantFields: []string{"body"}, wantMsg: "empty"},
		{name: "whitespace body", body: " \n\t", wantErr: true, wantFields: []string{"body"}, wantMsg: "empty"},
		{name: "malformed", body: `{"customer_id":"c1",}`, wantErr: true, wantMsg: "malformed JSON at byte"},
		{name: "truncated", body: `{"customer_id":"c1"`, wantErr: true, wantMsg: "malformed JSON"},
		{name: "trailing data", body: `{"customer_id":"c1"} {}`, wantErr: true, wantMsg: "after the value"},
		{name: "array root", body: `[1,2]`, wantErr: true, wantFields: []string{"body"}},
		{name: "string root", body: `"x"`, wantErr: true, wantFields: []string{"body"}},
		{
			name:       "unknown fields at every depth, sorted",
			body:       `{"customer_id":"c1","zeta":1,"customer":"x","lines":[{"description":"a"},{"description":"b","colour":"red"}]}`,
			wantErr:    true,
			wantFields: []string{"customer", "lines[1].colour", "zeta"},
			wantMsg:    "expected shape",
		},
		{
			name:       "wrong types with paths",
			body:       `{"customer_id":7,"lines":[{"quantity":"abc","unit_price":"12"},{"unit_price":1.5,"vat_rate":true,"takeaway":"yes"}],"prices_include_vat":"no"}`,
			wantErr:    true,
			wantFields: []string{"customer_id", "lines[0].quantity", "lines[0].unit_price", "lines[1].takeaway", "lines[1].unit_price", "lines[1].vat_rate", "prices_include_vat"},
		},
		{name: "lines not an array", body: `{"lines":{"a":1}}`, wantErr: true, wantFields: []string{"lines"}},
		{name: "line not an object", body: `{"lines":[3]}`, wantErr: true, wantFields: []string{"lines[0]"}},
		{name: "int64 overflow", body: `{"lines":[{"unit_price":99999999999999999999}]}`, wantErr: true, wantFields: []string{"lines[0].unit_price"}},
		{
			name: "field names match case-insensitively like encoding/json",
			body: `{"Customer_ID":"c9"}`,
			check: func(t *testing.T, got core.ChargeRequest) {
				if got.CustomerID != "c9" {
					t.Errorf("customer id %q", got.CustomerID)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got core.ChargeRequest
			err := decodeStrict([]byte(tt.body), &got)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("decodeStrict: %v", err)
				}
				tt.check(t, got)
				return
			}
			e := core.AsError(err)
			if e == nil {
				t.Fatalf("no error, decoded %+v", got)
			}
			if errorStatus(e) != 400 || e.Code != core.CodeInvalid {
				t.Errorf("status %d code %s, want 400 invalid", errorStatus(e), e.Code)
			}
			if tt.wantMsg != "" && !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", e.Message, tt.wantMsg)
			}
			if tt.wantFields != nil {
				var fields []string
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
				if !reflect.DeepEqual(fields, tt.wantFields) {
					t.Errorf("fields %v, want %v (%v)", fields, tt.wantFields, e)
				}
			}
		})
	}
}

func TestDecodeStrictPatchNestedAndMap(t *testing.T) {
	var p core.CustomerPatch
	err := decodeStrict([]byte(`{"billing_address":{"city":"Malmö","zip":"1"},"collective_invoicing":{"day_of_month":"5"}}`), &p)
	var fields []string
	for _, f := range core.AsError(err).Fields {
		fields = append(fields, f.Field)
	}
	if want := []string{"billing_address.zip", "collective_invoicing.day_of_month"}; !reflect.DeepEqual(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}

	var m struct {
		Accounts map[string]int `json:"accounts"`
	}
	err = decodeStrict([]byte(`{"accounts":{"cash":1910,"card":"x"}}`), &m)
	if e := core.AsError(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "accounts.card" {
		t.Fatalf("map value error %v", err)
	}
}

func TestDecodeBodyLimit(t *testing.T) {
	big := `{"customer_id":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	req := httptest.NewRequest("POST", "/", strings.NewReader(big))
	var got core.ChargeRequest
	err := decodeBody(httptest.NewRecorder(), req, &got, maxBodyBytes)
	e := core.AsError(err)
	if e == nil || errorStatus(e) != 400 || len(e.Fields) != 1 || e.Fields[0].Field != "body" {
		t.Fatalf("oversized body: %v", err)
	}

	fits := `{"customer_id":"` + strings.Repeat("x", maxBodyBytes-100) + `"}`
	req = httptest.NewRequest("POST", "/", strings.NewReader(fits))
	if err := decodeBody(httptest.NewRecorder(), req, &got, maxBodyBytes); err != nil {
		t.Fatalf("body under the limit: %v", err)
	}
}

// TestConfiguredBodyLimit: Options.MaxBodyBytes, not the 1 MiB default,
// bounds the bodies handlers decode.
func TestConfiguredBodyLimit(t *testing.T) {
	s := newStack(t)
	opts := s.opts
	opts.MaxBodyBytes = 2048
	h := New(s.engine, opts)
	post := func(name string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/customers", strings.NewReader(`{"name":"`+name+`"}`))
		req.Header.Set("Authorization", "Bearer "+s.a.key(core.RoleAdmin))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := post(strings.Repeat("x", 3000)); w.Code != 400 || !strings.Contains(w.Body.String(), "must be at most 2048 bytes") {
		t.Fatalf("3000-byte body under a 2048-byte limit: %d %s", w.Code, w.Body)
	}
	if w := post("Limit AB"); w.Code != 201 {
		t.Fatalf("small body: %d %s", w.Code, w.Body)
	}
}
