package takdiff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// side is one catalogue at one moment. isNew says which entries of a key
// group belong to it (a window compares the new catalogue with itself).
type side struct {
	cat   *tak.Catalogue
	at    time.Time
	isNew bool
}

func (s side) routes(g *routeGroup) []*tak.Route {
	if s.isNew {
		return g.new
	}
	return g.old
}

func (s side) perms(g *permGroup) []*tak.Permission {
	if s.isNew {
		return g.new
	}
	return g.old
}

// engine holds both catalogues' entries grouped by lookup key.
type engine struct {
	old, new *tak.Catalogue
	same     bool // old and new are one catalogue (a window over it)
	routes   map[string]*routeGroup
	perms    map[string]*permGroup
	reach    *reach
}

// routeGroup is every route of one key (receiver and contract, compared
// case-insensitively as the lookup does) on both sides, in source order.
type routeGroup struct {
	receiver, contract string // as the first entry spells them
	old, new           []*tak.Route
}

// permGroup is every permission of one key (sender, receiver, contract).
type permGroup struct {
	sender, receiver, contract string
	old, new                   []*tak.Permission
}

// lower is the lookup's case folding, for keys of other shapes.
func lower(s string) string { return strings.ToLower(s) }

// routeKey and permKey are the catalogue's own index keys.
func routeKey(receiver, contract string) string {
	return string(tak.AppendKey(nil, receiver, contract))
}

func permKey(sender, receiver, contract string) string {
	return string(tak.AppendKey(nil, receiver, sender, contract))
}

func newEngine(old, new *tak.Catalogue) *engine {
	e := &engine{old: old, new: new, same: old == new}
	od, nd := old.Data(), new.Data()
	e.routes = make(map[string]*routeGroup, len(nd.Routes))
	e.perms = make(map[string]*permGroup, len(nd.Permissions))
	var kb []byte
	// Map lookups with string(kb) do not allocate: only a new key does.
	addRoutes := func(rs []tak.Route, isNew bool) {
		for i := range rs {
			r := &rs[i]
			kb = tak.AppendKey(kb[:0], r.Receiver, r.Contract)
			g := e.routes[string(kb)]
			if g == nil {
				g = &routeGroup{receiver: r.Receiver, contract: r.Contract}
				e.routes[string(kb)] = g
			}
			if isNew {
				g.new = append(g.new, r)
			} else {
				g.old = append(g.old, r)
			}
		}
	}
	addPerms := func(ps []tak.Permission, isNew bool) {
		for i := range ps {
			p := &ps[i]
			kb = tak.AppendKey(kb[:0], p.Receiver, p.Sender, p.Contract)
			g := e.perms[string(kb)]
			if g == nil {
				g = &permGroup{sender: p.Sender, receiver: p.Receiver, contract: p.Contract}
				e.perms[string(kb)] = g
			}
			if isNew {
				g.new = append(g.new, p)
			} else {
				g.old = append(g.old, p)
			}
		}
	}
	addRoutes(nd.Routes, true)
	addPerms(nd.Permissions, true)
	if e.same {
		for _, g := range e.routes {
			g.old = g.new
		}
		for _, g := range e.perms {
			g.old = g.new
		}
	} else {
		addRoutes(od.Routes, false)
		addPerms(od.Permissions, false)
	}
	e.reach = newReach(e)
	return e
}

