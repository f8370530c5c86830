package takdata

import (
	"testing"
	"time"
)

func stockholm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseBound(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	utc := time.UTC
	tests := []struct {
		name string
		in   string
		end  bool
		cal  Calendar
		want time.Time
	}{
		{"zone-less midnight from is the start of the local day", "2024-01-31T00:00:00", false, ExactZoned, time.Date(2024, 1, 31, 0, 0, 0, 0, sthlm)},
		{"zone-less midnight tom is the whole local day", "2024-01-31T00:00:00", true, ExactZoned, time.Date(2024, 2, 1, 0, 0, 0, 0, sthlm).Add(-1)},
		{"bare date from", "2024-07-01", false, ExactZoned, time.Date(2024, 7, 1, 0, 0, 0, 0, sthlm)},
		{"bare date tom is the whole day, summer time", "2024-07-01", true, ExactZoned, time.Date(2024, 7, 2, 0, 0, 0, 0, sthlm).Add(-1)},
		{"tom at year end rolls into the next year", "2024-12-31", true, ExactZoned, time.Date(2025, 1, 1, 0, 0, 0, 0, sthlm).Add(-1)},
		{"zone-less time of day is exact in the zone", "2024-01-31T14:25:24.260", true, ExactZoned, time.Date(2024, 1, 31, 14, 25, 24, 260e6, sthlm)},
		{"zoned value is exact, VP cache sample", "2013-08-09T13:25:24.260+02:00", false, ExactZoned, time.Date(2013, 8, 9, 11, 25, 24, 260e6, utc)},
		{"zoned midnight tom stays an instant outside TAK JSON", "2113-12-24T00:00:00+01:00", true, ExactZoned, time.Date(2113, 12, 23, 23, 0, 0, 0, utc)},
		{"Z is UTC", "2016-03-10T13:31:55Z", false, ExactZoned, time.Date(2016, 3, 10, 13, 31, 55, 0, utc)},
		{"TAK export +0100 midnight is a calendar date", "2113-12-24T00:00:00+0100", true, CalendarZoned, time.Date(2113, 12, 25, 0, 0, 0, 0, sthlm).Add(-1)},
		{"TAK dump 22:00Z is local midnight, a calendar date", "2014-08-12T22:00:00+0000", false, CalendarZoned, time.Date(2014, 8, 13, 0, 0, 0, 0, sthlm)},
		{"TAK dump 22:00Z tom covers the local day", "2114-08-12T22:00:00+0000", true, CalendarZoned, time.Date(2114, 8, 14, 0, 0, 0, 0, sthlm).Add(-1)},
		{"TAK JSON value off midnight stays exact", "2014-08-12T10:00:00+0000", true, CalendarZoned, time.Date(2014, 8, 12, 10, 0, 0, 0, utc)},
		{"nanoseconds beyond 9 digits are dropped", "2024-01-31T10:00:00.1234567891Z", false, ExactZoned, time.Date(2024, 1, 31, 10, 0, 0, 123456789, utc)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseBound(tc.in, tc.end, sthlm, tc.cal)
			if err != nil {
				t.Fatalf("ParseBound(%q): %v", tc.in, err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("ParseBound(%q, end=%v) = %s, want %s", tc.in, tc.end, got, tc.want)
			}
		})
	}
}

func TestParseBoundRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "2024-02-30", "2023-02-29T00:00:00", "2024-01-31T24:00:00", "2024-01-31 10:00:00", "31/01/2024", "2024-01-31T10:00", "2024-01-31T10:00:00+25:00", "2024-01-31T10:00:00.", "2024-01-31T10:00:00 CET"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			if got, err := ParseBound(in, false, time.UTC, ExactZoned); err == nil {
				t.Fatalf("ParseBound(%q) = %s, want an error", in, got)
			}
		})
	}
}

