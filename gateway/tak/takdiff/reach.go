package takdiff

import (
	"slices"
	"strings"

	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
)

// OtherReceiver is the receiver an effect names when it stands for every
// receiver without entries of its own or of an HSA ancestor for the
// contract. It is not a valid HSA-id, so no catalogue entry or HSA unit can
// have it; its lookups walk straight to SE and "*", as theirs do.
const OtherReceiver = "(other)"

// target is a receiver to ask about, or one receiver standing for a group
// that answers alike.
type target struct {
	receiver string
	units    int    // >0: the group's size
	under    string // the group's nearest ancestor with entries
	other    bool
}

// reach finds the receivers and consumers a changed key can reach.
type reach struct {
	trees    []*hsa.Tree
	children map[string][]string // HSA unit -> its child units, sorted
	roots    []string            // units whose parent is not in the tree, sorted
	byLower  map[string][]string // lower-cased HSA-id -> the units so spelled
	// recvs maps (receiver, contract), as tak.AppendKey keys them, to each
	// spelling of the receiver in the entries of either side: the receivers
	// with entries of their own for the contract.
	recvs map[string][]string
	// perms maps (receiver, contract) to its permission groups.
	perms map[string][]*permGroup
	// byContract lists, per lower-cased contract, the spellings of its
	// receivers; built on first use (a change on "*" or SE).
	byContract map[string][]string
	cache      map[string][]target
	kb         []byte
}

func newReach(e *engine) *reach {
	x := &reach{children: map[string][]string{}, byLower: map[string][]string{},
		recvs: make(map[string][]string, len(e.routes)), perms: make(map[string][]*permGroup, len(e.perms)), cache: map[string][]target{}}
	for _, t := range []*hsa.Tree{e.new.Tree(), e.old.Tree()} {
		if t != nil && !slices.Contains(x.trees, t) {
			x.trees = append(x.trees, t)
		}
	}
	seen := map[string]bool{}
	for _, t := range x.trees {
		for _, id := range t.IDs() {
			if seen[id] {
				continue
			}
			seen[id] = true
			x.byLower[lower(id)] = append(x.byLower[lower(id)], id)
		}
	}
	for id := range seen {
		parent, fromTree := "", false
		for _, t := range x.trees {
			if p, ok := t.Parent(id); ok {
				parent, fromTree = p, true
				break
			}
		}
		if fromTree {
			x.children[parent] = append(x.children[parent], id)
		} else {
			x.roots = append(x.roots, id)
		}
	}
	for _, c := range x.children {
		slices.Sort(c)
	}
	slices.Sort(x.roots)
	// A route group's key is (receiver, contract) already.
	for k, g := range e.routes {
		sp := x.recvs[k]
		for _, r := range g.old {
			sp = addSpelling(sp, r.Receiver)
		}
		for _, r := range g.new {
			sp = addSpelling(sp, r.Receiver)
		}
		x.recvs[k] = sp
	}
	var kb []byte
	for _, g := range e.perms {
		kb = tak.AppendKey(kb[:0], g.receiver, g.contract)
		sp := x.recvs[string(kb)]
		for _, p := range g.old {
			sp = addSpelling(sp, p.Receiver)
		}
		for _, p := range g.new {
			sp = addSpelling(sp, p.Receiver)
		}
		x.recvs[string(kb)] = sp
		x.perms[string(kb)] = append(x.perms[string(kb)], g)
	}
	return x
}

func addSpelling(sp []string, s string) []string {
	if slices.Contains(sp, s) {
		return sp
	}
	return append(sp, s)
}

// has reports whether receiver has entries of its own for contract.
func (x *reach) has(receiver, contract string) bool {
	x.kb = tak.AppendKey(x.kb[:0], receiver, contract)
	_, ok := x.recvs[string(x.kb)]
	return ok
}

// spellings are the receiver's spellings in the contract's entries.
func (x *reach) spellings(receiver, contract string) []string {
	x.kb = tak.AppendKey(x.kb[:0], receiver, contract)
	return x.recvs[string(x.kb)]
}

