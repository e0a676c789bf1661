package core

import (
	"encoding/base64"
	"encoding/json"
)

// EncodeCursor returns an opaque list cursor ("next_cursor") holding v,
// a small struct naming the position after a page's last row.
func EncodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("core: unencodable cursor: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor into v. Errors:
// ErrInvalidCursor.
func DecodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return ErrInvalidCursor()
	}
	return nil
}

// ErrInvalidCursor is the invalid-input error for a cursor that no page of
// the list returned.
func ErrInvalidCursor() error {
	return Invalid("invalid cursor", FieldError{Field: "cursor", Message: "is not a cursor from a previous page"})
}
