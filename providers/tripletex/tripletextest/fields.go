package tripletextest

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// fieldSel is a parsed `fields` filter: "*" selects every field as the
// default view does (nested objects as {"id","url"} stubs); a name selects
// that field; "name(sub)" expands the nested object(s) and applies sub.
type fieldSel struct {
	all   bool
	names []string
	sub   map[string]*fieldSel
}

// parseFields parses a fields filter; "" means the default view (nil).
func parseFields(s string) (*fieldSel, *apiError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	sel, rest, err := parseFieldList(s)
	if err == nil && strings.TrimSpace(rest) != "" {
		err = fmt.Errorf("unexpected %q", rest)
	}
	if err != nil {
		return nil, &apiError{Status: 400, Code: 11000, Message: strp("Illegal field in fields filter: " + s + ". " + err.Error()), Link: linkDocs}
	}
	return sel, nil
}

func parseFieldList(s string) (*fieldSel, string, error) {
	sel := &fieldSel{sub: map[string]*fieldSel{}}
	for {
		s = strings.TrimLeft(s, " ")
		i := strings.IndexAny(s, ",()")
		name := s
		if i >= 0 {
			name = s[:i]
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, s, fmt.Errorf("empty field name")
		}
		if i < 0 {
			sel.add(name, nil)
			return sel, "", nil
		}
		switch s[i] {
		case ',':
			sel.add(name, nil)
			s = s[i+1:]
			continue
		case ')':
			sel.add(name, nil)
			return sel, s[i:], nil
		case '(':
			sub, rest, err := parseFieldList(s[i+1:])
			if err != nil {
				return nil, rest, err
			}
			if !strings.HasPrefix(rest, ")") {
				return nil, rest, fmt.Errorf("missing )")
			}
			sel.add(name, sub)
			rest = strings.TrimLeft(rest[1:], " ")
			if strings.HasPrefix(rest, ",") {
				s = rest[1:]
				continue
			}
			return sel, rest, nil
		}
	}
}

func (f *fieldSel) add(name string, sub *fieldSel) {
	if name == "*" {
		f.all = true
		return
	}
	f.names = append(f.names, name)
	if sub != nil {
		f.sub[name] = sub
	}
}

// check rejects names that are not fields of the model, with Tripletex's
// 400/11000 "Illegal field in fields filter" message.
func (f *fieldSel) check(model *openapi3.Schema, modelName string) *apiError {
	if f == nil || model == nil {
		return nil
	}
	for _, n := range f.names {
		prop := model.Properties[n]
		if prop == nil || prop.Value == nil {
			return &apiError{Status: 400, Code: 11000, Link: linkDocs,
				Message: strp(fmt.Sprintf("Illegal field in fields filter: %s. %s does not match a field in the model: %sDTO", n, n, modelName))}
		}
		if sub := f.sub[n]; sub != nil {
			ps, name := prop.Value, refName(prop.Ref)
			if ps.Type.Is("array") && ps.Items != nil {
				ps, name = ps.Items.Value, refName(ps.Items.Ref)
			}
			if e := sub.check(ps, name); e != nil {
				return e
			}
		}
	}
	return nil
}

// applyFields returns the view of obj that sel selects, expanding stubs
// through the mock's state. Callers hold s.mu.
func (s *Server) applyFields(obj map[string]any, sel *fieldSel) map[string]any {
	if sel == nil || obj == nil {
		return obj
	}
	out := map[string]any{}
	if sel.all {
		for k, v := range obj {
			out[k] = v
		}
	}
	for _, n := range sel.names {
		v := obj[n]
		sub := sel.sub[n]
		if sub == nil {
			out[n] = v
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			out[n] = s.applyFields(s.expand(x), sub)
		case []any:
			arr := make([]any, len(x))
			for i, it := range x {
				if m, ok := it.(map[string]any); ok {
					arr[i] = s.applyFields(s.expand(m), sub)
				} else {
					arr[i] = it
				}
			}
			out[n] = arr
		default:
			out[n] = v
		}
	}
	return out
}

// expand turns an {"id","url"} stub into the full object it points at.
func (s *Server) expand(m map[string]any) map[string]any {
	if len(m) != 2 {
		return m
	}
	u, ok := m["url"].(string)
	if !ok {
		return m
	}
	i := strings.Index(u, "/v2/")
	if i < 0 {
		return m
	}
	if full := s.st.resolve(u[i+4:]); full != nil {
		return full
	}
	return m
}
