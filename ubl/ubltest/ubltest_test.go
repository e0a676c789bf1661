package ubltest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestOfficialExamplesPass runs the validators over OpenPeppol's own
// examples (0 fatal expected) and over broken copies of one, so a validator
// that silently passes everything fails here.
func TestOfficialExamplesPass(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(Dir(), "examples", "*.xml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("examples: %v (%d files)", err, len(files))
	}
	docs := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = b
	}
	base := docs["base-example.xml"]
	broken := map[string]struct {
		from, to string
		rule     string
	}{
		// PayableAmount no longer equals the totals: a CEN calculation rule.
		"broken-payable.xml": {`<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>`, `<cbc:PayableAmount currencyID="EUR">1656.26</cbc:PayableAmount>`, "BR-CO-16"},
		// A Swedish seller (SE-R rules) whose org number is not Swedish: Peppol national rules.
		"broken-se-seller.xml": {`<cbc:IdentificationCode>GB</cbc:IdentificationCode>`, `<cbc:IdentificationCode>SE</cbc:IdentificationCode>`, "SE-R-003"},
		// An element UBL does not know: the XSD.
		"broken-schema.xml": {`<cbc:AccountingCost>4025:123:4343</cbc:AccountingCost>`, `<cbc:AccountingCosts>4025</cbc:AccountingCosts>`, "XSD"},
		// Not XML at all.
		"broken-xml.xml": {`<cac:TaxTotal>`, `<cac:TaxTotal`, "XML"},
	}
	for name, b := range broken {
		if !bytes.Contains(base, []byte(b.from)) {
			t.Fatalf("%s: base-example.xml no longer holds %s", name, b.from)
		}
		docs[name] = bytes.Replace(base, []byte(b.from), []byte(b.to), 1)
	}
	r := MustCheck(t, docs)
	for name, b := range broken {
		if !r.Has(name, b.rule) {
			t.Errorf("%s: want rule %s to fail, got %v", name, b.rule, r[name])
		}
		delete(r, name)
	}
	for _, f := range r.Fatal() {
		t.Errorf("official example fails: %s", f)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d official examples: 0 fatal; warnings: %v", len(r), r.Warnings())
}
