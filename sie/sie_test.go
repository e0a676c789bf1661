package sie

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
	"golang.org/x/text/encoding/charmap"
)

func readVector(t *testing.T, name string) File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file, err := Read(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return file
}

func fieldNames(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := core.AsError(err)
	if e.Code != core.CodeInvalid {
		t.Fatalf("code %s, want invalid: %v", e.Code, err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

// Every published example file reads, and all but the known-bad one
// validate.
func TestReadVectors(t *testing.T) {
	tests := []struct {
		name     string
		vouchers int
		checksum bool
		company  string
	}{
		{"FAKT.SI", 1, false, "Övningsbolaget AB"},
		{"BL0001_typ4.SE", 84, false, "SEEE Speak Easy Executive English AB"},
		{"BL0001_typ4I.SI", 1, false, "SEEE Speak Easy Executive English AB"},
		{"Sie4.se", 70, false, "Demoföretaget AB"},
		{"Sie4.si", 165, false, "Testföretaget AB"},
		{"transaktioner_ovnbolag.se", 163, false, "Övningsbolaget AB (Ekonomi 60)"},
		{"SIE4_Exempelfil_med_underdim.SE", 295, false, "\uFFFDvningsbolaget AB"},
		{"Norstedts_Bokslut_SIE_4I_with_KSUMMA.si", 2, true, "Datakonsulterna AB"},
		{"Bokslut_Norstedts_SIE_4E_with_KSUMMA.se", 177, true, "Datakonsulterna AB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := readVector(t, tt.name)
			if len(f.Vouchers) != tt.vouchers {
				t.Errorf("%d vouchers, want %d", len(f.Vouchers), tt.vouchers)
			}
			if f.Checksum != tt.checksum {
				t.Errorf("checksum %v, want %v", f.Checksum, tt.checksum)
			}
			if f.CompanyName != tt.company {
				t.Errorf("company %q, want %q", f.CompanyName, tt.company)
			}
			if err := f.Validate(); err != nil {
				t.Errorf("validate: %v", err)
			}
			var rows int
			for _, v := range f.Vouchers {
				rows += len(v.Transactions)
			}
			if rows == 0 {
				t.Error("no transactions read")
			}
		})
	}
}

func TestReadFAKT(t *testing.T) {
	f := readVector(t, "FAKT.SI")
	want := File{
		Program: "Visma Fakturering", ProgramVersion: "5.11", Generated: "2011-03-04",
		CompanyName: "Övningsbolaget AB", OrgNumber: "555555-5555", ChartType: "EUBAS97",
		CompanyID: `C:\Documents and Settings\All Users\Application Data\SPCS\Visma Spcs Fakturering\Företag\Övningsbolaget`,
		Accounts: []Account{
			{"1510", "Kundfordringar"}, {"2611", "Utg moms försäljning/uttag 25%"}, {"3051", "Försäljn varor 25% sv"},
		},
		Vouchers: []Voucher{{Series: "B", Date: "2011-03-04", Text: "Fakturajournal nr 109", Transactions: []Transaction{
			{Account: "1510", Amount: 800000, Text: "Faktnr: 891, Namn: Karl Svensson"},
			{Account: "2611", Amount: -160000, Text: "Faktnr: 891, Namn: Karl Svensson"},
			{Account: "3051", Amount: -640000, Text: "Faktnr: 891, Namn: Karl Svensson"},
		}}},
	}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("read\n%+v\nwant\n%+v", f, want)
	}
}

func TestReadDetails(t *testing.T) {
	f := readVector(t, "BL0001_typ4I.SI")
	v := f.Vouchers[0]
	if v.Series != "" || v.Number != "0" || v.Date != "2011-08-24" || len(v.Transactions) != 10 {
		t.Fatalf("voucher %+v", v)
	}
	if got := v.Transactions[5]; got.Account != "2610" || got.Amount != -21250 || got.Date != "2011-08-24" {
		t.Errorf("-212.5 read as %+v", got)
	}
	if got := v.Transactions[9]; got.Account != "3740" || got.Amount != -50 {
		t.Errorf("-0.5 read as %+v", got)
	}
	if len(f.FiscalYears) != 0 {
		t.Errorf("#RAR 0 without dates read as %+v", f.FiscalYears)
	}

	f = readVector(t, "SIE4_Exempelfil_med_underdim.SE")
	found := false
	for _, v := range f.Vouchers {
		for _, tr := range v.Transactions {
			if reflect.DeepEqual(tr.Objects, []Object{{"1", "Nord"}, {"6", "0001"}}) && tr.Amount == -5262500 {
				found = true
			}
		}
	}
	if !found {
		t.Error("the transaction {1 Nord 6 0001} -52625.00 was not read")
	}
	if want := []FiscalYear{{0, "2021-01-01", "2021-12-31"}, {-1, "2020-01-01", "2020-12-31"}}; !reflect.DeepEqual(f.FiscalYears, want) {
		t.Errorf("fiscal years %+v", f.FiscalYears)
	}

	// #RTRANS rows are repeated as #TRANS and #BTRANS rows were removed:
	// only the #TRANS rows count, and the voucher still balances.
	f = readVector(t, "BL0001_typ4.SE")
	var a25 *Voucher
	for i, v := range f.Vouchers {
		if v.Series == "A" && v.Number == "25" {
			a25 = &f.Vouchers[i]
		}
	}
	wantA25 := []Transaction{
		{Account: "1930", Amount: 100000, Date: "2010-01-22"},
		{Account: "1680", Amount: -100000, Date: "2010-01-22"},
		{Account: "1930", Amount: 50000, Date: "2010-01-22"},
		{Account: "3010", Amount: -50000, Date: "2010-01-22", Objects: []Object{{"1", "1"}}},
	}
	if a25 == nil || a25.Text != "test" || a25.RegDate != "2010-03-26" || !reflect.DeepEqual(a25.Transactions, wantA25) {
		t.Errorf("A 25 = %+v", a25)
	}
}

func TestBadBalanceVector(t *testing.T) {
	f := readVector(t, "transaktioner_ovnbolag-bad-balance.se")
	err := f.Validate()
	got := fieldNames(t, err)
	if len(got) != 1 || !strings.HasPrefix(got[0], "vouchers[") {
		t.Fatalf("fields %v, want one unbalanced voucher (%v)", got, err)
	}
	var i int
	if _, scanErr := fmt.Sscanf(got[0], "vouchers[%d]", &i); scanErr != nil {
		t.Fatal(scanErr)
	}
	v := f.Vouchers[i]
	if v.Series != "B" || v.Number != "1" || v.Date != "2011-01-07" || v.Sum() != -1277100 {
		t.Fatalf("flagged voucher %s %s %s sums to %d", v.Series, v.Number, v.Date, v.Sum())
	}
	if msg := core.AsError(err).Fields[0].Message; !strings.Contains(msg, "B 1") || !strings.Contains(msg, "-12771.00") {
		t.Errorf("message %q should name the voucher and the difference", msg)
	}
}

// The checksums published for the Norstedts files are what Read computes,
// and any change to a summed field breaks them.
func TestKSUMMA(t *testing.T) {
	for name, sum := range map[string]string{
		"Norstedts_Bokslut_SIE_4I_with_KSUMMA.si": "1573150874",
		"Bokslut_Norstedts_SIE_4E_with_KSUMMA.se": "854227682",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("#KSUMMA\t\t"+sum+"\n")) {
			t.Fatalf("%s does not end with #KSUMMA %s", name, sum)
		}
		if _, err := Read(bytes.NewReader(data)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Blanks and quotes are not summed; content is.
		reformatted := bytes.ReplaceAll(data, []byte("\t"), []byte("  "))
		if _, err := Read(bytes.NewReader(reformatted)); err != nil {
			t.Errorf("%s with tabs as spaces: %v", name, err)
		}
		tampered := bytes.Replace(data, []byte("Datakonsulterna AB"), []byte("Datakonsulterna HB"), 1)
		if got := fieldNames(t, readErr(tampered)); !reflect.DeepEqual(got, []string{"#KSUMMA"}) {
			t.Errorf("%s tampered: fields %v, want #KSUMMA", name, got)
		}
	}
}

func readErr(data []byte) error {
	_, err := Read(bytes.NewReader(data))
	return err
}

func TestReadErrors(t *testing.T) {
	head := "#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#PROGRAM x 1\n#GEN 20260401\n#FNAMN \"A\"\n"
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"trans outside a voucher", head + "#TRANS 1910 {} 1.00\n", []string{"line 7"}},
		{"three decimals", head + "#VER A 1 20260401 \"x\"\n{\n#TRANS 1910 {} 1.005\n#TRANS 3001 {} -1.005\n}\n", []string{"line 10", "line 9"}},
		{"bad date", head + "#VER A 1 20260431 \"x\"\n{\n}\n", []string{"line 7"}},
		{"unclosed voucher", head + "#VER A 1 20260401 \"x\"\n{\n#TRANS 1910 {} 1.00\n", []string{"line 7"}},
		{"voucher without braces", head + "#VER A 1 20260401 \"x\"\n#KONTO 1910 Kassa\n", []string{"line 8"}},
		{"stray brace", head + "}\n", []string{"line 7"}},
		{"object list not in pairs", head + "#VER A 1 20260401 \"x\"\n{\n#TRANS 1910 {1} 1.00\n}\n", []string{"line 9"}},
		{"not type 4", strings.Replace(head, "#SIETYP 4", "#SIETYP 3", 1), []string{"#SIETYP"}},
		{"no type", strings.Replace(head, "#SIETYP 4\n", "", 1), []string{"#SIETYP"}},
		{"unknown format", strings.Replace(head, "PC8", "PC9", 1), []string{"line 2"}},
		{"open checksum", strings.Replace(head, "#FLAGGA 0\n", "#FLAGGA 0\n#KSUMMA\n", 1), []string{"#KSUMMA"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldNames(t, readErr([]byte(tt.body))); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("fields %v, want %v", got, tt.want)
			}
		})
	}
	// What readers must tolerate: CRLF, unknown records, extra fields,
	// a BOM, lower-case tags.
	ok := "\xef\xbb\xbf" + strings.ReplaceAll(head, "\n", "\r\n") +
		"#ADRESS \"a\" \"b\"\r\n#UNKNOWN 1 2 3\r\n#ver A 1 20260401 \"x\" 20260402 sign extra\r\n{\r\n#TRANS 1910 {} 1.00 20260401 \"t\" 1 sign\r\n#RTRANS 1910 {} 1.00\r\n#TRANS 3001 {} -1\r\n}\r\n"
	f, err := Read(strings.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	want := Voucher{Series: "A", Number: "1", Date: "2026-04-01", Text: "x", RegDate: "2026-04-02", Transactions: []Transaction{
		{Account: "1910", Amount: 100, Date: "2026-04-01", Text: "t"}, {Account: "3001", Amount: -100},
	}}
	if len(f.Vouchers) != 1 || !reflect.DeepEqual(f.Vouchers[0], want) {
		t.Fatalf("read %+v", f.Vouchers)
	}
}

