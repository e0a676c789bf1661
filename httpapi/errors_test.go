package httpapi

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// statusTable is the contract's status for every error code core declares.
var statusTable = map[core.ErrorCode]int{
	core.CodeInvalid:          422,
	core.CodeUnauthorized:     401,
	core.CodeForbidden:        403,
	core.CodeNotFound:         404,
	core.CodeConflict:         409,
	core.CodeRateLimited:      429,
	core.CodeProviderError:    502,
	core.CodeUnavailable:      503,
	core.CodeUnsupported:      501,
	core.CodeInternal:         500,
	core.CodeMethodNotAllowed: 405,
}

func TestStatusOfEveryCode(t *testing.T) {
	for code, want := range statusTable {
		if got := StatusOf(code); got != want {
			t.Errorf("StatusOf(%s) = %d, want %d", code, got, want)
		}
	}
	for _, code := range []core.ErrorCode{"", "no_such_code"} {
		if got := StatusOf(code); got != 500 {
			t.Errorf("StatusOf(%q) = %d, want 500", code, got)
		}
	}
}

// TestStatusTableCoversCore reads core's source for its ErrorCode constants,
// so a code added there without a status here fails.
func TestStatusTableCoversCore(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "core", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	declared := map[core.ErrorCode]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "ErrorCode" {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok {
						t.Fatalf("%s: an ErrorCode constant that is not a string literal", fset.Position(v.Pos()))
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					declared[core.ErrorCode(s)] = true
				}
			}
		}
	}
	if len(declared) < 10 {
		t.Fatalf("found only %d error codes in core: %v", len(declared), declared)
	}
	for code := range declared {
		if _, ok := statusTable[code]; !ok {
			t.Errorf("core declares %q but the status table here has no row for it", code)
		}
	}
	for code := range statusTable {
		if !declared[code] {
			t.Errorf("status table row %q is not a code core declares", code)
		}
	}
}

func TestErrorStatus(t *testing.T) {
	tests := []struct {
		name string
		err  *core.Error
		want int
	}{
		{"invalid input", &core.Error{Code: core.CodeInvalid}, 422},
		{"unparseable input", &core.Error{Code: core.CodeInvalid, Syntax: true}, 400},
		{"syntax flag on another code", &core.Error{Code: core.CodeConflict, Syntax: true}, 409},
		{"foreign error", core.AsError(errors.New("x")), 500},
		{"rate limited", &core.Error{Code: core.CodeRateLimited, RetryAfter: 1}, 429},
	}
	for _, tt := range tests {
		if got := errorStatus(tt.err); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
