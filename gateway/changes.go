package gateway

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rivgate/rivgate/gateway/callwatch"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdiff"
	"github.com/rivgate/rivgate/internal/exchangelog"
	"github.com/rivgate/rivgate/internal/redact"
)

// topChanged is how many changed calls /status lists.
const topChanged = 10

// CatalogueChanges is what /status shows of the catalogue reloads: the
// latest that changed entries, and whether a comparison is still running.
type CatalogueChanges struct {
	// Running is set while a reload's comparison runs (it runs after the
	// new catalogue is in use, off the calls' path).
	Running bool `json:"running"`
	// Compared is when the latest comparison finished, changes or not.
	Compared time.Time `json:"compared,omitzero"`
	// Last is the latest reload that changed routes or permissions.
	Last *CatalogueChange `json:"last_change,omitempty"`
}

// CatalogueChange is what one reload changed: the routes and permissions
// added, removed and changed, the calls whose answer changed, and the most
// called of those by recent traffic.
type CatalogueChange struct {
	// OldLoaded and NewLoaded are when the two catalogues were loaded; the
	// new one has been in use since NewLoaded.
	OldLoaded time.Time `json:"old_loaded"`
	NewLoaded time.Time `json:"new_loaded"`
	// DiffSeconds is how long the comparison took.
	DiffSeconds float64     `json:"diff_seconds"`
	Routes      EntryCounts `json:"routes"`
	Permissions EntryCounts `json:"permissions"`
	// Calls counts the (sender, contract, receiver) calls, as the
	// catalogues' permissions reach them, whose answer changed.
	Calls EffectCounts `json:"calls"`
	// Traffic is the recent traffic the change was weighed with.
	Traffic TrafficSpan `json:"traffic"`
	// TopChanged are the recently called triples whose answer changed,
	// most called first.
	TopChanged []ChangedCall `json:"top_changed"`
}

// EntryCounts counts entries by how they changed.
type EntryCounts struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

// EffectCounts counts calls by how their answer changed (takdiff's kinds).
type EffectCounts struct {
	Broken    int `json:"broken"`
	Fixed     int `json:"fixed"`
	Moved     int `json:"moved"`
	Refaulted int `json:"refaulted"`
}

// TrafficSpan is the recent traffic a change was weighed with.
type TrafficSpan struct {
	Since time.Time `json:"since,omitzero"`
	// Calls are the service calls counted; Triples the distinct triples
	// the bounded counter held.
	Calls   int `json:"calls"`
	Triples int `json:"triples"`
}

// ChangedCall is one recently called triple whose answer changed.
type ChangedCall struct {
	Sender   string `json:"sender"`
	Contract string `json:"contract"`
	Receiver string `json:"receiver"`
	Platform bool   `json:"platform,omitempty"`
	// Calls is how often it was called in the traffic span (an upper
	// bound: the counter may add the calls of a triple it let go).
	Calls int                `json:"calls"`
	Kind  takdiff.EffectKind `json:"kind"`
	Old   takdiff.Outcome    `json:"old"`
	New   takdiff.Outcome    `json:"new"`
}

// changeWatcher compares each reloaded catalogue with the one it replaced,
// one comparison at a time, in the background: a national catalogue takes
// about a second of CPU, which neither the reload nor any call waits for.
type changeWatcher struct {
	calls *callwatch.Watch
	shown atomic.Pointer[CatalogueChanges]

	mu      sync.Mutex
	running bool
	closed  bool
	pending [2]*tak.Catalogue // old, new: the reloads since the running one began
	wg      sync.WaitGroup
}

// compare starts comparing old with new, or, while a comparison runs,
// queues it: reloads that come meanwhile are compared as one, from the
// first one's old catalogue to the latest.
func (w *changeWatcher) compare(old, new *tak.Catalogue) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.closed:
		return
	case w.running:
		if w.pending[0] == nil {
			w.pending[0] = old
		}
		w.pending[1] = new
		return
	}
	w.running = true
	w.publish(func(s *CatalogueChanges) { s.Running = true })
	w.wg.Add(1)
	go w.run(old, new)
}

