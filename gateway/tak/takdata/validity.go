package takdata

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	_ "time/tzdata" // the default zone must load on hosts without zoneinfo
)

// TAK stores from/tom as SQL dates and tak-services sends them as zone-less
// local midnights (xs:dateTime without timezone). VP compares those with a
// zoned "now", which XML Schema calls indeterminate within ±14 h, so an old
// route with tom=D and a new one with from=D+1 are both valid for hours on day
// D (VP006). rivgate reads every value into an instant instead:
//
//   - a value with a zone (Z, +01:00, +0100) is that exact instant;
//   - a zone-less value is read in the configured zone (Europe/Stockholm by
//     default);
//   - a zone-less tom at midnight, or a bare date, means the whole of that
//     day: it ends at the last nanosecond before the next local midnight.
//
// So tom=D and from=D+1 switch exactly at local midnight with neither gap nor
// overlap, also across daylight-saving changes.

// DefaultZone is the zone TAK's dates are local to.
const DefaultZone = "Europe/Stockholm"

// Far bounds written for unbounded validity by formats that require a value.
const (
	farFrom = "1970-01-01"
	farTo   = "9999-12-31"
)

// form is the lexical shape a value was written in.
type form int

const (
	formDate     form = iota // 2024-01-31
	formDateTime             // xs:dateTime, zone "Z" or "+01:00" or none
	formJSON                 // TAK export: zone "+0100" without colon
)

// stamp is a parsed date-time before a zone is applied.
type stamp struct {
	year, day, hour, min, sec, nsec int
	month                           time.Month
	hasZone                         bool
	offset                          int // seconds east of UTC
	form                            form
}

var errSyntax = errors.New("want YYYY-MM-DD, YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm] or TAK's ±hhmm form")

// parseStamp reads the lexical forms TAK data uses. It is strict: the value
// must be a real calendar date and time.
func parseStamp(s string) (stamp, error) {
	var st stamp
	num := func(i, n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	var ok bool
	var mon int
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return st, errSyntax
	}
	if st.year, ok = num(0, 4); !ok {
		return st, errSyntax
	}
	if mon, ok = num(5, 2); !ok {
		return st, errSyntax
	}
	if st.day, ok = num(8, 2); !ok {
		return st, errSyntax
	}
	st.month = time.Month(mon)
	// Year 0000 is no xs:date year, and a day in it can only be written
	// back as a year before it, which no reader takes.
	if st.year == 0 || mon < 1 || mon > 12 || st.day < 1 || st.day > daysIn(st.year, st.month) {
		return st, fmt.Errorf("no such date %s", s[:10])
	}
	if len(s) == 10 {
		st.form = formDate
		return st, nil
	}
	if s[10] != 'T' || len(s) < 19 || s[13] != ':' || s[16] != ':' {
		return st, errSyntax
	}
	if st.hour, ok = num(11, 2); !ok {
		return st, errSyntax
	}
	if st.min, ok = num(14, 2); !ok {
		return st, errSyntax
	}
	if st.sec, ok = num(17, 2); !ok {
		return st, errSyntax
	}
	if st.hour > 23 || st.min > 59 || st.sec > 59 {
		return st, fmt.Errorf("no such time of day %s", s[11:19])
	}
	st.form = formDateTime
	i := 19
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i+1 {
			return st, errSyntax
		}
		frac := s[i+1 : j]
		if len(frac) > 9 {
			frac = frac[:9] // below a nanosecond: dropped
		}
		n, _ := strconv.Atoi(frac)
		for k := len(frac); k < 9; k++ {
			n *= 10
		}
		st.nsec = n
		i = j
	}
	switch rest := s[i:]; {
	case rest == "":
	case rest == "Z":
		st.hasZone = true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, ok1 := num(i+1, 2)
		m, ok2 := num(i+4, 2)
		if !ok1 || !ok2 || h > 14 || m > 59 {
			return st, errSyntax
		}
		st.hasZone, st.offset = true, sign(rest[0])*(h*3600+m*60)
	case len(rest) == 5 && (rest[0] == '+' || rest[0] == '-'):
		h, ok1 := num(i+1, 2)
		m, ok2 := num(i+3, 2)
		if !ok1 || !ok2 || h > 14 || m > 59 {
			return st, errSyntax
		}
		st.hasZone, st.offset, st.form = true, sign(rest[0])*(h*3600+m*60), formJSON
	default:
		return st, errSyntax
	}
	return st, nil
}