func TestAmounts(t *testing.T) {
	for _, c := range []struct {
		text  string
		minor int64
		canon string
	}{
		{"0", 0, "0.00"}, {"1", 100, "1.00"}, {"-0.5", -50, "-0.50"}, {"-212.5", -21250, "-212.50"},
		{"1104488.11", 110448811, "1104488.11"}, {"-0.01", -1, "-0.01"}, {"123456789012345.99", 12345678901234599, "123456789012345.99"},
	} {
		got, ok := parseAmount(c.text)
		if !ok || got != c.minor {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", c.text, got, ok, c.minor)
		}
		if s := formatAmount(c.minor); s != c.canon {
			t.Errorf("formatAmount(%d) = %q, want %q", c.minor, s, c.canon)
		}
	}
	for _, bad := range []string{"", "-", "1.", ".5", "1.234", "1,50", "+1", "1e3", "12a", "1234567890123456"} {
		if _, ok := parseAmount(bad); ok {
			t.Errorf("parseAmount(%q) accepted", bad)
		}
	}
}

func sampleFile() File {
	return File{
		Program: "ledgerbridge", ProgramVersion: "1.0", Generated: "2026-04-02", GeneratedBy: "Kassa 1",
		CompanyName: `Kafé "Åre" {Öst} AB`, CompanyID: "", OrgNumber: "556016-0680",
		FiscalYears: []FiscalYear{{0, "2026-01-01", "2026-12-31"}, {-1, "2025-01-01", "2025-12-31"}},
		ChartType:   "EUBAS97", Currency: "SEK",
		Accounts: []Account{{"1580", "Fordringar för kontokort och kuponger"}, {"2611", ""}, {"3001", "Försäljning 25 %"}},
		Vouchers: []Voucher{
			{Series: "A", Number: "1", Date: "2026-04-01", Text: "Dag 1", RegDate: "2026-04-02", Transactions: []Transaction{
				{Account: "1580", Amount: 12550, Date: "2026-04-01", Text: `kort "Visa"`},
				{Account: "2611", Amount: -2510, Objects: []Object{{"1", "Nord"}, {"6", "P 1"}}},
				{Account: "3001", Amount: -10040, Text: "sales 25%"},
			}},
			{Series: "", Number: "", Date: "2026-04-02", Text: "", Transactions: []Transaction{
				{Account: "1580", Amount: -1},
				{Account: "3001", Amount: 1, Text: "tab\there"},
			}},
		},
		Checksum: true,
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, checksum := range []bool{true, false} {
		in := sampleFile()
		in.Checksum = checksum
		var buf bytes.Buffer
		if err := Write(&buf, in); err != nil {
			t.Fatal(err)
		}
		out, err := Read(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("read back: %v\n%s", err, buf.String())
		}
		// Control characters are written as a space.
		in.Vouchers[1].Transactions[1].Text = "tab here"
		if !reflect.DeepEqual(out, in) {
			t.Fatalf("round trip (checksum %v)\n got %+v\nwant %+v", checksum, out, in)
		}
	}
}

func TestWriteFormat(t *testing.T) {
	f := sampleFile()
	f.Vouchers = f.Vouchers[:1]
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("Kafé")) || !bytes.Contains(buf.Bytes(), []byte("Kaf\x82")) {
		t.Fatal("not written in code page 437 (é is 0x82)")
	}
	decoded, err := charmap.CodePage437.NewDecoder().Bytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(decoded), "\n")
	sum := lines[len(lines)-2]
	want := `#FLAGGA 0
#KSUMMA
#PROGRAM "ledgerbridge" 1.0
#FORMAT PC8
#GEN 20260402 "Kassa 1"
#SIETYP 4
#PROSA "SIE typ 4I: verifikationer för import, utan saldon"
#ORGNR 556016-0680
#FNAMN "Kafé \"Åre\" {Öst} AB"
#RAR 0 20260101 20261231
#RAR -1 20250101 20251231
#KPTYP EUBAS97
#VALUTA SEK
#KONTO 1580 "Fordringar för kontokort och kuponger"
#KONTO 2611 ""
#KONTO 3001 "Försäljning 25 %"
#VER A 1 20260401 "Dag 1" 20260402
{
   #TRANS 1580 {} 125.50 20260401 "kort \"Visa\""
   #TRANS 2611 {1 Nord 6 "P 1"} -25.10
   #TRANS 3001 {} -100.40 "" "sales 25%"
}
` + sum + "\n"
	if string(decoded) != want {
		t.Fatalf("wrote\n%s\nwant\n%s", decoded, want)
	}
	if !strings.HasPrefix(sum, "#KSUMMA ") {
		t.Fatalf("last line %q", sum)
	}
}

