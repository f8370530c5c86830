package takdiff

import (
	"slices"
	"time"

	"github.com/rivgate/rivgate/internal/exchangelog"
)

// boundaries lists, in time order, each instant in (from, to] where entries
// of the new catalogue start or stop being valid, with what that changes:
// the new catalogue an instant before against itself at the boundary.
func (e *engine) boundaries(from, to time.Time, tr *exchangelog.Traffic) []Boundary {
	in := func(t time.Time) bool { return !t.IsZero() && t.After(from) && !t.After(to) }
	byInstant := map[int64]*Boundary{}
	add := func(at time.Time, c Change) {
		k := at.UnixNano() // safe: at lies in the window, near now
		b := byInstant[k]
		if b == nil {
			b = &Boundary{At: at}
			byInstant[k] = b
		}
		b.Changes = append(b.Changes, c)
	}
	for _, g := range e.routes {
		for _, r := range g.new {
			if in(r.From) {
				add(r.From, Change{Kind: Starts, Entry: RouteEntry, New: routeEntry(r)})
			}
			if end := afterEnd(r.To); in(end) {
				add(end, Change{Kind: Ends, Entry: RouteEntry, Old: routeEntry(r)})
			}
		}
	}
	for _, g := range e.perms {
		for _, p := range g.new {
			if in(p.From) {
				add(p.From, Change{Kind: Starts, Entry: PermissionEntry, New: permEntry(p)})
			}
			if end := afterEnd(p.To); in(end) {
				add(end, Change{Kind: Ends, Entry: PermissionEntry, Old: permEntry(p)})
			}
		}
	}
	out := make([]Boundary, 0, len(byInstant))
	for _, b := range byInstant {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(x, y Boundary) int { return x.At.Compare(y.At) })
	for i := range out {
		b := &out[i]
		sortChanges(b.Changes)
		before := side{cat: e.new, at: b.At.Add(-time.Nanosecond), isNew: true}
		after := side{cat: e.new, at: b.At, isNew: true}
		ks := e.liveKeys(b.Changes, before, after)
		b.Effects = e.effects(before, after, ks, b.Changes)
		if tr != nil {
			b.Calls = e.replay(before, after, ks, b.Changes, tr)
		}
	}
	return out
}

// afterEnd is the first instant after an inclusive validity end (zero for
// an unbounded one).
func afterEnd(to time.Time) time.Time {
	if to.IsZero() {
		return to
	}
	return to.Add(time.Nanosecond)
}
