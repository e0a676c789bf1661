package httpapi

import (
	"encoding/json"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/exports"
	"github.com/ledgerbridge/ledgerbridge/integrations"
	"github.com/ledgerbridge/ledgerbridge/mapping"
)

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Fatalf("openapi version %q, want 3.0.x", doc.OpenAPI)
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// documentedRoutes lists "METHOD /path" of every operation in the document.
func documentedRoutes(doc openAPIDoc) []string {
	var out []string
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(httpMethods, key) {
				out = append(out, strings.ToUpper(key)+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

var ginParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// TestOpenAPIMatchesRoutes fails when the router serves a route the document
// lacks or the document describes a route the router does not serve.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	var served []string
	for _, r := range allRoutes() {
		served = append(served, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(served)
	documented := documentedRoutes(doc)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is served but not in openapi.json", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("route %s is in openapi.json but not served", r)
		}
	}
	if len(served) < 12 {
		t.Errorf("only %d routes served: %v", len(served), served)
	}
}

// TestOpenAPIRefsResolve catches typos in $ref.
func TestOpenAPIRefsResolve(t *testing.T) {
	var raw map[string]any
	if err := json.Unmarshal(openAPIDocument, &raw); err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(string(openAPIDocument), -1)
	if len(refs) == 0 {
		t.Fatal("no $ref found")
	}
	for _, m := range refs {
		var node any = raw
		for _, part := range strings.Split(m[1], "/") {
			obj, ok := node.(map[string]any)
			if !ok || obj[part] == nil {
				t.Errorf("$ref #/%s does not resolve", m[1])
				break
			}
			node = obj[part]
		}
	}
}

// TestOpenAPISchemasMatchTypes keeps each documented schema's properties
// equal to the JSON fields of the Go type the API encodes or decodes.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]reflect.Type{
		"Customer":            reflect.TypeFor[core.Customer](),
		"CustomerInput":       reflect.TypeFor[customerInput](),
		"CustomerPatch":       reflect.TypeFor[core.CustomerPatch](),
		"Address":             reflect.TypeFor[core.Address](),
		"CollectiveInvoicing": reflect.TypeFor[core.CollectiveInvoicing](),
		"Invoice":             reflect.TypeFor[core.Invoice](),
		"InvoiceLine":         reflect.TypeFor[core.InvoiceLine](),
		"VATAmount":           reflect.TypeFor[core.VATAmount](),
		"ChargeRequest":       reflect.TypeFor[core.ChargeRequest](),
		"LineInput":           reflect.TypeFor[core.LineInput](),
		"Charge":              reflect.TypeFor[core.ChargeResult](),
		"Provider":            reflect.TypeFor[core.ProviderInfo](),
		"APIKeyRequest":       reflect.TypeFor[apiKeyRequest](),
		"APIKeyCreated":       reflect.TypeFor[apiKeyCreated](),
		"APIKey":              reflect.TypeFor[apiKeyInfo](),
		"APIKeyList":          reflect.TypeFor[listBody[apiKeyInfo]](),
		"FieldError":          reflect.TypeFor[core.FieldError](),
		"Error":               reflect.TypeFor[errorBody](),
		"Status":              reflect.TypeFor[statusBody](),
		"Readiness":           reflect.TypeFor[readyBody](),
		"ProviderHealth":      reflect.TypeFor[core.ProviderHealth](),
		"CustomerList":        reflect.TypeFor[listBody[core.Customer]](),
		"InvoiceList":         reflect.TypeFor[listBody[core.Invoice]](),
		"Order":               reflect.TypeFor[core.Order](),
		"OrderList":           reflect.TypeFor[listBody[core.Order]](),
		"DeliveryNote":        reflect.TypeFor[core.DeliveryNote](),
		"InvoiceSettings":     reflect.TypeFor[core.InvoiceSettings](),
		"PaymentMethods":      reflect.TypeFor[core.PaymentMethods](),
		"PaymentMethod":       reflect.TypeFor[core.PaymentMethod](),
		"CustomerSync":        reflect.TypeFor[core.CustomerSyncResult](),
		"Company":             reflect.TypeFor[core.Company](),
		"AccountantCopy":      reflect.TypeFor[core.AccountantCopy](),
		"DraftRequest":        reflect.TypeFor[core.DraftRequest](),
		"RefundRequest":       reflect.TypeFor[core.RefundRequest](),
		"CreditLine":          reflect.TypeFor[core.CreditLine](),
		"PaymentRequest":      reflect.TypeFor[core.PaymentInput](),
		"EmailStatus":         reflect.TypeFor[core.EmailStatus](),
		"Voucher":             reflect.TypeFor[core.Voucher](),
		"Posting":             reflect.TypeFor[core.Posting](),
		"Capabilities":        reflect.TypeFor[core.Capabilities](),
		"ProviderList":        reflect.TypeFor[listBody[core.ProviderInfo]](),
		"IntegrationRequest":  reflect.TypeFor[createIntegrationRequest](),
		"Integration":         reflect.TypeFor[integrations.Integration](),
		"IntegrationList":     reflect.TypeFor[listBody[integrations.Integration]](),
		"Wizard":              reflect.TypeFor[integrations.Wizard](),
		"Step":                reflect.TypeFor[integrations.Step](),
		"IntegrationSettings": reflect.TypeFor[integrations.Settings](),
		"Mapping":             reflect.TypeFor[mapping.Mapping](),
		"MappingView":         reflect.TypeFor[mappingView](),
		"GroupAccounts":       reflect.TypeFor[mapping.GroupAccounts](),
		"Suggestion":          reflect.TypeFor[integrations.Suggestion](),
		"LedgerAccount":       reflect.TypeFor[core.LedgerAccount](),
		"NewLedgerAccount":    reflect.TypeFor[core.NewLedgerAccount](),
		"LedgerAccountList":   reflect.TypeFor[listBody[core.LedgerAccount]](),
		"VATCode":             reflect.TypeFor[core.VATCode](),
		"VATCodeList":         reflect.TypeFor[listBody[core.VATCode]](),
		"PaymentType":         reflect.TypeFor[core.PaymentType](),
		"PaymentTypeList":     reflect.TypeFor[listBody[core.PaymentType]](),
		"OAuthStart":          reflect.TypeFor[oauthStart](),
		"SalesReceipt":        reflect.TypeFor[core.SalesReceipt](),
		"SalesLine":           reflect.TypeFor[core.SalesLine](),
		"SalesPayment":        reflect.TypeFor[core.SalesPayment](),
		"Sale":                reflect.TypeFor[exports.Sale](),
		"Day":                 reflect.TypeFor[exports.Day](),
		"DayPage":             reflect.TypeFor[listBody[exports.Day]](),
		"DayKey":              reflect.TypeFor[exports.DayKey](),
		"RunRequest":          reflect.TypeFor[exports.RunRequest](),
		"RunResult":           reflect.TypeFor[exports.RunResult](),
	}
	maps.Copy(types, webhookSchemaTypes)
	// Every documented schema is checked, so a new one cannot drift.
	for name := range doc.Components.Schemas {
		if _, ok := types[name]; !ok {
			t.Errorf("schema %s has no Go type in this test", name)
		}
	}
	for name, typ := range types {
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		var want, got []string
		for _, f := range jsonFields(typ) {
			want = append(want, f.name)
		}
		for p := range schema.Properties {
			got = append(got, p)
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v; %s encodes %v", name, got, typ, want)
		}
	}
}