func (w *changeWatcher) run(old, new *tak.Catalogue) {
	defer w.wg.Done()
	for {
		ch := w.diff(old, new)
		w.mu.Lock()
		next := w.pending
		w.pending = [2]*tak.Catalogue{}
		w.running = next[0] != nil && !w.closed
		running := w.running
		w.publish(func(s *CatalogueChanges) {
			s.Running, s.Compared = running, time.Now()
			if ch != nil {
				s.Last = ch
			}
		})
		w.mu.Unlock()
		if !running {
			return
		}
		old, new = next[0], next[1]
	}
}

// publish updates what /status shows (w.mu held).
func (w *changeWatcher) publish(edit func(*CatalogueChanges)) {
	s := CatalogueChanges{}
	if cur := w.shown.Load(); cur != nil {
		s = *cur
	}
	edit(&s)
	w.shown.Store(&s)
}

// close stops queueing and waits for a running comparison.
func (w *changeWatcher) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.wg.Wait()
}

// diff compares two catalogues, the recent traffic replayed through both;
// nil when no route or permission changed.
func (w *changeWatcher) diff(old, new *tak.Catalogue) *CatalogueChange {
	began := time.Now()
	traffic, since := w.calls.Traffic()
	rep := takdiff.Diff(old, new, takdiff.Options{At: began, Traffic: traffic})
	if len(rep.Changes) == 0 {
		return nil
	}
	ch := &CatalogueChange{
		OldLoaded: old.Loaded(), NewLoaded: new.Loaded(), DiffSeconds: time.Since(began).Seconds(),
		Traffic:    TrafficSpan{Since: since, Calls: traffic.Exchanges, Triples: len(traffic.Calls)},
		TopChanged: []ChangedCall{},
	}
	for _, c := range rep.Changes {
		counts := &ch.Routes
		if c.Entry == takdiff.PermissionEntry {
			counts = &ch.Permissions
		}
		switch c.Kind {
		case takdiff.Added:
			counts.Added++
		case takdiff.Removed:
			counts.Removed++
		case takdiff.Changed:
			counts.Changed++
		}
	}
	for _, e := range rep.Effects {
		if e.Sender == "" {
			continue // decided for routing alone: no consumer may make it
		}
		switch e.Kind {
		case takdiff.Broken:
			ch.Calls.Broken++
		case takdiff.Fixed:
			ch.Calls.Fixed++
		case takdiff.Moved:
			ch.Calls.Moved++
		case takdiff.Refaulted:
			ch.Calls.Refaulted++
		}
	}
	for _, e := range rep.Calls[:min(len(rep.Calls), topChanged)] {
		ch.TopChanged = append(ch.TopChanged, ChangedCall{Sender: e.Sender, Contract: e.Contract, Receiver: e.Receiver,
			Platform: e.Platform, Calls: e.Traffic.Calls, Kind: e.Kind, Old: redactOutcome(e.Old), New: redactOutcome(e.New)})
	}
	return ch
}

// redactOutcome hides credentials a catalogue address may hold, as the
// exchange log does.
func redactOutcome(o takdiff.Outcome) takdiff.Outcome {
	o.Address = redact.URL(o.Address)
	return o
}

// status is what /status shows; nil before any reload was compared.
func (w *changeWatcher) status() *CatalogueChanges { return w.shown.Load() }

// remember keeps a finished call for /explain and the reload comparison
// (callwatch): no allocation, one short lock. Its fields are the exchange
// line's; the producer is kept as the catalogue holds it and redacted
// when shown.
func (g *Gateway) remember(c *call, code string, total time.Duration) {
	e := exchangelog.Entry{
		Time: c.start.Add(total), Instance: g.cfg.Instance.ID, Kind: c.kind, CorrelationID: c.correlationID, Listener: c.listener,
		Sender: c.sender, Receiver: c.receiver, Contract: c.contract, Profile: string(c.profile), RouteProfile: string(c.routeProfile),
		Producer: c.producer, Status: c.status, VPCode: code, TotalMS: ms(total), RoutingTrace: c.routingTrace, AuthTrace: c.authTrace,
		OriginalConsumer: c.originalConsumer, Internal: c.internal, Platform: c.platform,
	}
	if c.fault != nil {
		e.FaultDetail = c.fault.Detail
	}
	g.calls.Record(&e, c.start)
}
