// Package textpdf writes the small, valid one-page PDFs the provider mocks
// serve as invoice documents, so clients can check a real PDF comes back.
package textpdf

import (
	"bytes"
	"time"

	"github.com/go-pdf/fpdf"
)

// Render renders lines of text as a one-page A4 PDF in Helvetica with
// fpdf (the library invoicepdf uses); characters outside Windows-1252
// print as "?". It is deterministic: the same lines give the same bytes.
func Render(lines []string) []byte {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	pdf.SetCatalogSort(true)
	// Uncompressed, so a test can find a line in the bytes.
	pdf.SetCompression(false)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 11)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	for _, l := range lines {
		pdf.CellFormat(0, 5, tr(l), "", 1, "L", false, 0, "")
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		// Only a font or layout error can stop fpdf here, which a fixed
		// core font and plain cells never give: a broken build.
		panic("textpdf: " + err.Error())
	}
	return out.Bytes()
}
