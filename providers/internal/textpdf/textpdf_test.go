package textpdf

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
)

func TestRenderIsAReadablePDF(t *testing.T) {
	b := Render([]string{"Faktura 1001", "Att betala: SEK 1 234,50 (moms ingår)", "Smörgåstårta"})
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF: %q…", b[:20])
	}
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	text, err := r.Page(1).GetPlainText(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Faktura 1001", "(moms ingår)", "Smörgåstårta"} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q lacks %q", text, want)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	if a, b := Render([]string{"Faktura 1"}), Render([]string{"Faktura 1"}); !bytes.Equal(a, b) {
		t.Error("the same lines gave different PDFs")
	}
}
