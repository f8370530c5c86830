// Package takdiff previews a TAK catalogue change before it goes live: which
// routes and permissions a new catalogue adds, removes or changes, and what
// each change does to the answers calls get (route to VP004, OK to VP007, a
// new overlap to VP006, a producer moved), HSA tree climbing and default
// routes ("*") included. It also replays the calls of a real exchange log
// through both catalogues, and lists what changes at each validity boundary
// in the days ahead, so a permission is seen lapsing before it lapses.
//
// Every answer comes from the catalogue's own lookup (tak.Catalogue.Decide),
// with its traces; the package only chooses which calls to ask about:
//
//   - a change matters at the moment compared when it alters what its key
//     (receiver and contract; for a permission also the sender) holds at
//     that moment: the number of valid routes, the producer, whether a
//     permission is valid;
//   - the calls it can reach are those to its receiver and, through the HSA
//     tree, to the units below it; a change on "*" (or on SE, the top of
//     every walk) reaches every receiver of the contract. Units without
//     entries of their own answer exactly as their nearest ancestor with
//     entries lets them, so each such group is asked about once, and so is
//     "any other receiver";
//   - the consumers asked about are those holding a permission, valid on
//     either side, that the receiver's authorisation walk can reach (exact,
//     "*", HSA ancestors). A receiver no consumer may call is asked about
//     for routing alone.
//
// Each call whose answer differs is listed with both answers and traces, and
// with the changes that caused it: those on the keys either lookup visited.
// Receivers are asked about as the HSA tree and the entries spell them. A
// VG#VE receiver, or a receiver in a case neither uses (TAK's keys ignore
// case, the tree does not), cannot be enumerated: replaying a log covers
// them.
package takdiff

import (
	"time"

	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// Options say what to compare.
type Options struct {
	// At is the moment both catalogues are compared at; zero means now.
	At time.Time
	// Window, when positive, also lists what changes in the new catalogue at
	// each validity boundary in (At, At+Window].
	Window time.Duration
	// Traffic, when set, is replayed through both catalogues at At, and
	// across each boundary of the window.
	Traffic *exchangelog.Traffic
}

// EntryKind says what a change is about.
type EntryKind string

// The entry kinds.
const (
	RouteEntry      EntryKind = "route"
	PermissionEntry EntryKind = "permission"
)

// ChangeKind says how an entry changed.
type ChangeKind string

// The change kinds: the first three between two catalogues, the last two at
// a validity boundary of one.
const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
	Starts  ChangeKind = "starts"
	Ends    ChangeKind = "ends"
)

// EffectKind says how a call's answer changed.
type EffectKind string

// The effect kinds.
const (
	// Broken: the call worked and now gets a VP fault.
	Broken EffectKind = "broken"
	// Fixed: the call got a VP fault and now works.
	Fixed EffectKind = "fixed"
	// Moved: the call works on both sides but goes to another producer
	// address or RIV-TA profile.
	Moved EffectKind = "moved"
	// Refaulted: the call fails on both sides with different VP codes.
	Refaulted EffectKind = "refaulted"
)

// Report is the preview.
type Report struct {
	At time.Time `json:"at"`
	// Changes are the entries added, removed or changed, routes first, then
	// by contract, receiver and sender.
	Changes []Change `json:"changes"`
	// Effects are the calls whose answer changes at At, broken first.
	Effects []Effect `json:"effects"`
	// Calls are the logged calls (Options.Traffic) whose answer changes at
	// At, most frequent first.
	Calls []Effect `json:"calls,omitempty"`
	// Boundaries are the validity boundaries of the new catalogue in the
	// window, in time order.
	Boundaries []Boundary `json:"boundaries,omitempty"`
	// WindowEnd is the end of the window (zero without one).
	WindowEnd time.Time `json:"windowEnd,omitzero"`
}

// Boundary is one instant in the window where entries of the new catalogue
// start or stop being valid.
type Boundary struct {
	// At is the first instant of the new state.
	At      time.Time `json:"at"`
	Changes []Change  `json:"changes"`
	Effects []Effect  `json:"effects"`
	Calls   []Effect  `json:"calls,omitempty"`
}

// Change is one entry added, removed or changed (between catalogues), or
// starting or ending (at a boundary).
type Change struct {
	Kind  ChangeKind `json:"kind"`
	Entry EntryKind  `json:"entry"`
	// Old and New are the entry before and after (one of them for added,
	// removed, starts and ends: the entry itself).
	Old *Entry `json:"old,omitempty"`
	New *Entry `json:"new,omitempty"`
	// Fields name what changed: address, profile, validity, filters.
	Fields []string `json:"fields,omitempty"`
	// Live is set when the change alters what its key holds at the moment
	// compared; a change that is not live (say, a validity end moved within
	// the future) has no effect then.
	Live bool `json:"live"`
	// Effects and Calls index the Effects and Calls of the same report or
	// boundary that this change causes.
	Effects []int `json:"effects"`
	Calls   []int `json:"calls,omitempty"`
}

