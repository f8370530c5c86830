package takdata

import (
	"fmt"
	"time"
)

// Bounds reads validity ends like ParseBound, each distinct one once: TAK
// data repeats a handful of dates over tens of thousands of rows. One
// Bounds serves one load; it is not safe for concurrent use.
type Bounds struct {
	loc *time.Location
	cal Calendar
	m   map[boundKey]time.Time
}

type boundKey struct {
	text string
	end  bool
}

// NewBounds reads zone-less values in loc and zoned ones as cal says.
func NewBounds(loc *time.Location, cal Calendar) *Bounds {
	return &Bounds{loc: loc, cal: cal, m: map[boundKey]time.Time{}}
}

// Parse is ParseBound(text, end, loc, cal), remembered.
func (b *Bounds) Parse(text string, end bool) (time.Time, error) {
	k := boundKey{text, end}
	if t, ok := b.m[k]; ok {
		return t, nil
	}
	t, err := ParseBound(text, end, b.loc, b.cal)
	if err == nil {
		b.m[k] = t
	}
	return t, err
}

// Validity reads a row's fromTidpunkt and tomTidpunkt (already trimmed as
// the format wants); an error names the field.
func (b *Bounds) Validity(from, to string) (Validity, error) {
	v := Validity{FromText: from, ToText: to}
	var err error
	if v.From, err = b.Parse(from, false); err != nil {
		return v, fmt.Errorf("fromTidpunkt: %w", err)
	}
	if v.To, err = b.Parse(to, true); err != nil {
		return v, fmt.Errorf("tomTidpunkt: %w", err)
	}
	return v, nil
}