// TestDaySwitchHasNoGapAndNoOverlap is issue 4 item 3: a route with tom=D and
// its successor with from=D+1 (TAK's replacement rule) switch exactly at local
// midnight, with neither gap nor overlap, on ordinary days and on both
// daylight-saving changes. VP's zone-less comparison made both valid for
// about ±14 h around the switch (VP006).
func TestDaySwitchHasNoGapAndNoOverlap(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	days := []struct {
		name string
		tom  string // D; the successor starts D+1
		from string
		// the local day D+1 starts here
		hours int // length of day D in hours, to show the DST days are covered
	}{
		{"ordinary day", "2025-01-14", "2025-01-15", 24},
		{"spring forward: D+1 is 23 h long", "2025-03-29", "2025-03-30", 24},
		{"switch on the spring-forward day itself", "2025-03-30", "2025-03-31", 23},
		{"fall back: D+1 is 25 h long", "2025-10-25", "2025-10-26", 24},
		{"switch on the fall-back day itself", "2025-10-26", "2025-10-27", 25},
		{"zone-less midnight form, as tak-services sends it", "2025-03-30T00:00:00", "2025-03-31T00:00:00", 23},
	}
	for _, tc := range days {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var old, next Validity
			var err error
			if old.To, err = ParseBound(tc.tom, true, sthlm, ExactZoned); err != nil {
				t.Fatal(err)
			}
			if next.From, err = ParseBound(tc.from, false, sthlm, ExactZoned); err != nil {
				t.Fatal(err)
			}
			old.From = old.To.Add(-72 * time.Hour)
			next.To = next.From.Add(72 * time.Hour)
			if old.Overlaps(&next) {
				t.Fatalf("tom=%s and from=%s overlap", tc.tom, tc.from)
			}
			dayStart := time.Date(next.From.Year(), next.From.Month(), next.From.Day()-1, 0, 0, 0, 0, sthlm)
			if got := next.From.Sub(dayStart); got != time.Duration(tc.hours)*time.Hour {
				t.Fatalf("day %s is %s long, want %dh", tc.tom, got, tc.hours)
			}
			boundary := next.From
			if l := boundary.In(sthlm); l.Hour() != 0 || l.Minute() != 0 {
				t.Fatalf("switch at %s, want local midnight", l)
			}
			if !old.ValidAt(boundary.Add(-time.Nanosecond)) || next.ValidAt(boundary.Add(-time.Nanosecond)) {
				t.Fatalf("1 ns before %s: want only the old route", boundary)
			}
			if old.ValidAt(boundary) || !next.ValidAt(boundary) {
				t.Fatalf("at %s: want only the new route", boundary)
			}
			// Every minute from two days before to two days after: exactly one.
			for at := boundary.Add(-48 * time.Hour); at.Before(boundary.Add(48 * time.Hour)); at = at.Add(time.Minute) {
				if n := btoi(old.ValidAt(at)) + btoi(next.ValidAt(at)); n != 1 {
					t.Fatalf("at %s (%s local): %d routes valid, want 1", at.UTC(), at.In(sthlm), n)
				}
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCalendarDateAndTexts(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	from, _ := ParseBound("2025-03-30", false, sthlm, ExactZoned)
	to, _ := ParseBound("2025-03-30", true, sthlm, ExactZoned)
	exact, _ := ParseBound("2025-03-30T14:00:00+02:00", true, sthlm, ExactZoned)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"from date", must(CalendarDate(from, false, sthlm)), "2025-03-30"},
		{"tom date", must(CalendarDate(to, true, sthlm)), "2025-03-30"},
		{"xsd keeps a source xs:dateTime", XSDText("2013-08-09T13:25:24.260+02:00", exact, true, sthlm), "2013-08-09T13:25:24.260+02:00"},
		{"xsd writes a date as TAK does", XSDText("2025-03-30", to, true, sthlm), "2025-03-30T00:00:00"},
		{"xsd writes an instant with its offset", XSDText("", exact, true, sthlm), "2025-03-30T14:00:00+02:00"},
		{"xsd writes UTC as Z", XSDText("", exact.UTC(), true, sthlm), "2025-03-30T12:00:00Z"},
		{"json writes a date as local midnight", JSONText("", to, true, sthlm), "2025-03-30T00:00:00+0100"},
		{"json keeps a source export value", JSONText("2113-12-24T00:00:00+0100", to, true, sthlm), "2113-12-24T00:00:00+0100"},
		{"yaml writes a date", YAMLText("2025-03-30T00:00:00", to, true, sthlm), "2025-03-30"},
		{"yaml leaves unbounded out", YAMLText("", time.Time{}, true, sthlm), ""},
		{"xsd writes unbounded as a far date", XSDText("", time.Time{}, true, sthlm), "9999-12-31T00:00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func must(s string, ok bool) string {
	if !ok {
		return "<not a calendar date>"
	}
	return s
}