// Entry is one route or permission as the preview shows it.
type Entry struct {
	// Sender is set for a permission.
	Sender   string `json:"sender,omitempty"`
	Receiver string `json:"receiver"`
	Contract string `json:"contract"`
	// Producer is set for a route.
	*Producer
	From   time.Time `json:"from,omitzero"`
	To     time.Time `json:"to,omitzero"`
	ID     string    `json:"id,omitempty"`
	Origin string    `json:"origin,omitempty"`
}

// Producer is where a route sends its calls.
type Producer struct {
	Profile string `json:"profile"`
	Address string `json:"address"`
}

// Effect is one call whose answer differs between the two sides.
type Effect struct {
	// Sender is the consumer; "" when the call was decided for routing
	// alone (no consumer holds a permission that reaches the receiver).
	Sender   string `json:"sender"`
	Contract string `json:"contract"`
	Receiver string `json:"receiver"`
	// Units, when above 1, says the receiver stands for that many HSA units
	// below Under without entries of their own for the contract: they all
	// answer alike.
	Units int    `json:"units,omitempty"`
	Under string `json:"under,omitempty"`
	// OtherReceivers says the receiver stands for every receiver without
	// entries of its own or of an HSA ancestor for the contract.
	OtherReceivers bool `json:"otherReceivers,omitempty"`
	// Platform is set for a platform service call (authorisation only).
	Platform bool       `json:"platform,omitempty"`
	Kind     EffectKind `json:"kind"`
	Old      Outcome    `json:"old"`
	New      Outcome    `json:"new"`
	// Causes index the Changes of the same report or boundary that moved
	// this answer: the changed keys the two lookups visited.
	Causes []int `json:"causes"`
	// Traffic is the logged call's traffic (replayed calls only) and
	// CallsPerDay its mean over the log's span.
	Traffic     *exchangelog.Call `json:"traffic,omitempty"`
	CallsPerDay float64           `json:"callsPerDay,omitempty"`
}

// Outcome is the answer a call gets on one side.
type Outcome struct {
	// Code is "OK" or the VP fault code.
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
	// Address and Profile are the producer (routing succeeded; also with
	// VP007, as VP logs the producer then too).
	Address string `json:"address,omitempty"`
	Profile string `json:"profile,omitempty"`
	// RouteKey is the receiver key whose route answered: the receiver, an
	// HSA ancestor, "*" or a VG#VE token. AuthKey is the key whose
	// permission allowed the call.
	RouteKey     string `json:"routeKey,omitempty"`
	AuthKey      string `json:"authKey,omitempty"`
	RoutingTrace string `json:"routingTrace,omitempty"`
	AuthTrace    string `json:"authTrace,omitempty"`
}

// OK is the code of a call that goes through.
const OK = "OK"

// BrokenEffects counts the calls that worked and now fail, over the
// report's effects and its boundaries' (each call the catalogues reach, not
// traffic). Calls decided for routing alone do not count: no consumer could
// make them.
func (r *Report) BrokenEffects() int {
	n, _ := countBroken(r.Effects)
	for _, b := range r.Boundaries {
		m, _ := countBroken(b.Effects)
		n += m
	}
	return n
}

// BrokenCalls counts the logged calls that worked and would fail, by the
// change or at a boundary, and their calls per day.
func (r *Report) BrokenCalls() (n int, perDay float64) {
	n, perDay = countBroken(r.Calls)
	for _, b := range r.Boundaries {
		m, d := countBroken(b.Calls)
		n, perDay = n+m, perDay+d
	}
	return n, perDay
}

func countBroken(es []Effect) (n int, perDay float64) {
	for _, e := range es {
		if e.Kind == Broken && e.Sender != "" {
			n++
			perDay += e.CallsPerDay
		}
	}
	return n, perDay
}

// Diff compares old with new at opt.At and, with a window, new across its
// validity boundaries. Both catalogues should be built with the same HSA
// tree and lookup settings, so that what differs is the entries.
func Diff(old, new *tak.Catalogue, opt Options) *Report {
	at := opt.At
	if at.IsZero() {
		at = time.Now()
	}
	e := newEngine(old, new)
	rep := &Report{At: at}
	rep.Changes = e.entryChanges()
	a, b := side{cat: old, at: at}, side{cat: new, at: at, isNew: true}
	keys := e.liveKeys(rep.Changes, a, b)
	rep.Effects = e.effects(a, b, keys, rep.Changes)
	if opt.Traffic != nil {
		rep.Calls = e.replay(a, b, keys, rep.Changes, opt.Traffic)
	}
	if opt.Window > 0 {
		rep.WindowEnd = at.Add(opt.Window)
		rep.Boundaries = e.boundaries(at, rep.WindowEnd, opt.Traffic)
	}
	return rep
}
