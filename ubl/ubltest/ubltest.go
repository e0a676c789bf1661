// Package ubltest validates UBL 2.1 e-invoices in tests with the official
// artefacts: the OASIS UBL 2.1 XSD (through xmllint) and the compiled
// CEN EN 16931 and OpenPeppol BIS Billing 3.0 schematron rules (through
// Saxon-HE). The artefacts are copied unmodified into testdata/ (see
// testdata/PROVENANCE.md); the tools come from Debian (libxml2-utils,
// libsaxonhe-java, a Java runtime), installed by .ci/run.
//
// It is a test helper: production code never imports it.
package ubltest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Finding is one failed rule: a schematron failed-assert, or an XSD error
// (Rules "xsd", Flag "fatal").
type Finding struct {
	Rules    string // "xsd", "cen" or "peppol"
	ID       string // the rule id, e.g. BR-CO-16, SE-R-005
	Flag     string // fatal or warning
	Location string
	Text     string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s %s: %s (at %s)", f.Rules, f.Flag, f.ID, f.Text, f.Location)
}

// Report holds the findings per document name.
type Report map[string][]Finding

// Fatal returns every fatal finding, as lines "name: finding".
func (r Report) Fatal() []string { return r.lines("fatal") }

// Warnings returns every finding that is not fatal.
func (r Report) Warnings() []string { return r.lines("") }

