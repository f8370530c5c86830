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
	trees   []*hsa.Tree
	byLower map[string][]string // lower-cased HSA-id -> the units so spelled
	// The tree flattened in pre-order (roots and children sorted): a unit's
	// subtree is units[i+1:end[i]], parent[i] is its parent's index (-1 for
	// a root). An expansion then is array work, not a walk.
	units  []string
	parent []int32
	end    []int32
	index  map[string]int32
	// Scratch for one expansion: which units have entries for the
	// contract, and each unit's nearest ancestor that has.
	mark []bool
	near []int32
	// recvs maps (receiver, contract), as tak.AppendKey keys them, to each
	// spelling of the receiver in the entries of either side: the receivers
	// with entries of their own for the contract.
	recvs map[string][]string
	// perms maps (receiver, contract) to its permission groups.
	perms map[string][]*permGroup
	// byContract lists, per lower-cased contract, the spellings of its
	// receivers, and marked the tree units among them; both built on first
	// use.
	byContract map[string][]string
	marked     map[string][]int32
	cache      map[string][]target
	kb         []byte
}

func newReach(e *engine) *reach {
	x := &reach{byLower: map[string][]string{},
		recvs: make(map[string][]string, len(e.routes)), perms: make(map[string][]*permGroup, len(e.perms)),
		marked: map[string][]int32{}, cache: map[string][]target{}}
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
	children := map[string][]string{}
	var roots []string
	for id := range seen {
		parent, fromTree := "", false
		for _, t := range x.trees {
			if p, ok := t.Parent(id); ok {
				parent, fromTree = p, true
				break
			}
		}
		if fromTree {
			children[parent] = append(children[parent], id)
		} else {
			roots = append(roots, id)
		}
	}
	for _, c := range children {
		slices.Sort(c)
	}
	slices.Sort(roots)
	x.flatten(roots, children)
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

// flatten lays the tree out in pre-order. Units on a loop (two units
// sharing an HSA-id) hang under no root and are left out, as a walk from
// the top never reaches them.
func (x *reach) flatten(roots []string, children map[string][]string) {
	type item struct {
		unit   string
		parent int32
	}
	x.index = make(map[string]int32, len(x.byLower))
	stack := make([]item, 0, len(roots))
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, item{roots[i], -1})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, done := x.index[it.unit]; done {
			continue
		}
		i := int32(len(x.units))
		x.index[it.unit] = i
		x.units = append(x.units, it.unit)
		x.parent = append(x.parent, it.parent)
		kids := children[it.unit]
		for k := len(kids) - 1; k >= 0; k-- {
			stack = append(stack, item{kids[k], i})
		}
	}
	n := len(x.units)
	size := make([]int32, n)
	for i := n - 1; i >= 0; i-- {
		size[i]++
		if p := x.parent[i]; p >= 0 {
			size[p] += size[i]
		}
	}
	x.end = make([]int32, n)
	for i := range n {
		x.end[i] = int32(i) + size[i]
	}
	x.mark, x.near = make([]bool, n), make([]int32, n)
}

// treeUnits lists the tree units with entries for contract, by index.
func (x *reach) treeUnits(contract string) []int32 {
	lc := string(tak.AppendKey(nil, contract))
	if m, ok := x.marked[lc]; ok {
		return m
	}
	var m []int32
	if len(x.units) > 0 {
		seen := map[int32]bool{}
		for _, r := range x.contractReceivers(contract) {
			for _, u := range x.byLower[lower(r)] {
				if i, ok := x.index[u]; ok && !seen[i] {
					seen[i] = true
					m = append(m, i)
				}
			}
		}
	}
	x.marked[lc] = m
	return m
}

func addSpelling(sp []string, s string) []string {
	if slices.Contains(sp, s) {
		return sp
	}
	return append(sp, s)
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
	// Mark the units with entries for the contract.
	marked := x.treeUnits(contract)
	for _, i := range marked {
		x.mark[i] = true
	}
	defer func() {
		for _, i := range marked {
			x.mark[i] = false
		}
	}()
	groups := map[int32]*target{}
	var groupOrder []int32
	// scan visits units[from:to] in pre-order, each with its nearest
	// ancestor that has entries (from its parent's, set before).
	scan := func(from, to int32) {
		for i := from; i < to; i++ {
			n := int32(-1)
			if p := x.parent[i]; p >= 0 {
				if n = x.near[p]; x.mark[p] {
					n = p
				}
			}
			x.near[i] = n
			switch {
			case x.mark[i]:
				addExplicit(x.units[i])
			case n >= 0:
				g := groups[n]
				if g == nil {
					g = &target{receiver: x.units[i], under: x.units[n]}
					groups[n] = g
					groupOrder = append(groupOrder, n)
				}
				g.units++
			}
		}
	}
	if root {
		scan(0, int32(len(x.units)))
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
		for _, u := range x.byLower[lower(receiver)] {
			i, ok := x.index[u]
			if !ok {
				continue
			}
			addExplicit(u)
			x.near[i] = -1
			scan(i+1, x.end[i])
		}
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
