package httpwire

import "sync"

// goneWatch runs one function when the connection's context ends (the
// consumer went away, or the server closed it). The connection registers
// one context.AfterFunc for its life that fires it, so a producer client
// learns of a gone consumer without an AfterFunc per call (two
// allocations and a change to the context's children each time).
type goneWatch struct {
	mu   sync.Mutex
	f    func()
	gone bool // the context ended
}

// fire runs the function set, once the context ended; on AfterFunc's
// goroutine.
func (g *goneWatch) fire() {
	g.mu.Lock()
	f := g.f
	g.f, g.gone = nil, true
	g.mu.Unlock()
	if f != nil {
		f()
	}
}

// clear drops a function still set when the handler has returned: it
// must never run for a later request.
func (g *goneWatch) clear() {
	g.mu.Lock()
	g.f = nil
	g.mu.Unlock()
}

// AfterGone arranges for f to run on its own goroutine when the request's
// context ends (at once if it has), as context.AfterFunc(r.Context(), f)
// does but without allocating. A request has one such function at a
// time: the handler calls StopGone before setting another and before it
// returns (the server drops one left set).
func (r *Request) AfterGone(f func()) {
	g := r.gone
	g.mu.Lock()
	gone := g.gone
	if !gone {
		g.f = f
	}
	g.mu.Unlock()
	if gone {
		go f()
	}
}

// StopGone undoes AfterGone. It reports false when f has already been
// started (the consumer went away) or was never set, as the stop
// function of context.AfterFunc does.
func (r *Request) StopGone() bool {
	g := r.gone
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.f == nil {
		return false
	}
	g.f = nil
	return true
}
