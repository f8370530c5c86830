// Package callwatch keeps, in bounded memory, what the gateway's admin port
// shows about recent calls: the last calls themselves (a ring, for
// /explain), and the most frequent (sender, contract, receiver) triples of
// recent traffic (a space-saving top-K counter, for what a catalogue reload
// changed on /status). Recording a call takes one short lock and allocates
// nothing: it runs for every call, after the answer has gone out.
package callwatch

import (
	"cmp"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"github.com/rivgate/rivgate/internal/exchangelog"
)

// Options size the watch. Zero values take the defaults.
type Options struct {
	// Recent is how many of the latest calls are kept for Find. Default 4096.
	Recent int
	// Tracked is how many distinct triples the counter holds per window.
	// Default 1024.
	Tracked int
	// Window is the counter's period: Traffic covers the current window and
	// the one before it, so between one and two windows. Default 1 hour.
	Window time.Duration
}

// Watch records calls. It is safe for concurrent use.
type Watch struct {
	window time.Duration
	seed   maphash.Seed

	mu   sync.Mutex
	ring []exchangelog.Entry
	next int // ring index written next
	full bool
	// cur counts the window that began at curStart; prev the one before.
	cur, prev *topK
	curStart  time.Time
}

// New makes an empty watch.
func New(o Options) *Watch {
	o.Recent = cmp.Or(o.Recent, 4096)
	o.Tracked = cmp.Or(o.Tracked, 1024)
	o.Window = cmp.Or(o.Window, time.Hour)
	return &Watch{
		window: o.Window, seed: maphash.MakeSeed(), ring: make([]exchangelog.Entry, o.Recent),
		cur: newTopK(o.Tracked), prev: newTopK(o.Tracked),
	}
}

// Record keeps one finished call: e as its exchange line says it (Time is
// when it ended), start when it began. A service call with a sender,
// contract and receiver is counted, as `tak diff --calls` counts log lines.
func (w *Watch) Record(e *exchangelog.Entry, start time.Time) {
	counted := e.Kind == exchangelog.KindService && e.Sender != "" && e.Contract != "" && e.Receiver != ""
	var h uint64
	if counted {
		// Hashed before the lock: the three strings are the work.
		h = maphash.String(w.seed, e.Sender)*0x9E3779B97F4A7C15 ^ maphash.String(w.seed, e.Contract)*0xC2B2AE3D27D4EB4F ^
			maphash.String(w.seed, e.Receiver)
		if e.Platform {
			h ^= 1
		}
	}
	w.mu.Lock()
	w.ring[w.next] = *e
	if w.next++; w.next == len(w.ring) {
		w.next, w.full = 0, true
	}
	if counted {
		w.roll(start)
		w.cur.add(triple{e.Sender, e.Contract, e.Receiver, e.Platform}, h)
	}
	w.mu.Unlock()
}

// roll starts a new window when t is past the current one.
func (w *Watch) roll(t time.Time) {
	if w.curStart.IsZero() {
		w.curStart = t
		return
	}
	if t.Sub(w.curStart) < w.window {
		return
	}
	w.prev, w.cur = w.cur, w.prev
	w.cur.reset()
	if t.Sub(w.curStart) >= 2*w.window {
		w.prev.reset() // a quiet window: nothing of it is recent
	}
	w.curStart = t
}

// Find returns the kept calls with correlation id id, oldest first.
func (w *Watch) Find(id string) []exchangelog.Entry {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []exchangelog.Entry
	n := w.next
	if w.full {
		n = len(w.ring)
	}
	for i := range n {
		j := i
		if w.full {
			j = (w.next + i) % len(w.ring)
		}
		if w.ring[j].CorrelationID == id {
			out = append(out, w.ring[j])
		}
	}
	return out
}

// Kept is how many calls Find can search.
func (w *Watch) Kept() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.full {
		return len(w.ring)
	}
	return w.next
}

// Traffic is the counter's view of recent traffic as takdiff replays it:
// the tracked triples, most frequent first, with their counts over the
// current and the previous window. A count can be over by at most the
// calls of a triple the counter dropped to make room (space-saving); a
// triple called more often than 1/Tracked of the window's calls is never
// missed. Since is when the counted span began.
func (w *Watch) Traffic() (tr *exchangelog.Traffic, since time.Time) {
	// Copied under the lock, merged after it: calls wait only for the copy.
	w.mu.Lock()
	slots := append(append(make([]slot, 0, len(w.prev.slots)+len(w.cur.slots)), w.prev.slots...), w.cur.slots...)
	total := w.prev.total + w.cur.total
	since = w.curStart
	if w.prev.total > 0 {
		since = w.curStart.Add(-w.window)
	}
	w.mu.Unlock()
	byKey := make(map[triple]*exchangelog.Call, len(slots))
	tr = &exchangelog.Traffic{Exchanges: int(total)}
	for _, s := range slots {
		c := byKey[s.key]
		if c == nil {
			c = &exchangelog.Call{Sender: s.key.sender, Contract: s.key.contract, Receiver: s.key.receiver, Platform: s.key.platform}
			byKey[s.key] = c
			tr.Calls = append(tr.Calls, c)
		}
		c.Calls += int(s.count)
	}
	slices.SortStableFunc(tr.Calls, func(a, b *exchangelog.Call) int { return b.Calls - a.Calls })
	return tr, since
}
