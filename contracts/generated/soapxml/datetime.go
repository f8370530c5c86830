package soapxml

import (
	"fmt"
	"strings"
	"time"
)

// DateTime is an xs:dateTime kept in its lexical form, so a value read from a
// message is written back unchanged and the caller decides what a value
// without a zone means (TAK exports zone-less local midnights; the catalogue
// reads them in its configured zone). gowsdl's soap.XSDDateTime is not used:
// it drops parse errors (a bad value becomes the zero time), silently omits a
// zero value from required elements and reads zone-less values in time.Local.
type DateTime string

// The layouts of the xs:dateTime lexical space that Parse accepts; Go's
// parser accepts any number of fractional second digits after the seconds.
const (
	dateTimeZoned    = "2006-01-02T15:04:05Z07:00"
	dateTimeZoneless = "2006-01-02T15:04:05"
)

// Parse returns the instant. A value without a zone is read in loc and
// zoned reports false; with a zone (Z or ±hh:mm) it is exact and loc is
// ignored. Leading and trailing whitespace is collapsed as XSD does; the
// end-of-day form 24:00:00 means the start of the next day.
func (d DateTime) Parse(loc *time.Location) (t time.Time, zoned bool, err error) {
	s := strings.TrimSpace(string(d))
	if s == "" {
		return time.Time{}, false, fmt.Errorf("xs:dateTime %q: empty", string(d))
	}
	endOfDay := false
	if i := strings.IndexByte(s, 'T'); i > 0 && strings.HasPrefix(s[i+1:], "24:00:00") {
		rest := strings.TrimLeft(s[i+1+len("24:00:00"):], ".0")
		s = s[:i+1] + "00:00:00" + rest
		endOfDay = true
	}
	zoned = hasZone(s)
	if zoned {
		t, err = time.Parse(dateTimeZoned, s)
	} else {
		if loc == nil {
			return time.Time{}, false, fmt.Errorf("xs:dateTime %q has no zone and no location was given", string(d))
		}
		t, err = time.ParseInLocation(dateTimeZoneless, s, loc)
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("xs:dateTime %q: %w", string(d), err)
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, zoned, nil
}

// hasZone reports whether the time part of s ends in Z or ±hh:mm.
func hasZone(s string) bool {
	i := strings.IndexByte(s, 'T')
	if i < 0 {
		return false
	}
	tp := s[i+1:]
	return strings.HasSuffix(tp, "Z") || strings.ContainsAny(tp, "+-")
}

// FormatDateTime writes t with its zone offset (Z for UTC) and only as many
// fractional digits as it has.
func FormatDateTime(t time.Time) DateTime {
	return DateTime(t.Format("2006-01-02T15:04:05.999999999Z07:00"))
}
