package tak

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// The entry types, shared with the readers.
type (
	// Route is one vägval.
	Route = takdata.Route
	// Permission is one anropsbehörighet.
	Permission = takdata.Permission
	// Filter is a service-domain filter on a permission.
	Filter = takdata.Filter
)

// DefaultReceiver is the receiver of default routes and permissions
// ("standardvägval", "standardbehörighet").
const DefaultReceiver = "*"

// Query is one call to decide.
type Query struct {
	Contract string // namespace of the first Body child
	Receiver string // To / LogicalAddress, as received (not trimmed)
	Sender   string // consumer HSA-id; empty decides routing only
	At       time.Time
}

// Decision is the answer to a Query.
//
// Route is set whenever routing succeeded, also when authorisation then
// failed (VP logs the producer for VP007 too): check Fault first.
type Decision struct {
	Route *Route
	Fault *vpfault.Fault
	// RoutingTrace and AuthTrace are VP's traces (labels.routerVagvalTrace,
	// routerBehorighetTrace), e.g. "AnyReceiver,(parent),SE,(default),*".
	RoutingTrace string
	AuthTrace    string
}

// Addressee is a logical address a consumer may call with a contract, for
// GetLogicalAddresseesByServiceContract.
type Addressee struct {
	Receiver string
	From, To time.Time
	Filters  []Filter
}

// Catalogue is one complete, immutable TAK catalogue with its indexes. It is
// safe for concurrent use; reloads build a new one.
type Catalogue struct {
	data *takdata.Data
	tree *hsa.Tree
	cfg  lookupConfig

	// Each index maps a lower-cased key to the first entry with that key;
	// next chains entries sharing a key, in source order (-1 ends a chain).
	routeHead map[string]int32 // receiver|contract
	routeNext []int32
	permHead  map[string]int32 // receiver|sender|contract
	permNext  []int32
	// The platform-service indexes are built on first use: most gateways
	// never answer those services, and a reload should not pay for them.
	platformOnce sync.Once
	bySC         map[string]int32 // sender|contract, for LogicalAddressees
	bySCNext     []int32
	byRecv       map[string]int32 // receiver, for SupportedContracts
	byRecvNext   []int32

	loaded time.Time
	source string
}

type lookupConfig struct {
	hsa       HSALookup
	delim     string
	contracts []string
	senders   []string
}

// BuildOptions are the lookup settings of a catalogue.
type BuildOptions struct {
	HSALookup      HSALookup
	DefaultRouting DefaultRouting
}

// Build indexes d (which the catalogue then owns and never changes) with tree
// (nil for none).
func Build(d *takdata.Data, tree *hsa.Tree, opt BuildOptions) *Catalogue {
	if tree == nil {
		tree = &hsa.Tree{}
	}
	c := &Catalogue{
		data: d,
		tree: tree,
		cfg: lookupConfig{
			hsa:       opt.HSALookup,
			delim:     opt.DefaultRouting.delimiter(),
			contracts: opt.DefaultRouting.AllowedContracts,
			senders:   opt.DefaultRouting.AllowedSenders,
		},
		loaded: time.Now(),
		source: d.Source,
	}
	nr, np := len(d.Routes), len(d.Permissions)
	c.routeHead, c.routeNext = make(map[string]int32, nr), make([]int32, nr)
	c.permHead, c.permNext = make(map[string]int32, np), make([]int32, np)
	var kb []byte
	// Walking backwards and pushing onto each chain's head leaves the chains
	// in source order.
	for i := nr - 1; i >= 0; i-- {
		r := &d.Routes[i]
		kb = appendKey(kb[:0], r.Receiver, r.Contract)
		push(c.routeHead, c.routeNext, kb, int32(i))
	}
	for i := np - 1; i >= 0; i-- {
		p := &d.Permissions[i]
		kb = appendKey(kb[:0], p.Receiver, p.Sender, p.Contract)
		push(c.permHead, c.permNext, kb, int32(i))
	}
	return c
}

// platformIndexes builds the indexes LogicalAddressees and
// SupportedContracts use, once.
func (c *Catalogue) platformIndexes() {
	c.platformOnce.Do(func() {
		np := len(c.data.Permissions)
		c.bySC, c.bySCNext = make(map[string]int32, np/4+1), make([]int32, np)
		c.byRecv, c.byRecvNext = make(map[string]int32, np/2+1), make([]int32, np)
		var kb []byte
		for i := np - 1; i >= 0; i-- {
			p := &c.data.Permissions[i]
			kb = appendKey(kb[:0], p.Sender, p.Contract)
			push(c.bySC, c.bySCNext, kb, int32(i))
			kb = appendKey(kb[:0], p.Receiver)
			push(c.byRecv, c.byRecvNext, kb, int32(i))
		}
	})
}

func push(head map[string]int32, next []int32, key []byte, i int32) {
	if h, ok := head[string(key)]; ok { // no allocation for the lookup
		next[i] = h
	} else {
		next[i] = -1
	}
	head[string(key)] = i
}

