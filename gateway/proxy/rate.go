package proxy

import (
	"math"
	"time"
)

// MinRate is the slowest average pace a transfer may keep: after Grace it
// must have moved BytesPerSec bytes for every further second. A transfer
// that keeps the pace is never cut, however large; a drip (a byte now and
// then, each resetting a no-progress timer) falls behind and is. The zero
// value (or BytesPerSec <= 0) sets no pace.
type MinRate struct {
	BytesPerSec int64
	Grace       time.Duration
}

// On reports whether m sets a pace.
func (m MinRate) On() bool { return m.BytesPerSec > 0 }

// Deadline is when a transfer that began at start must be over if it has
// moved n bytes so far: start + Grace + n/BytesPerSec. The zero Time when
// m sets no pace.
func (m MinRate) Deadline(start time.Time, n int64) time.Time {
	if !m.On() {
		return time.Time{}
	}
	r := m.BytesPerSec
	secs := n / r
	if secs > math.MaxInt64/int64(time.Second)/2 {
		secs = math.MaxInt64 / int64(time.Second) / 2 // centuries: no pace worth checking
	}
	extra := time.Duration(secs)*time.Second + time.Duration(n%r)*time.Second/time.Duration(r)
	return start.Add(m.Grace + extra)
}
