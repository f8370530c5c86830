package takdiff

import (
	"slices"

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
	// entries holds, per lower-cased contract, the lower-cased receivers
	// with any route or permission for it on either side, with each
	// spelling the entries use.
	entries map[string]map[string][]string
	// perms holds, per lower-cased contract and receiver, the permission
	// groups for it.
	perms map[string]map[string][]*permGroup
	cache map[string][]target
}

func newReach(e *engine) *reach {
	x := &reach{children: map[string][]string{}, byLower: map[string][]string{},
		entries: map[string]map[string][]string{}, perms: map[string]map[string][]*permGroup{}, cache: map[string][]target{}}
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
	note := func(receiver, contract string) {
		lc := lower(contract)
		m := x.entries[lc]
		if m == nil {
			m = map[string][]string{}
			x.entries[lc] = m
		}
		if lr := lower(receiver); !slices.Contains(m[lr], receiver) {
			m[lr] = append(m[lr], receiver)
		}
	}
	for _, g := range e.routes {
		for _, r := range g.old {
			note(r.Receiver, r.Contract)
		}
		for _, r := range g.new {
			note(r.Receiver, r.Contract)
		}
	}
	for _, g := range e.perms {
		for _, p := range g.old {
			note(p.Receiver, p.Contract)
		}
		for _, p := range g.new {
			note(p.Receiver, p.Contract)
		}
		lc := lower(g.contract)
		m := x.perms[lc]
		if m == nil {
			m = map[string][]*permGroup{}
			x.perms[lc] = m
		}
		m[lower(g.receiver)] = append(m[lower(g.receiver)], g)
	}
	return x
}

// expand lists the receivers a change on (receiver, contract) can reach: the
// receiver itself and, through the HSA tree, the units below it; for "*" and
// SE every receiver of the contract. Units without entries for the contract
// are grouped under their nearest ancestor with entries, one target each.
func (x *reach) expand(receiver, contract string) []target {
	lc := lower(contract)
	root := isRoot(receiver)
	ck := lower(receiver) + "|" + lc
	if root {
		ck = "|" + lc
	}
	if ts, ok := x.cache[ck]; ok {
		return ts
	}
	known := x.entries[lc]
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
			if _, has := known[lower(it.unit)]; has {
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
		for _, spellings := range known {
			for _, r := range spellings {
				if !seen[r] && r != tak.DefaultReceiver {
					rest = append(rest, r)
				}
			}
		}
		slices.Sort(rest)
		for _, r := range rest {
			addExplicit(r)
		}
	} else {
		addExplicit(receiver)
		for _, r := range known[lower(receiver)] {
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
	m := x.perms[lower(contract)]
	if len(m) == 0 {
		return nil
	}
	keys := []string{lower(receiver), tak.DefaultReceiver}
	for _, t := range x.trees {
		t.Walk(receiver, func(anc string) bool {
			keys = append(keys, lower(anc))
			return false
		})
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		for _, g := range m[k] {
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