func TestWriteReplacesWhatPC8CannotHold(t *testing.T) {
	f := sampleFile()
	f.CompanyName = "Bjørn € Bar"
	f.Vouchers[0].Text = `C:\dir\`
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	out, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if out.CompanyName != "Bj?rn ? Bar" {
		t.Errorf("company %q", out.CompanyName)
	}
	if out.Vouchers[0].Text != `C:\dir/` {
		t.Errorf("text %q", out.Vouchers[0].Text)
	}
}

func TestWriteValidates(t *testing.T) {
	f := sampleFile()
	f.Vouchers[0].Transactions[0].Amount++
	f.Program = ""
	f.Accounts[0].Number = "15 80"
	var buf bytes.Buffer
	got := fieldNames(t, Write(&buf, f))
	if want := []string{"accounts[0].number", "program", "vouchers[0]"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	if buf.Len() != 0 {
		t.Error("an invalid file was written")
	}
}

// TestWriteHeaderAs4I: the identification records a 4I file needs
// (#FLAGGA, #PROGRAM, #FORMAT, #GEN, #SIETYP, #FNAMN) come in the order of
// SIE-Gruppen's 4I sample FAKT.SI, with #PROSA saying it is 4I, and no
// balance record is written.
func TestWriteHeaderAs4I(t *testing.T) {
	sample, err := os.ReadFile("testdata/FAKT.SI")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	f := sampleFile()
	f.Checksum = false
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	tags := func(b []byte) []string {
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if tag, _, _ := strings.Cut(strings.TrimSpace(l), " "); strings.HasPrefix(tag, "#") && tag != "#VER" && tag != "#TRANS" {
				out = append(out, tag)
			}
		}
		return out
	}
	written := tags(buf.Bytes())
	for _, tc := range []struct {
		tag  string
		want bool
	}{
		{"#FLAGGA", true}, {"#PROGRAM", true}, {"#FORMAT", true}, {"#GEN", true}, {"#SIETYP", true},
		{"#PROSA", true}, {"#FNAMN", true}, {"#ORGNR", true},
		{"#IB", false}, {"#UB", false}, {"#RES", false}, {"#PSALDO", false},
	} {
		if got := slices.Contains(written, tc.tag); got != tc.want {
			t.Errorf("%s written: %v, want %v", tc.tag, got, tc.want)
		}
	}
	// Every tag FAKT.SI and our file share comes in the same order.
	rank := map[string]int{}
	for i, tag := range tags(sample) {
		if _, ok := rank[tag]; !ok {
			rank[tag] = i
		}
	}
	last := -1
	for _, tag := range written {
		if r, ok := rank[tag]; ok {
			if r < last {
				t.Errorf("%s comes later than in FAKT.SI: %v", tag, written)
			}
			last = r
		}
	}
	for _, line := range []string{"#FORMAT PC8\n", "#SIETYP 4\n", "#PROSA \"" + ImportComment + "\"\n"} {
		if !strings.Contains(decodeCP437(t, buf.Bytes()), line) {
			t.Errorf("no line %q", line)
		}
	}
	if Extension != ".si" {
		t.Errorf("extension %q: a 4I file is .si", Extension)
	}
}

// TestWriteSwedishLetters: å ä ö Å Ä Ö are code page 437 characters and
// come back as written; only letters such as ø are lost.
func TestWriteSwedishLetters(t *testing.T) {
	for _, tc := range []struct{ text, bytes, back string }{
		{"Utgående moms", "Utg\x86ende moms", "Utgående moms"},
		{"Försäljning", "F\x94rs\x84ljning", "Försäljning"},
		{"ÅÄÖ", "\x8f\x8e\x99", "ÅÄÖ"},
		{"Øreavrunding", "?reavrunding", "?reavrunding"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			f := sampleFile()
			f.Vouchers = f.Vouchers[:1]
			f.Vouchers[0].Text = tc.text
			var buf bytes.Buffer
			if err := Write(&buf, f); err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(buf.Bytes(), []byte(`"`+tc.bytes+`"`)) {
				t.Errorf("%q not written as %q", tc.text, tc.bytes)
			}
			out, err := Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if got := out.Vouchers[0].Text; got != tc.back {
				t.Errorf("read back %q, want %q", got, tc.back)
			}
		})
	}
}

func decodeCP437(t *testing.T, b []byte) string {
	t.Helper()
	d, err := charmap.CodePage437.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(d)
}