// contractReceivers lists every receiver spelling with entries for
// contract.
func (x *reach) contractReceivers(contract string) []string {
	if x.byContract == nil {
		x.byContract = map[string][]string{}
		for k, sp := range x.recvs {
			// The contract is after the last '|' (namespaces hold none).
			lc := k[strings.LastIndexByte(k, '|')+1:]
			x.byContract[lc] = append(x.byContract[lc], sp...)
		}
	}
	return x.byContract[string(tak.AppendKey(nil, contract))]
}

// expand lists the receivers a change on (receiver, contract) can reach: the
// receiver itself and, through the HSA tree, the units below it; for "*" and
// SE every receiver of the contract. Units without entries for the contract
// are grouped under their nearest ancestor with entries, one target each.
func (x *reach) expand(receiver, contract string) []target {
	root := isRoot(receiver)
	ck := routeKey(receiver, contract)
	if root {
		ck = routeKey("", contract)
	}
	if ts, ok := x.cache[ck]; ok {
		return ts
	}
	// A receiver is asked about as the tree spells it and as its entries
	// spell it: only the tree's spelling climbs the tree (the tree is
	// case-sensitive, the keys are not).
	var explicit []target
	seen := map[string]bool{}
	addExplicit := func(r string) {
		if !seen[r] {
			seen[r] = true
			explicit = append(explicit, target{receiver: r})
		}
	}
	groups := map[string]*target{}
	var groupOrder []string
	// walk visits the units below start, depth first in sorted order,
	// carrying the nearest ancestor with entries.
	walk := func(start []string, anc string) {
		type item struct{ unit, anc string }
		stack := make([]item, 0, len(start))
		for i := len(start) - 1; i >= 0; i-- {
			stack = append(stack, item{start[i], anc})
		}
		visited := map[string]bool{}
		for len(stack) > 0 {
			it := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if visited[it.unit] {
				continue // two units sharing an HSA-id can make the tree loop
			}
			visited[it.unit] = true
			next := it.anc
			if x.has(it.unit, contract) {
				addExplicit(it.unit)
				next = it.unit
			} else if it.anc != "" {
				g := groups[it.anc]
				if g == nil {
					g = &target{receiver: it.unit, under: it.anc}
					groups[it.anc] = g
					groupOrder = append(groupOrder, it.anc)
				}
				g.units++
			}
			kids := x.children[it.unit]
			for i := len(kids) - 1; i >= 0; i-- {
				stack = append(stack, item{kids[i], next})
			}
		}
	}
	if root {
		walk(x.roots, "")
		// Receivers with entries that are not HSA units, or are spelled
		// otherwise than the tree spells them.
		var rest []string
		for _, r := range x.contractReceivers(contract) {
			if !seen[r] && r != tak.DefaultReceiver {
				rest = append(rest, r)
			}
		}
		slices.Sort(rest)
		for _, r := range rest {
			addExplicit(r)
		}
	} else {
		addExplicit(receiver)
		for _, r := range x.spellings(receiver, contract) {
			addExplicit(r)
		}
		// The units below are those of the tree's spelling of the
		// receiver, whose routes they find whatever their case.
		var kids []string
		for _, u := range x.byLower[lower(receiver)] {
			addExplicit(u)
			kids = append(kids, x.children[u]...)
		}
		walk(kids, receiver)
	}
	out := explicit
	for _, a := range groupOrder {
		out = append(out, *groups[a])
	}
	if root {
		out = append(out, target{receiver: OtherReceiver, other: true})
	}
	x.cache[ck] = out
	return out
}

// senders lists the consumers that may call receiver with contract on side
// a or side b: those with a permission valid there on a key the
// authorisation walk visits (the receiver, "*", its HSA ancestors), sorted.
func (x *reach) senders(receiver, contract string, a, b side) []string {
	keys := []string{receiver, tak.DefaultReceiver}
	for _, t := range x.trees {
		t.Walk(receiver, func(anc string) bool {
			keys = append(keys, anc)
			return false
		})
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		x.kb = tak.AppendKey(x.kb[:0], k, contract)
		for _, g := range x.perms[string(x.kb)] {
			ls := lower(g.sender)
			if seen[ls] {
				continue
			}
			if permittedAt(a.perms(g), a.at) || permittedAt(b.perms(g), b.at) {
				seen[ls] = true
				out = append(out, g.sender)
			}
		}
	}
	slices.Sort(out)
	return out
}
