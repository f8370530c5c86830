package tak

import (
	"strings"
	"time"

	"github.com/rivgate/rivgate/contracts/vpfault"
)

// The markers a trace holds between receivers: the routing walk's
// "(parent)" and "(default)", the VG#VE mode's "(leaf)", and the text VP
// logs when VG#VE authorisation refuses its parameters.
const (
	markParent  = "(parent)"
	markDefault = "(default)"
	markLeaf    = "(leaf)"
	markInvalid = "Invalid parameters"
)

// TraceSteps returns the receiver keys a routing or authorisation trace
// visited, in order, without the markers: for
// "AnyReceiver,(parent),SE,(default),*" it is [AnyReceiver SE *]. The lookup
// stops at the first key that answers, so when a lookup succeeded the last
// step is the key whose entries it used.
func TraceSteps(trace string) []string {
	if trace == "" {
		return nil
	}
	parts := strings.Split(trace, ",")
	out := parts[:0]
	for _, p := range parts {
		switch p {
		case markParent, markDefault, markLeaf, markInvalid:
			continue
		}
		out = append(out, p)
	}
	return out
}

// Explanation says why the catalogue answers a query as it does: the
// entries the lookup used and the HSA path it could climb.
type Explanation struct {
	Decision
	// RouteKey is the receiver key whose routes decided routing: the
	// receiver, an HSA ancestor, "*" or a VG#VE token; "" when no key had a
	// valid route (VP004).
	RouteKey string
	// Routes are the entries for RouteKey valid at the query's time: the one
	// used, the one with an empty address (VP010), or the overlapping ones
	// (VP006), in source order.
	Routes []*Route
	// AuthKey is the receiver key whose permission allowed the call ("" when
	// none did, or authorisation was not decided).
	AuthKey string
	// Permissions are the entries for (sender, AuthKey, contract) valid at
	// the query's time, in source order.
	Permissions []*Permission
	// Path is the receiver's place in the HSA tree: the receiver, then each
	// ancestor the walk visits, ending at SE. It is empty for a VG#VE
	// receiver, which is never walked.
	Path []string
}

// Explain decides q as Decide does and finds the entries behind the answer.
func (c *Catalogue) Explain(q Query) Explanation {
	if q.At.IsZero() {
		q.At = time.Now()
	}
	e := Explanation{Decision: c.Decide(q)}
	if c == nil {
		return e
	}
	routed := e.Route != nil
	if e.Fault != nil && (e.Fault.Code == vpfault.VP006 || e.Fault.Code == vpfault.VP010) {
		routed = true
	}
	if steps := TraceSteps(e.RoutingTrace); routed && len(steps) > 0 {
		e.RouteKey = steps[len(steps)-1]
		for _, r := range c.RoutesFor(e.RouteKey, q.Contract) {
			if r.ValidAt(q.At) {
				e.Routes = append(e.Routes, r)
			}
		}
	}
	if steps := TraceSteps(e.AuthTrace); q.Sender != "" && e.AuthTrace != "" && len(steps) > 0 {
		last := steps[len(steps)-1]
		for _, p := range c.PermissionsFor(q.Sender, last, q.Contract) {
			if p.ValidAt(q.At) {
				e.Permissions = append(e.Permissions, p)
			}
		}
		if len(e.Permissions) > 0 {
			e.AuthKey = last
		}
	}
	if c.cfg.delim == "" || !strings.Contains(q.Receiver, c.cfg.delim) {
		e.Path = append(e.Path, q.Receiver)
		c.tree.Walk(q.Receiver, func(a string) bool {
			e.Path = append(e.Path, a)
			return false
		})
	}
	return e
}

// PermissionsFor returns every permission for (sender, receiver, contract)
// regardless of time, in source order: the exact key only, no walk. For
// tools and tests.
func (c *Catalogue) PermissionsFor(sender, receiver, contract string) []*Permission {
	var out []*Permission
	i, ok := c.permHead[string(appendKey3(nil, receiver, sender, contract))]
	for ok && i >= 0 {
		out = append(out, &c.data.Permissions[i])
		i = c.permNext[i]
	}
	return out
}

// AppendKey appends the key the catalogue indexes entries by: the parts
// lower-cased as the lookup compares them and joined by '|'. Tools that
// group entries the way the lookup does (takdiff) use it, so their case
// folding is the lookup's.
func AppendKey(b []byte, parts ...string) []byte { return appendKey(b, parts...) }