func sign(c byte) int {
	if c == '-' {
		return -1
	}
	return 1
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func (st stamp) midnight() bool { return st.hour == 0 && st.min == 0 && st.sec == 0 && st.nsec == 0 }

// Calendar says how zoned values are read. TAK's JSON exports write SQL dates
// as zoned local midnights ("2009-03-10T00:00:00+0100"); CalendarZoned reads
// such a value, when it falls on a midnight of the configured zone, as that
// calendar date, just like the zone-less value tak-services sends VP for the
// same row. ExactZoned (every other format) keeps zoned values exact.
type Calendar bool

// How zoned values are read.
const (
	ExactZoned    Calendar = false
	CalendarZoned Calendar = true
)

// ParseBound reads one validity end. end is true for tom. loc is the zone for
// zone-less values (nil means UTC; callers pass the configured zone).
func ParseBound(s string, end bool, loc *time.Location, cal Calendar) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	st, err := parseStamp(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date-time %q: %w", s, err)
	}
	if st.hasZone {
		t := time.Date(st.year, st.month, st.day, st.hour, st.min, st.sec, st.nsec, time.FixedZone("", st.offset))
		if cal == CalendarZoned {
			l := t.In(loc)
			if l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
				return dayBound(l.Year(), l.Month(), l.Day(), end, loc), nil
			}
		}
		return t, nil
	}
	if st.form == formDate || st.midnight() {
		return dayBound(st.year, st.month, st.day, end, loc), nil
	}
	return time.Date(st.year, st.month, st.day, st.hour, st.min, st.sec, st.nsec, loc), nil
}

// dayBound is the first instant of a local day (from) or its last nanosecond
// (tom). time.Date normalises day+1 across month ends and moves a midnight
// that does not exist in loc (a DST gap) forward, as the day then starts.
func dayBound(y int, m time.Month, d int, end bool, loc *time.Location) time.Time {
	if !end {
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc).Add(-time.Nanosecond)
}

// CalendarDate reports which calendar date a bound stands for in loc, if it is
// one: a from at a local midnight, a tom at the last nanosecond of a local day.
func CalendarDate(t time.Time, end bool, loc *time.Location) (date string, ok bool) {
	if t.IsZero() {
		return "", false
	}
	if loc == nil {
		loc = time.UTC
	}
	if end {
		t = t.Add(time.Nanosecond)
	}
	l := t.In(loc)
	if l.Hour() != 0 || l.Minute() != 0 || l.Second() != 0 || l.Nanosecond() != 0 {
		return "", false
	}
	if end {
		l = time.Date(l.Year(), l.Month(), l.Day()-1, 0, 0, 0, 0, loc)
	}
	return l.Format("2006-01-02"), true
}

// XSDText is the xs:dateTime to write for a bound in VP's cache file or a SOAP
// answer: the source text when it already is an xs:dateTime (so files round
// trip byte for byte), else a zone-less local midnight for a calendar date
// (TAK's own style), else the exact instant with its offset ("Z" for UTC, as
// JAXB writes it).
func XSDText(text string, t time.Time, end bool, loc *time.Location) string {
	if st, err := parseStamp(text); err == nil && st.form == formDateTime {
		return text
	}
	if t.IsZero() {
		return farDate(end) + "T00:00:00"
	}
	if d, ok := CalendarDate(t, end, loc); ok {
		return d + "T00:00:00"
	}
	return t.Format("2006-01-02T15:04:05.999999999Z07:00")
}

// JSONText is the value to write in TAK's JSON export shape
// (yyyy-MM-dd'T'HH:mm:ssZ, as tak-services formats it): a calendar date is
// that day's local midnight with the zone's offset; anything else the instant
// in UTC (the export has no sub-second part, so those are truncated).
func JSONText(text string, t time.Time, end bool, loc *time.Location) string {
	if st, err := parseStamp(text); err == nil && st.form == formJSON {
		return text
	}
	if loc == nil {
		loc = time.UTC
	}
	if t.IsZero() {
		y, _ := time.ParseInLocation("2006-01-02", farDate(end), loc)
		return y.Format("2006-01-02T15:04:05-0700")
	}
	if d, ok := CalendarDate(t, end, loc); ok {
		day, _ := time.ParseInLocation("2006-01-02", d, loc)
		// The export's offset has no seconds: a day whose zone offset has
		// them (local mean time before 1900, +01:12:12 in Stockholm) is
		// written as the exact instant instead, or it would move.
		if _, off := day.Zone(); off%60 == 0 {
			return day.Format("2006-01-02T15:04:05-0700")
		}
	}
	return t.UTC().Format("2006-01-02T15:04:05-0700")
}

// YAMLText is the value to write in rivgate's YAML: a bare date for calendar
// dates, the source text when it is an xs:dateTime, else the exact instant.
// Empty for unbounded (the YAML leaves the field out).
func YAMLText(text string, t time.Time, end bool, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if d, ok := CalendarDate(t, end, loc); ok {
		return d
	}
	if st, err := parseStamp(text); err == nil && st.form == formDateTime {
		return text
	}
	return t.Format("2006-01-02T15:04:05.999999999Z07:00")
}

func farDate(end bool) string {
	if end {
		return farTo
	}
	return farFrom
}

// LoadZone returns the named zone, or Europe/Stockholm for "".
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	return loc, nil
}