// appendKey appends the lower-cased parts joined by '|'. ASCII is lowered
// byte by byte; other text goes through strings.ToLower (Java's toLowerCase
// in VP lowers Unicode too).
func appendKey(b []byte, parts ...string) []byte {
	for n, s := range parts {
		if n > 0 {
			b = append(b, '|')
		}
		b = appendLower(b, s)
	}
	return b
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return append(b, strings.ToLower(s[i:])...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// keyBuf is stack space for lookup keys; longer keys fall back to the heap.
type keyBuf [320]byte

// lookupRoutes counts routes for (receiver, contract) valid at t and returns
// the first. It does not allocate for keys that fit keyBuf.
func (c *Catalogue) lookupRoutes(receiver, contract string, t time.Time) (first *Route, n int) {
	var buf keyBuf
	k := appendKey2(buf[:0], receiver, contract)
	i, ok := c.routeHead[string(k)]
	for ok && i >= 0 {
		r := &c.data.Routes[i]
		if r.ValidAt(t) {
			if n == 0 {
				first = r
			}
			n++
		}
		i = c.routeNext[i]
	}
	return first, n
}

// appendKey2 and appendKey3 avoid the variadic slice of appendKey, which
// would escape and allocate on the lookup path.
func appendKey2(b []byte, a, z string) []byte {
	b = appendLower(b, a)
	b = append(b, '|')
	return appendLower(b, z)
}

func appendKey3(b []byte, a, m, z string) []byte {
	b = appendLower(b, a)
	b = append(b, '|')
	b = appendLower(b, m)
	b = append(b, '|')
	return appendLower(b, z)
}

// permitted reports whether a permission for (receiver, sender, contract) is
// valid at t.
func (c *Catalogue) permitted(receiver, sender, contract string, t time.Time) bool {
	var buf keyBuf
	k := appendKey3(buf[:0], receiver, sender, contract)
	i, ok := c.permHead[string(k)]
	for ok && i >= 0 {
		if c.data.Permissions[i].ValidAt(t) {
			return true
		}
		i = c.permNext[i]
	}
	return false
}

// trace collects a VP trace: the steps joined by commas.
type trace struct{ steps []string }

func (t *trace) add(s ...string) { t.steps = append(t.steps, s...) }
func (t *trace) String() string  { return strings.Join(t.steps, ",") }

// Decide routes and then authorises q, in VP's order (VagvalProcessor before
// BehorighetProcessor). A nil catalogue (nothing loaded) answers VP008. The
// common case, a route and a permission for the exact receiver, does not
// allocate.
func (c *Catalogue) Decide(q Query) Decision {
	if c == nil {
		return Decision{Fault: vpfault.New(vpfault.VP008, "")}
	}
	t := q.At
	if t.IsZero() {
		t = time.Now()
	}
	var d Decision
	d.Route, d.RoutingTrace, d.Fault = c.route(q.Contract, q.Receiver, t)
	if d.Fault != nil || q.Sender == "" {
		return d
	}
	var ok bool
	ok, d.AuthTrace = c.authorize(q.Sender, q.Contract, q.Receiver, t)
	if !ok {
		d.Fault = vp007(q)
	}
	return d
}

// Authorize decides authorisation alone (VP007), for calls the gateway
// answers itself.
func (c *Catalogue) Authorize(q Query) (trace string, fault *vpfault.Fault) {
	if c == nil {
		return "", vpfault.New(vpfault.VP008, "")
	}
	t := q.At
	if t.IsZero() {
		t = time.Now()
	}
	ok, tr := c.authorize(q.Sender, q.Contract, q.Receiver, t)
	if !ok {
		return tr, vp007(q)
	}
	return tr, nil
}

func vp007(q Query) *vpfault.Fault {
	return vpfault.New(vpfault.VP007, "serviceNamespace: "+q.Contract+", receiverId: "+q.Receiver+", senderId: "+q.Sender)
}

func (c *Catalogue) route(contract, receiver string, t time.Time) (*Route, string, *vpfault.Fault) {
	var (
		r  *Route
		n  int
		tr string
	)
	switch {
	case c.cfg.delim != "" && strings.Contains(receiver, c.cfg.delim):
		var st trace
		st.add(markLeaf)
		for _, tok := range defaultRoutingTokens(receiver, c.cfg.delim) {
			st.add(tok)
			if r, n = c.lookupRoutes(tok, contract, t); n > 0 {
				break
			}
		}
		tr = st.String()
	default:
		// Exact receiver: the trace is the receiver itself, no allocation.
		tr = receiver
		if r, n = c.lookupRoutes(receiver, contract, t); n > 0 {
			break
		}
		st := trace{steps: []string{receiver}}
		if c.cfg.hsa.Routing.Enabled(contract) {
			st.add(markParent)
			c.tree.Walk(receiver, func(a string) bool {
				st.add(a)
				r, n = c.lookupRoutes(a, contract, t)
				return n > 0
			})
		}
		if n == 0 {
			st.add(markDefault, DefaultReceiver)
			r, n = c.lookupRoutes(DefaultReceiver, contract, t)
		}
		tr = st.String()
	}
	summary := func() string { return "serviceNamespace: " + contract + ", receiverId: " + receiver }
	switch {
	case n == 0:
		return nil, tr, vpfault.NoRoute(contract, receiver)
	case n > 1:
		return nil, tr, vpfault.New(vpfault.VP006, summary())
	case strings.TrimSpace(r.Address) == "":
		return nil, tr, vpfault.New(vpfault.VP010, summary())
	}
	return r, tr, nil
}

func (c *Catalogue) authorize(sender, contract, receiver string, t time.Time) (bool, string) {
	if c.cfg.delim != "" && strings.Contains(receiver, c.cfg.delim) {
		st := trace{steps: []string{markLeaf}}
		toks := defaultRoutingTokens(receiver, c.cfg.delim)
		if len(toks) > 2 || !allowed(contract, c.cfg.contracts) || !allowed(sender, c.cfg.senders) {
			st.add(markInvalid)
			return false, st.String()
		}
		for _, tok := range toks {
			st.add(tok)
			if c.permitted(tok, sender, contract, t) {
				return true, st.String()
			}
		}
		return false, st.String()
	}
	if c.permitted(receiver, sender, contract, t) {
		return true, receiver
	}
	st := trace{steps: []string{receiver, markDefault, DefaultReceiver}}
	if c.permitted(DefaultReceiver, sender, contract, t) {
		return true, st.String()
	}
	ok := false
	if c.cfg.hsa.Authorization.Enabled(contract) {
		st.add(markParent)
		ok = c.tree.Walk(receiver, func(a string) bool {
			st.add(a)
			return c.permitted(a, sender, contract, t)
		})
	}
	return ok, st.String()
}

// defaultRoutingTokens splits a "VG#VE" receiver as VP does: on every
// character of the delimiter, empty tokens skipped, duplicates dropped (first
// occurrence kept), and the list reversed so the rightmost token comes first.
func defaultRoutingTokens(receiver, delim string) []string {
	fields := strings.FieldsFunc(receiver, func(r rune) bool { return strings.ContainsRune(delim, r) })
	var out []string
	for _, f := range fields {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Reverse(out)
	return out
}

func allowed(v string, list []string) bool {
	return len(list) == 0 || slices.Contains(list, v)
}

// LogicalAddressees lists the receivers sender may call with contract at t,
// each once (the first permission wins), with its filters, in source order,
// as KAT/tak-services answer GetLogicalAddresseesByServiceContract.
func (c *Catalogue) LogicalAddressees(sender, contract string, at time.Time) []Addressee {
	if c == nil {
		return nil
	}
	c.platformIndexes()
	k := appendKey2(nil, sender, contract)
	var out []Addressee
	seen := map[string]bool{}
	i, ok := c.bySC[string(k)]
	for ok && i >= 0 {
		p := &c.data.Permissions[i]
		if p.ValidAt(at) && !seen[p.Receiver] {
			seen[p.Receiver] = true
			out = append(out, Addressee{Receiver: p.Receiver, From: p.From, To: p.To, Filters: p.Filters})
		}
		i = c.bySCNext[i]
	}
	return out
}

// SupportedContracts lists, sorted, the contracts sender may call receiver
// with at t (any sender when sender is empty), from the permissions, as KAT
// answers GetSupportedServiceContracts.
func (c *Catalogue) SupportedContracts(sender, receiver string, at time.Time) []string {
	if c == nil {
		return nil
	}
	c.platformIndexes()
	k := appendLower(nil, receiver)
	set := map[string]bool{}
	i, ok := c.byRecv[string(k)]
	for ok && i >= 0 {
		p := &c.data.Permissions[i]
		if p.ValidAt(at) && (sender == "" || strings.EqualFold(p.Sender, sender)) {
			set[p.Contract] = true
		}
		i = c.byRecvNext[i]
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out
}

// Data returns the entries the catalogue was built from, in source order.
// Callers must not change them.
func (c *Catalogue) Data() *takdata.Data { return c.data }

// Loaded is when the catalogue was built.
func (c *Catalogue) Loaded() time.Time { return c.loaded }

// Tree returns the HSA tree in use.
func (c *Catalogue) Tree() *hsa.Tree { return c.tree }

// Counts returns the number of routes and permissions.
func (c *Catalogue) Counts() (routes, permissions int) {
	if c == nil {
		return 0, 0
	}
	return len(c.data.Routes), len(c.data.Permissions)
}

// RoutesFor returns every route for (receiver, contract) regardless of time,
// in source order: the exact key only, no walk. For tools and tests.
func (c *Catalogue) RoutesFor(receiver, contract string) []*Route {
	var out []*Route
	i, ok := c.routeHead[string(appendKey2(nil, receiver, contract))]
	for ok && i >= 0 {
		out = append(out, &c.data.Routes[i])
		i = c.routeNext[i]
	}
	return out
}