// pathParam matches a path template's parameter, such as {id}.
var pathParam = regexp.MustCompile(`\{[^}/]+\}`)

// TestOpenAPISecurityMatchesServer: operations documented with
// "security": [] answer without a key; every other answers 401 without one.
func TestOpenAPISecurityMatchesServer(t *testing.T) {
	s := newStack(t)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			var op struct {
				Security *[]json.RawMessage `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			public := op.Security != nil && len(*op.Security) == 0
			r := s.do(strings.ToUpper(method), pathParam.ReplaceAllString(path, "x"), "", "", nil)
			if public && r.status == 401 {
				t.Errorf("%s %s is documented public but answers 401", method, path)
			}
			if !public && r.status != 401 {
				t.Errorf("%s %s is documented as needing a key but answers %d without one", method, path, r.status)
			}
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	s := newStack(t)
	r := s.run(t, scenario{name: "openapi", method: "GET", path: "/v1/openapi.json", wantStatus: 200})
	if r.body != string(openAPIDocument) {
		t.Errorf("served document differs from the embedded one")
	}
}

// TestOpenAPIDocumentValid checks the document against the OpenAPI 3.0
// specification (kin-openapi): schema types, $refs, parameters declared
// for every path template, examples that match their schemas.
func TestOpenAPIDocumentValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDocument)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI 3: %v", err)
	}
}
