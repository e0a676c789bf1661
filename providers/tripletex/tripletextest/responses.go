package tripletextest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// ObservedDeviations lists, in one place, every way the real Tripletex API's
// answers depart from its published document (research/tripletex.md, marked
// [obs]) and the mock therefore answers the same way. checkResponse allows
// exactly these and reports anything else the document does not show.
var ObservedDeviations = []string{
	// §5 / customer example: "accountManager":null, "deliveryAddress":null.
	"an unset reference (a property whose schema is an object) is null",
	// §2.4 errors: {"status":…,"code":…,"message":…,"developerMessage":null,…}.
	"error answers (4xx/5xx) have the observed error shape, which the document does not declare; they are not checked here",
	// §2.2: versionDigest is a string or null.
	"versionDigest of a list envelope is a string or null",
	// Not observed but implied: an enum has no "" value, so an unset enum
	// (a manual posting's type) can only be null, as Jackson writes it.
	"an unset enum string (Posting.type) is null",
	// §5: "Spec declares 200 for POSTs that really return 201".
	"a created object is answered 201, where the document declares only a default response",
}

// The real API never sends these (unlike the deviations above), so the mock
// must not: an unset string is "" (customer example: "invoiceEmail":"",
// "website":""), an unset number 0 ("globalLocationNumber":0), an empty list
// [] ("bankAccountPresentation":[]), and a list holds no null items.

// checkResponse walks a JSON answer against the schema the operation
// declares and returns one message per departure that is not an observed
// deviation: properties the document does not have, null where the real API
// sends "" / 0 / false / [], null items in lists, and values of the wrong type.
func checkResponse(op *openapi3.Operation, body []byte) []string {
	sch := responseSchema(op)
	if sch == nil {
		return []string{"the document declares no JSON answer for this operation"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []string{"answer is not JSON: " + err.Error()}
	}
	return walkResponse(v, sch, "", true)
}

// responseSchema is the schema of the operation's JSON answer (the
// ResponseWrapperX or ListResponseX envelope).
func responseSchema(op *openapi3.Operation) *openapi3.Schema {
	if op == nil || op.Responses == nil {
		return nil
	}
	for _, code := range []string{"default", "200", "201"} {
		resp := op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

func walkResponse(v any, sch *openapi3.Schema, path string, top bool) []string {
	at := path
	if at == "" {
		at = "(answer)"
	}
	isObject := sch.Type.Is("object") || (sch.Type == nil && len(sch.Properties) > 0)
	if v == nil {
		switch {
		case isObject:
			return nil // observed: unset references are null
		case top && path == "versionDigest":
			return nil
		case sch.Type.Is("string") && len(sch.Enum) > 0:
			return nil
		case sch.Type.Is("string"):
			return []string{at + `: null where the real API sends "" for an unset string`}
		case sch.Type.Is("array"):
			return []string{at + ": null where the real API sends [] for an empty list"}
		default:
			return []string{at + ": null where the real API sends a value (0, false) for an unset " + typeName(sch)}
		}
	}
	switch {
	case isObject:
		m, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T where the document has an object", at, v)}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			prop := sch.Properties[k]
			if prop == nil || prop.Value == nil {
				out = append(out, joinPath(path, k)+": not in the document (the real API does not send it)")
				continue
			}
			out = append(out, walkResponse(m[k], prop.Value, joinPath(path, k), top && path == "")...)
		}
		return out
	case sch.Type.Is("array"):
		a, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T where the document has a list", at, v)}
		}
		var out []string
		for i, it := range a {
			p := fmt.Sprintf("%s[%d]", path, i)
			if it == nil {
				out = append(out, p+": null item in a list (the real API sends none)")
				continue
			}
			if sch.Items != nil && sch.Items.Value != nil {
				out = append(out, walkResponse(it, sch.Items.Value, p, false)...)
			}
		}
		return out
	case sch.Type.Is("string"):
		if _, ok := v.(string); !ok {
			return []string{fmt.Sprintf("%s: %T where the document has a string", at, v)}
		}
	case sch.Type.Is("integer"):
		if n, ok := v.(json.Number); !ok {
			return []string{fmt.Sprintf("%s: %T where the document has an integer", at, v)}
		} else if _, err := n.Int64(); err != nil {
			return []string{fmt.Sprintf("%s: %s where the document has an integer", at, n)}
		}
	case sch.Type.Is("number"):
		if _, ok := v.(json.Number); !ok {
			return []string{fmt.Sprintf("%s: %T where the document has a number", at, v)}
		}
	case sch.Type.Is("boolean"):
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: %T where the document has a boolean", at, v)}
		}
	}
	return nil
}

func typeName(sch *openapi3.Schema) string {
	if sch.Type == nil || len(*sch.Type) == 0 {
		return "value"
	}
	return (*sch.Type)[0]
}
