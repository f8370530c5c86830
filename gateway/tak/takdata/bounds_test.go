package takdata

import (
	"strings"
	"testing"
)

// TestBounds: a Bounds gives what ParseBound gives for its zone and
// calendar, again from memory, and Validity names the field that failed.
func TestBounds(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	tests := []struct {
		name string
		cal  Calendar
		text string
		end  bool
	}{
		{name: "date, from", cal: ExactZoned, text: "2024-03-10", end: false},
		{name: "date, tom", cal: ExactZoned, text: "2024-03-10", end: true},
		{name: "zoned midnight, exact", cal: ExactZoned, text: "2009-03-10T00:00:00+0100", end: true},
		{name: "zoned midnight, calendar", cal: CalendarZoned, text: "2009-03-10T00:00:00+0100", end: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, err := ParseBound(tt.text, tt.end, sthlm, tt.cal)
			if err != nil {
				t.Fatal(err)
			}
			b := NewBounds(sthlm, tt.cal)
			for range 2 {
				got, err := b.Parse(tt.text, tt.end)
				if err != nil || !got.Equal(want) {
					t.Fatalf("Parse = %v, %v; want %v", got, err, want)
				}
			}
		})
	}
	b := NewBounds(sthlm, ExactZoned)
	if _, err := b.Validity("2024-13-01", "2025-01-01"); err == nil || !strings.HasPrefix(err.Error(), "fromTidpunkt: ") {
		t.Errorf("bad from: %v", err)
	}
	if _, err := b.Validity("2024-01-01", "nope"); err == nil || !strings.HasPrefix(err.Error(), "tomTidpunkt: ") {
		t.Errorf("bad tom: %v", err)
	}
	v, err := b.Validity("2024-01-01", "2025-01-01")
	if err != nil || v.FromText != "2024-01-01" || v.ToText != "2025-01-01" || !v.From.Before(v.To) {
		t.Errorf("Validity = %+v, %v", v, err)
	}
}