// entryChanges pairs each key's entries across the sides: identical entries
// are unchanged; the rest pair up as changed (same TAK id first, then same
// address, then in order) and what is left is added or removed.
func (e *engine) entryChanges() []Change {
	if e.same {
		return nil
	}
	var out []Change
	for _, g := range e.routes {
		olds, news := unmatched(g.old, g.new, sameRoute)
		pairs, removed, added := pair(olds, news, func(o, n *tak.Route) bool { return o.ID != "" && o.ID == n.ID },
			func(o, n *tak.Route) bool { return o.Address == n.Address })
		for _, p := range pairs {
			out = append(out, Change{Kind: Changed, Entry: RouteEntry, Old: routeEntry(p[0]), New: routeEntry(p[1]), Fields: routeFields(p[0], p[1])})
		}
		for _, r := range removed {
			out = append(out, Change{Kind: Removed, Entry: RouteEntry, Old: routeEntry(r)})
		}
		for _, r := range added {
			out = append(out, Change{Kind: Added, Entry: RouteEntry, New: routeEntry(r)})
		}
	}
	for _, g := range e.perms {
		olds, news := unmatched(g.old, g.new, samePermission)
		pairs, removed, added := pair(olds, news, func(o, n *tak.Permission) bool { return o.ID != "" && o.ID == n.ID }, nil)
		for _, p := range pairs {
			out = append(out, Change{Kind: Changed, Entry: PermissionEntry, Old: permEntry(p[0]), New: permEntry(p[1]), Fields: permFields(p[0], p[1])})
		}
		for _, p := range removed {
			out = append(out, Change{Kind: Removed, Entry: PermissionEntry, Old: permEntry(p)})
		}
		for _, p := range added {
			out = append(out, Change{Kind: Added, Entry: PermissionEntry, New: permEntry(p)})
		}
	}
	sortChanges(out)
	return out
}

// sortChanges orders changes routes first, then by contract, receiver,
// sender, kind and validity, so output does not depend on map order.
func sortChanges(cs []Change) {
	kindOrder := map[ChangeKind]int{Removed: 0, Changed: 1, Added: 2, Ends: 3, Starts: 4}
	type keyed struct {
		c   Change
		key string
	}
	ks := make([]keyed, len(cs))
	for i, c := range cs {
		en := c.entry()
		// The entry kind first: "route" sorts after "permission", so invert.
		ks[i] = keyed{c, fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%d", 1-btoi(c.Entry == RouteEntry),
			tak.AppendKey(nil, en.Contract), tak.AppendKey(nil, en.Receiver), tak.AppendKey(nil, en.Sender), kindOrder[c.Kind])}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		ea, eb := a.c.entry(), b.c.entry()
		return cmp.Or(cmp.Compare(a.key, b.key), ea.From.Compare(eb.From), cmp.Compare(ea.Origin, eb.Origin))
	})
	for i := range ks {
		cs[i] = ks[i].c
	}
}

// entry is the entry a change is about: the new one when there is one.
func (c *Change) entry() *Entry {
	if c.New != nil {
		return c.New
	}
	return c.Old
}

// unmatched drops the entries present on both sides (each old one matches
// at most one new one) and returns the rest, in order.
func unmatched[T any](old, new []*T, same func(a, b *T) bool) (olds, news []*T) {
	used := make([]bool, len(new))
	for _, o := range old {
		found := false
		for j, n := range new {
			if !used[j] && same(o, n) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			olds = append(olds, o)
		}
	}
	for j, n := range new {
		if !used[j] {
			news = append(news, n)
		}
	}
	return olds, news
}

// pair matches old with new entries of one key by each rule in turn, then
// in order; what is left over was removed or added.
func pair[T any](olds, news []*T, rules ...func(o, n *T) bool) (pairs [][2]*T, removed, added []*T) {
	usedO, usedN := make([]bool, len(olds)), make([]bool, len(news))
	match := func(rule func(o, n *T) bool) {
		for i, o := range olds {
			if usedO[i] {
				continue
			}
			for j, n := range news {
				if !usedN[j] && (rule == nil || rule(o, n)) {
					usedO[i], usedN[j] = true, true
					pairs = append(pairs, [2]*T{o, n})
					break
				}
			}
		}
	}
	for _, r := range rules {
		if r != nil {
			match(r)
		}
	}
	match(nil)
	for i, o := range olds {
		if !usedO[i] {
			removed = append(removed, o)
		}
	}
	for j, n := range news {
		if !usedN[j] {
			added = append(added, n)
		}
	}
	return pairs, removed, added
}

func sameValidity(a, b *tak.Route) bool { return a.From.Equal(b.From) && a.To.Equal(b.To) }

func sameRoute(a, b *tak.Route) bool {
	return a.Address == b.Address && strings.EqualFold(string(a.Profile), string(b.Profile)) && sameValidity(a, b)
}

func samePermission(a, b *tak.Permission) bool {
	return a.From.Equal(b.From) && a.To.Equal(b.To) && sameFilters(a.Filters, b.Filters)
}