func (r Report) lines(flag string) []string {
	var out []string
	for name, fs := range r {
		for _, f := range fs {
			if (flag == "fatal") == (f.Flag == "fatal") {
				out = append(out, name+": "+f.String())
			}
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether the named document failed rule id.
func (r Report) Has(name, id string) bool {
	for _, f := range r[name] {
		if f.ID == id {
			return true
		}
	}
	return false
}

// Dir is the testdata folder with the artefacts.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata")
}

// SaxonJar is Debian's Saxon-HE jar.
const SaxonJar = "/usr/share/java/Saxon-HE.jar"

// Available reports why the validators cannot run here, or "" when they can.
func Available() string {
	for _, tool := range []string{"java", "xmllint"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (Debian: default-jre-headless, libxml2-utils)"
		}
	}
	if _, err := os.Stat(SaxonJar); err != nil {
		return SaxonJar + " is missing (Debian: libsaxonhe-java)"
	}
	return ""
}

// Require validates docs (name → UBL XML; names must be unique file
// names) and fails t on any XSD error or fatal rule, logging warnings. It
// skips when the tools are absent, except under CI=true where it fails.
func Require(t testing.TB, docs map[string][]byte) Report {
	t.Helper()
	r := MustCheck(t, docs)
	for _, w := range r.Warnings() {
		t.Log("warning: " + w)
	}
	for _, f := range r.Fatal() {
		t.Error(f)
	}
	return r
}

// MustCheck is Check for tests: it skips (or under CI=true fails) when the
// tools are absent and fails t when a tool does not run.
func MustCheck(t testing.TB, docs map[string][]byte) Report {
	t.Helper()
	if why := Available(); why != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must validate e-invoices: %s", why)
		}
		t.Skip(why)
	}
	r, err := Check(docs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Check runs the three validators over docs: the UBL 2.1 XSD of the
// document's root element, then the CEN EN 16931 rules, then the Peppol
// BIS Billing 3.0 rules (each over all documents in one Java run).
//
// Errors: a tool that cannot run or whose output cannot be read; rule
// failures are findings, not errors.
func Check(docs map[string][]byte) (Report, error) {
	work, err := os.MkdirTemp("", "ubltest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	in := filepath.Join(work, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		return nil, err
	}
	report := Report{}
	byRoot := map[string][]string{}
	for name, data := range docs {
		if strings.ContainsAny(name, `/\`) {
			return nil, fmt.Errorf("document name %q must be a plain file name", name)
		}
		root, err := rootName(data)
		if err != nil {
			// The validators read only well-formed documents.
			report[name] = append(report[name], Finding{Rules: "xsd", ID: "XML", Flag: "fatal", Text: err.Error()})
			continue
		}
		if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
			return nil, err
		}
		byRoot[root] = append(byRoot[root], name)
		report[name] = nil
	}
	for root, names := range byRoot {
		if err := checkSchema(in, root, names, report); err != nil {
			return nil, err
		}
	}
	for _, rules := range []struct{ name, file string }{
		{"cen", "CEN-EN16931-UBL.xslt"},
		{"peppol", "PEPPOL-EN16931-UBL.xslt"},
	} {
		if err := checkRules(work, in, rules.name, rules.file, report); err != nil {
			return nil, err
		}
	}
	return report, nil
}

// rootName returns the local name of data's root element after reading
// the whole document, so that it fails on any document that is not
// well-formed.
func rootName(data []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) && root != "" {
			return root, nil
		}
		if err != nil {
			return "", fmt.Errorf("not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
}

// checkSchema validates names (all with root element root) against the
// UBL 2.1 maindoc schema of that root.
func checkSchema(dir, root string, names []string, report Report) error {
	xsd := filepath.Join(Dir(), "xsd", "maindoc", "UBL-"+root+"-2.1.xsd")
	if _, err := os.Stat(xsd); err != nil {
		for _, n := range names {
			report[n] = append(report[n], Finding{Rules: "xsd", ID: "XSD", Flag: "fatal", Text: "root element " + root + " is neither Invoice nor CreditNote"})
		}
		return nil
	}
	args := []string{"--noout", "--nonet", "--schema", xsd}
	for _, n := range names {
		args = append(args, filepath.Join(dir, n))
	}
	var out bytes.Buffer
	cmd := exec.Command("xmllint", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return fmt.Errorf("xmllint: %v", err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if line == "" || strings.HasSuffix(line, " validates") {
			continue
		}
		for _, n := range names {
			if strings.HasPrefix(line, filepath.Join(dir, n)+":") {
				report[n] = append(report[n], Finding{Rules: "xsd", ID: "XSD", Flag: "fatal", Text: strings.TrimPrefix(line, filepath.Join(dir, n)+":")})
			}
		}
	}
	if err != nil && len(report.Fatal()) == 0 {
		return fmt.Errorf("xmllint failed without naming a document: %s", out.String())
	}
	return nil
}

// checkRules runs the compiled schematron file over every document in dir
// and adds each failed-assert to report.
func checkRules(work, dir, name, file string, report Report) error {
	out := filepath.Join(work, name)
	if err := os.Mkdir(out, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("java", "-cp", SaxonJar, "net.sf.saxon.Transform",
		"-s:"+dir, "-xsl:"+filepath.Join(Dir(), "xslt", file), "-o:"+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("saxon %s: %v: %s", file, err, b)
	}
	for doc := range report {
		svrl, err := os.ReadFile(filepath.Join(out, doc))
		if err != nil {
			if os.IsNotExist(err) && hasXMLError(report[doc]) {
				continue
			}
			return fmt.Errorf("saxon %s wrote no report for %s: %v", file, doc, err)
		}
		fs, err := failedAsserts(svrl)
		if err != nil {
			return fmt.Errorf("reading %s report of %s: %v", file, doc, err)
		}
		for _, f := range fs {
			f.Rules = name
			report[doc] = append(report[doc], f)
		}
	}
	return nil
}

func hasXMLError(fs []Finding) bool {
	for _, f := range fs {
		if f.ID == "XML" {
			return true
		}
	}
	return false
}

// namespacePredicate is the noise in an SVRL location:
// /*:Invoice[namespace-uri()='urn:…'][1] reads /*:Invoice[1] without it.
var namespacePredicate = regexp.MustCompile(`\[namespace-uri\(\)='[^']*'\]`)

// failedAsserts reads the svrl:failed-assert elements of an SVRL report.
func failedAsserts(svrl []byte) ([]Finding, error) {
	var doc struct {
		Failed []struct {
			ID       string `xml:"id,attr"`
			Flag     string `xml:"flag,attr"`
			Location string `xml:"location,attr"`
			Text     string `xml:"text"`
		} `xml:"failed-assert"`
	}
	if err := xml.Unmarshal(svrl, &doc); err != nil {
		return nil, err
	}
	out := make([]Finding, 0, len(doc.Failed))
	for _, f := range doc.Failed {
		flag := f.Flag
		if flag == "" {
			flag = "fatal"
		}
		loc := namespacePredicate.ReplaceAllString(f.Location, "")
		out = append(out, Finding{ID: f.ID, Flag: flag, Location: loc, Text: strings.TrimSpace(f.Text)})
	}
	return out, nil
}
