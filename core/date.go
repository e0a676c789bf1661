package core

import (
	"time"
)

// Date is a calendar date in the form YYYY-MM-DD. The zero value is "" and
// means "no date". Dates compare correctly as strings.
type Date string

const dateLayout = "2006-01-02"

// ParseDate parses YYYY-MM-DD; it returns an invalid-input error naming field.
func ParseDate(field, s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Format(dateLayout) != s {
		return "", &Error{Code: CodeInvalid, Message: "invalid date",
			Fields: []FieldError{{Field: field, Message: "must be a date YYYY-MM-DD"}}}
	}
	return Date(s), nil
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date { return Date(t.Format(dateLayout)) }

// Time returns midnight UTC of d. It panics on a malformed Date, which only
// ParseDate and DateOf create.
func (d Date) Time() time.Time {
	t, err := time.Parse(dateLayout, string(d))
	if err != nil {
		panic("core: malformed Date " + string(d))
	}
	return t
}

// AddDays returns d plus n calendar days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Valid reports whether d is a well-formed date.
func (d Date) Valid() bool {
	t, err := time.Parse(dateLayout, string(d))
	return err == nil && t.Format(dateLayout) == string(d)
}