func sameFilters(a, b []tak.Filter) bool {
	return slices.EqualFunc(a, b, func(x, y tak.Filter) bool {
		return x.ServiceDomain == y.ServiceDomain && slices.Equal(x.Categorizations, y.Categorizations)
	})
}

func routeFields(o, n *tak.Route) []string {
	var f []string
	if o.Address != n.Address {
		f = append(f, "address")
	}
	if !strings.EqualFold(string(o.Profile), string(n.Profile)) {
		f = append(f, "profile")
	}
	if !sameValidity(o, n) {
		f = append(f, "validity")
	}
	return f
}

func permFields(o, n *tak.Permission) []string {
	var f []string
	if !o.From.Equal(n.From) || !o.To.Equal(n.To) {
		f = append(f, "validity")
	}
	if !sameFilters(o.Filters, n.Filters) {
		f = append(f, "filters")
	}
	return f
}

func routeEntry(r *tak.Route) *Entry {
	return &Entry{Receiver: r.Receiver, Contract: r.Contract, Producer: &Producer{Profile: string(r.Profile), Address: r.Address},
		From: r.From, To: r.To, ID: r.ID, Origin: r.Origin}
}

func permEntry(p *tak.Permission) *Entry {
	return &Entry{Sender: p.Sender, Receiver: p.Receiver, Contract: p.Contract, From: p.From, To: p.To, ID: p.ID, Origin: p.Origin}
}

// routeState is what one route key holds at a moment, as far as the lookup
// can tell: no route, one (its producer), or several (VP006).
type routeState struct {
	n                int // 0, 1 or 2 for "more than one"
	address, profile string
}

func routeStateAt(rs []*tak.Route, t time.Time) routeState {
	var s routeState
	for _, r := range rs {
		if !r.ValidAt(t) {
			continue
		}
		if s.n == 1 {
			return routeState{n: 2}
		}
		s = routeState{n: 1, address: r.Address, profile: strings.ToUpper(string(r.Profile))}
	}
	return s
}

func permittedAt(ps []*tak.Permission, t time.Time) bool {
	for _, p := range ps {
		if p.ValidAt(t) {
			return true
		}
	}
	return false
}

// keySet maps each key whose state differs between two sides to the
// changes behind it.
type keySet struct {
	routes map[string][]int
	perms  map[string][]int
	// contracts are the lower-cased contracts of those keys: calls for other
	// contracts cannot have changed.
	contracts map[string]bool
}

func (k *keySet) empty() bool { return len(k.routes) == 0 && len(k.perms) == 0 }

// liveKeys finds the keys of changes whose state differs between a and b,
// marks those changes live and maps the keys to them. A change is live only
// when its own entry is valid on its side: an expired entry removed next to
// a new one is not what moved the answer.
func (e *engine) liveKeys(cs []Change, a, b side) keySet {
	ks := keySet{routes: map[string][]int{}, perms: map[string][]int{}, contracts: map[string]bool{}}
	for i := range cs {
		c := &cs[i]
		en := c.entry()
		validOld := c.Old != nil && validAt(c.Old, a.at)
		validNew := c.New != nil && validAt(c.New, b.at)
		if !validOld && !validNew {
			continue
		}
		switch c.Entry {
		case RouteEntry:
			k := routeKey(en.Receiver, en.Contract)
			g := e.routes[k]
			if routeStateAt(a.routes(g), a.at) == routeStateAt(b.routes(g), b.at) {
				continue
			}
			c.Live = true
			ks.routes[k] = append(ks.routes[k], i)
		case PermissionEntry:
			k := permKey(en.Sender, en.Receiver, en.Contract)
			g := e.perms[k]
			if permittedAt(a.perms(g), a.at) == permittedAt(b.perms(g), b.at) {
				continue
			}
			c.Live = true
			ks.perms[k] = append(ks.perms[k], i)
		}
		ks.contracts[lower(en.Contract)] = true
	}
	return ks
}

func validAt(en *Entry, t time.Time) bool {
	v := takdata.Validity{From: en.From, To: en.To}
	return v.ValidAt(t)
}

// isRoot reports whether a receiver key is where every walk ends: "*" or SE.
func isRoot(receiver string) bool {
	return receiver == tak.DefaultReceiver || strings.EqualFold(receiver, hsa.Root)
}
