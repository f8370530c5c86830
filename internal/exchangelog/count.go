package exchangelog

import (
	"bytes"
	"io"
	"slices"
	"time"
)

// Call is one distinct call of a log: a (sender, contract, receiver) the
// gateway decided, with how often it came.
type Call struct {
	Sender   string `json:"sender"`
	Contract string `json:"contract"`
	Receiver string `json:"receiver"`
	// Platform is set for the platform services the gateway answers itself:
	// only authorisation applies to them.
	Platform bool `json:"platform,omitempty"`
	// Calls is how many lines had this call.
	Calls int `json:"calls"`
	// PerDay counts the calls per local calendar day (YYYY-MM-DD).
	PerDay map[string]int `json:"perDay,omitempty"`
	perDay []int          // by day index, while counting
}

// Traffic is what a log holds: its distinct calls and the days it covers.
type Traffic struct {
	// Calls are the distinct calls, most frequent first (ties in order of
	// first appearance).
	Calls []*Call `json:"-"`
	// Days are the local calendar days with at least one call, sorted.
	Days []string `json:"days"`
	// From and To are the first and last call times read, to the minute.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Lines is every line read; Exchanges the service calls counted.
	Lines     int `json:"lines"`
	Exchanges int `json:"exchanges"`
	// Skipped counts the exchange lines left out, by reason.
	Skipped map[string]int `json:"skipped,omitempty"`
	// Other counts lines that are not exchange lines (other log messages,
	// text that is not JSON).
	Other int `json:"other"`

	loc    *time.Location
	byKey  map[string]*Call
	dayIdx map[string]int
	days   []string
	// The last time prefix read and its day: the local date is the same for
	// every time within one minute of one offset, so most lines skip the
	// parse.
	lastMinute, lastZone []byte
	lastDay              int
	key                  []byte
}

// NewTraffic starts counting, with days taken in loc (nil: UTC).
func NewTraffic(loc *time.Location) *Traffic {
	if loc == nil {
		loc = time.UTC
	}
	return &Traffic{loc: loc, byKey: map[string]*Call{}, dayIdx: map[string]int{}, Skipped: map[string]int{}, lastDay: -1}
}

// Reasons a service line is left out of the counts.
const (
	SkipNotService = "not a service call (wsdl, notfound)"
	SkipNoSender   = "no sender (VP002, VP011 and the like)"
	SkipNoContract = "no contract (VP014, VP015 and the like)"
	SkipNoReceiver = "no receiver (VP003)"
)

// Read counts the lines of r (one log file; call it again for rotated
// files). Only a read error stops it: bad lines are counted and passed over.
func (t *Traffic) Read(r io.Reader) error {
	var rw raw
	return lines(r, func(_ int, line []byte) error {
		t.Lines++
		if err := rw.parse(line, false); err != nil {
			t.Other++
			return nil
		}
		switch {
		case string(rw.kind) != KindService:
			t.Skipped[SkipNotService]++
			return nil
		case len(rw.sender) == 0:
			t.Skipped[SkipNoSender]++
			return nil
		case len(rw.contract) == 0:
			t.Skipped[SkipNoContract]++
			return nil
		case len(rw.receiver) == 0:
			t.Skipped[SkipNoReceiver]++
			return nil
		}
		t.Exchanges++
		t.key = append(append(append(append(append(append(t.key[:0], rw.sender...), 0), rw.contract...), 0), rw.receiver...), 0)
		if rw.platform {
			t.key = append(t.key, 'p')
		}
		c := t.byKey[string(t.key)]
		if c == nil {
			c = &Call{Sender: string(rw.sender), Contract: string(rw.contract), Receiver: string(rw.receiver), Platform: rw.platform}
			t.byKey[string(t.key)] = c
			t.Calls = append(t.Calls, c)
		}
		c.Calls++
		if d := t.day(rw.tm); d >= 0 {
			for len(c.perDay) <= d {
				c.perDay = append(c.perDay, 0)
			}
			c.perDay[d]++
		}
		return nil
	})
}

// day returns the index of the local day of an RFC 3339 time, or -1 when it
// does not read.
func (t *Traffic) day(tm []byte) int {
	// "2006-01-02T15:04" then ":05", fractions, and the zone.
	if len(tm) >= 20 && tm[16] == ':' {
		z := 19
		for z < len(tm) && tm[z] != 'Z' && tm[z] != '+' && tm[z] != '-' {
			z++
		}
		if t.lastDay >= 0 && bytes.Equal(tm[:16], t.lastMinute) && bytes.Equal(tm[z:], t.lastZone) {
			return t.lastDay
		}
		t.lastMinute = append(t.lastMinute[:0], tm[:16]...)
		t.lastZone = append(t.lastZone[:0], tm[z:]...)
	} else {
		t.lastDay = -1
	}
	at, err := ParseTime(string(tm))
	if err != nil {
		t.lastDay = -1
		return -1
	}
	if t.From.IsZero() || at.Before(t.From) {
		t.From = at
	}
	if at.After(t.To) {
		t.To = at
	}
	d := at.In(t.loc).Format(time.DateOnly)
	i, ok := t.dayIdx[d]
	if !ok {
		i = len(t.days)
		t.dayIdx[d] = i
		t.days = append(t.days, d)
	}
	if len(tm) >= 20 && tm[16] == ':' {
		t.lastDay = i
	}
	return i
}

// Finish orders the calls and fills Days and each call's PerDay. Call it once,
// after the last Read.
func (t *Traffic) Finish() *Traffic {
	t.Days = slices.Clone(t.days)
	slices.Sort(t.Days)
	for _, c := range t.Calls {
		if len(c.perDay) == 0 {
			continue
		}
		c.PerDay = make(map[string]int, len(c.perDay))
		for i, n := range c.perDay {
			if n > 0 {
				c.PerDay[t.days[i]] = n
			}
		}
		c.perDay = nil
	}
	slices.SortStableFunc(t.Calls, func(a, b *Call) int { return b.Calls - a.Calls })
	if len(t.Skipped) == 0 {
		t.Skipped = nil
	}
	return t
}

// PerDay is a call's mean number of calls per day: its calls over the
// calendar days the log covers (at least one). A log of whole days gives
// their mean; a log of an hour gives that hour's calls, not a guess at a
// day's.
func (t *Traffic) PerDay(c *Call) float64 {
	return float64(c.Calls) / float64(max(1, len(t.Days)))
}
