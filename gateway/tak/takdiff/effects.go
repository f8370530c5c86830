package takdiff

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// candidate is one call to ask both sides about.
type candidate struct {
	sender, contract string
	target
	platform bool
}

// candidates lists the calls the changed keys can reach, each once, in a
// stable order.
func (e *engine) candidates(ks keySet, a, b side) []candidate {
	seen := map[string]bool{}
	var out []candidate
	add := func(sender, contract string, t target) {
		k := lower(sender) + "\x00" + lower(contract) + "\x00" + t.receiver
		if !seen[k] {
			seen[k] = true
			out = append(out, candidate{sender: sender, contract: contract, target: t})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ks.routes)) {
		g := e.routes[k]
		for _, t := range e.reach.expand(g.receiver, g.contract) {
			ss := e.reach.senders(t.receiver, g.contract, a, b)
			if len(ss) == 0 {
				add("", g.contract, t)
			}
			for _, s := range ss {
				add(s, g.contract, t)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ks.perms)) {
		g := e.perms[k]
		for _, t := range e.reach.expand(g.receiver, g.contract) {
			add(g.sender, g.contract, t)
		}
	}
	return out
}

// outcome asks one side about one call.
func outcome(s side, c candidate) Outcome {
	q := tak.Query{Contract: c.contract, Receiver: c.receiver, Sender: c.sender, At: s.at}
	var o Outcome
	if c.platform {
		var f *vpfault.Fault
		o.AuthTrace, f = s.cat.Authorize(q)
		o.setFault(f)
		if f == nil {
			o.AuthKey = lastStep(o.AuthTrace)
		}
		return o
	}
	d := s.cat.Decide(q)
	o.RoutingTrace, o.AuthTrace = d.RoutingTrace, d.AuthTrace
	o.setFault(d.Fault)
	if d.Route != nil {
		o.Address, o.Profile = d.Route.Address, string(d.Route.Profile)
	}
	if d.Route != nil || o.Code == vpfault.VP006.String() || o.Code == vpfault.VP010.String() {
		o.RouteKey = lastStep(o.RoutingTrace)
	}
	if o.Code == OK && c.sender != "" {
		o.AuthKey = lastStep(o.AuthTrace)
	}
	return o
}

func (o *Outcome) setFault(f *vpfault.Fault) {
	if f == nil {
		o.Code = OK
		return
	}
	o.Code, o.Detail = f.Code.String(), f.Detail
}

func lastStep(trace string) string {
	steps := tak.TraceSteps(trace)
	if len(steps) == 0 {
		return ""
	}
	return steps[len(steps)-1]
}

// sameAnswer reports whether a call gets the same answer: the same fault,
// or the same producer.
func sameAnswer(a, b Outcome) bool {
	if a.Code != b.Code {
		return false
	}
	return a.Code != OK || (a.Address == b.Address && strings.EqualFold(a.Profile, b.Profile))
}

func kindOf(a, b Outcome) EffectKind {
	switch {
	case a.Code == OK && b.Code != OK:
		return Broken
	case a.Code != OK && b.Code == OK:
		return Fixed
	case a.Code == OK:
		return Moved
	}
	return Refaulted
}

// compare asks both sides about c; ok is false when the answer is the same.
func compare(a, b side, ks keySet, c candidate) (Effect, bool) {
	oa, ob := outcome(a, c), outcome(b, c)
	if sameAnswer(oa, ob) {
		return Effect{}, false
	}
	ef := Effect{Sender: c.sender, Contract: c.contract, Receiver: c.receiver, Units: c.units, Under: c.under,
		OtherReceivers: c.other, Platform: c.platform, Kind: kindOf(oa, ob), Old: oa, New: ob}
	ef.Causes = causes(ks, c, oa, ob)
	return ef, true
}

// causes lists the changes behind a changed answer: those on the changed
// keys either lookup visited.
func causes(ks keySet, c candidate, outs ...Outcome) []int {
	var out []int
	addAll := func(idx []int) {
		for _, i := range idx {
			if !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
	}
	for _, o := range outs {
		for _, k := range tak.TraceSteps(o.RoutingTrace) {
			addAll(ks.routes[routeKey(k, c.contract)])
		}
		if c.sender == "" {
			continue
		}
		for _, k := range tak.TraceSteps(o.AuthTrace) {
			addAll(ks.perms[permKey(c.sender, k, c.contract)])
		}
	}
	slices.Sort(out)
	return out
}

// effects asks both sides about every call the changed keys reach and
// returns those whose answer differs, broken first; each cause lists the
// effect back.
func (e *engine) effects(a, b side, ks keySet, changes []Change) []Effect {
	out := []Effect{}
	if !ks.empty() {
		for _, c := range e.candidates(ks, a, b) {
			if ef, ok := compare(a, b, ks, c); ok {
				out = append(out, ef)
			}
		}
	}
	sortEffects(out)
	for i := range changes {
		if changes[i].Effects == nil {
			changes[i].Effects = []int{}
		}
	}
	for i, ef := range out {
		for _, c := range ef.Causes {
			changes[c].Effects = append(changes[c].Effects, i)
		}
	}
	return out
}

// sortEffects orders effects broken first, then by contract, receiver
// ("any other receiver" last) and sender.
func sortEffects(es []Effect) {
	kindOrder := map[EffectKind]int{Broken: 0, Moved: 1, Refaulted: 2, Fixed: 3}
	type keyed struct {
		e   Effect
		key string
	}
	ks := make([]keyed, len(es))
	for i, e := range es {
		ks[i] = keyed{e, fmt.Sprintf("%d\x00%s\x00%d\x00%s\x00%s", kindOrder[e.Kind], tak.AppendKey(nil, e.Contract), btoi(e.OtherReceivers),
			tak.AppendKey(nil, e.Receiver), tak.AppendKey(nil, e.Sender))}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	for i := range ks {
		es[i] = ks[i].e
	}
}

// replay asks both sides about each logged call of a contract with a
// changed key, and returns those whose answer differs, most frequent first.
func (e *engine) replay(a, b side, ks keySet, changes []Change, tr *exchangelog.Traffic) []Effect {
	var out []Effect
	if ks.empty() {
		return out
	}
	for _, call := range tr.Calls {
		if !ks.contracts[lower(call.Contract)] {
			continue
		}
		c := candidate{sender: call.Sender, contract: call.Contract, target: target{receiver: call.Receiver}, platform: call.Platform}
		if ef, ok := compare(a, b, ks, c); ok {
			ef.Traffic, ef.CallsPerDay = call, tr.PerDay(call)
			out = append(out, ef)
		}
	}
	// tr.Calls is most frequent first already; keep that order.
	for i, ef := range out {
		for _, c := range ef.Causes {
			changes[c].Calls = append(changes[c].Calls, i)
		}
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
