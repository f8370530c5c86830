// Package taklint checks a TAK catalogue for what would go wrong at call
// time or what TAK itself would refuse: overlapping routes (a VP006 waiting
// to happen), permissions no route can serve (VP004), values outside TAK's
// own validation rules (tak-web EntityValidator), empty addresses (VP010)
// and addresses the gateway will not call (VP009), profiles VP cannot speak
// (VP005), and expired entries. Addresses are shown with any userinfo
// masked.
package taklint

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/internal/redact"
)

// Severity of a finding. Errors make `rivgate tak lint` exit 1.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one problem, naming the entries it is about.
type Finding struct {
	Severity Severity `json:"severity"`
	// Rule is a short stable name: overlap, overlap-permission, no-route,
	// platform-service, hsa-id, namespace, address, validity, profile,
	// expired, hsa-case.
	Rule    string   `json:"rule"`
	Message string   `json:"message"`
	Entries []string `json:"entries"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s: %s\n    %s", f.Severity, f.Rule, f.Message, strings.Join(f.Entries, "\n    "))
}

// Options for Check.
type Options struct {
	// Tree is the HSA tree, for "no route" (a route on an ancestor serves a
	// permission) and the case check; nil for none.
	Tree *hsa.Tree
	// Now decides what is expired.
	Now time.Time
	// Location shows dates in findings.
	Location *time.Location
	// PlatformContracts are the services the gateway answers itself
	// (gateway/platform: PingForConfiguration and the registry services);
	// a permission for one of them addressed to one of PlatformAddresses
	// (the gateway's platform.logical_address, case-insensitive) needs no
	// route. With no PlatformAddresses such a permission without a route is
	// a warning (platform-service): it is fine only if addressed to the
	// gateway.
	PlatformContracts []string
	PlatformAddresses []string
}

// TAK's validation rules (tak-web EntityValidator).
var (
	hsaIDRule     = regexp.MustCompile(`^[0-9a-zA-Z_\-]*$`)
	namespaceRule = regexp.MustCompile(`^[0-9a-zA-Z_.:\-]*$`)
	addressRule   = regexp.MustCompile(`^[0-9a-zA-Z_.:/\-?&]*$`)
)

// Check returns the findings for d, errors first, each group in source order.
func Check(d *takdata.Data, opt Options) []Finding {
	c := checker{opt: opt}
	if c.opt.Location == nil {
		c.opt.Location = time.UTC
	}
	if c.opt.Now.IsZero() {
		c.opt.Now = time.Now()
	}
	for i := range d.Routes {
		c.route(&d.Routes[i])
	}
	for i := range d.Permissions {
		c.permission(&d.Permissions[i])
	}
	c.overlaps(d)
	c.noRoute(d)
	slices.SortStableFunc(c.out, func(a, b Finding) int {
		return cmp.Compare(rank(a.Severity), rank(b.Severity))
	})
	return c.out
}

func rank(s Severity) int {
	if s == Error {
		return 0
	}
	return 1
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == Error })
}

type checker struct {
	opt    Options
	out    []Finding
	hsaLow map[string]string // lower-cased HSA-id -> as in the tree, built on first use
}

func (c *checker) add(sev Severity, rule, msg string, entries ...string) {
	c.out = append(c.out, Finding{Severity: sev, Rule: rule, Message: msg, Entries: entries})
}

func (c *checker) describeRoute(r *takdata.Route) string {
	return fmt.Sprintf("%s: route %q -> %q (%s, %s, %s)", origin(r.Origin, r.ID), r.Receiver, redact.URL(r.Address), r.Contract, r.Profile, c.span(&r.Validity))
}

func (c *checker) describePerm(p *takdata.Permission) string {
	return fmt.Sprintf("%s: permission %q -> %q (%s, %s)", origin(p.Origin, p.ID), p.Sender, p.Receiver, p.Contract, c.span(&p.Validity))
}

func origin(o, id string) string {
	if o != "" {
		return o
	}
	return "id " + id
}

func (c *checker) span(v *takdata.Validity) string {
	return c.bound(v.From, false) + " to " + c.bound(v.To, true)
}

// bound shows a validity end as a date when it is a calendar date.
func (c *checker) bound(t time.Time, end bool) string {
	if t.IsZero() {
		return "unbounded"
	}
	if d, ok := takdata.CalendarDate(t, end, c.opt.Location); ok {
		return d
	}
	return t.In(c.opt.Location).Format(time.RFC3339Nano)
}

func (c *checker) hsaID(what, id, entry string, star bool) {
	switch {
	case star && id == "*":
	case id == "":
		c.add(Error, "hsa-id", what+" is empty", entry)
	case strings.TrimSpace(id) != id:
		c.add(Error, "hsa-id", fmt.Sprintf("%s %q has leading or trailing whitespace: VP does not trim, calls with the clean id find nothing", what, id), entry)
	case !hsaIDRule.MatchString(id):
		c.add(Error, "hsa-id", fmt.Sprintf("%s %q: TAK allows only letters, digits, '_' and '-'", what, id), entry)
	}
	if c.opt.Tree != nil && id != "*" && !c.opt.Tree.Contains(id) {
		if c.hsaLow == nil {
			c.hsaLow = make(map[string]string, c.opt.Tree.Len())
			for _, u := range c.opt.Tree.IDs() {
				c.hsaLow[strings.ToLower(u)] = u
			}
		}
		if u, ok := c.hsaLow[strings.ToLower(id)]; ok {
			c.add(Warning, "hsa-case", fmt.Sprintf("%s %q matches HSA unit %q only case-insensitively: TAK lookups ignore case but VP's HSA tree walk does not, so calls to %q are not routed via its HSA parents", what, id, u, id), entry)
		}
	}
}

func (c *checker) namespace(ns, entry string) {
	switch {
	case ns == "":
		c.add(Error, "namespace", "contract namespace is empty", entry)
	case !namespaceRule.MatchString(ns):
		c.add(Error, "namespace", fmt.Sprintf("contract namespace %q: TAK allows only letters, digits and _ . : -", ns), entry)
	}
}

func (c *checker) validity(v *takdata.Validity, entry string) {
	if !v.From.IsZero() && !v.To.IsZero() && v.To.Before(v.From) {
		c.add(Error, "validity", "tom is before from: never valid", entry)
		return
	}
	if !v.To.IsZero() && v.To.Before(c.opt.Now) {
		c.add(Warning, "expired", "expired: valid until "+c.bound(v.To, true), entry)
	}
}

func (c *checker) route(r *takdata.Route) {
	e := c.describeRoute(r)
	c.hsaID("receiver", r.Receiver, e, true)
	c.namespace(r.Contract, e)
	c.validity(&r.Validity, e)
	_, addrErr := takdata.ParseAddress(r.Address)
	switch a := r.Address; {
	case strings.TrimSpace(a) == "":
		c.add(Error, "address", "empty address: calls get VP010", e)
	case addrErr != nil:
		c.add(Error, "address", addrErr.Error()+": calls get VP009", e)
	case !addressRule.MatchString(a):
		c.add(Error, "address", fmt.Sprintf("address %q: TAK allows only letters, digits and _ . : / - ? &", a), e)
	case len(a) < 5 || len(a) > 255:
		c.add(Error, "address", fmt.Sprintf("address is %d characters: TAK wants 5 to 255", len(a)), e)
	}
	// VP compares profiles case-insensitively, so only the name matters.
	if _, err := rivta.ParseProfile(string(r.Profile)); err != nil {
		c.add(Warning, "profile", fmt.Sprintf("profile %q is neither RIVTABP20 nor RIVTABP21: VP answers VP005", r.Profile), e)
	}
}

func (c *checker) permission(p *takdata.Permission) {
	e := c.describePerm(p)
	c.hsaID("sender", p.Sender, e, false)
	c.hsaID("receiver", p.Receiver, e, true)
	c.namespace(p.Contract, e)
	c.validity(&p.Validity, e)
}

func key(parts ...string) string { return strings.ToLower(strings.Join(parts, "|")) }

// overlaps finds routes (and permissions) with the same key valid at the
// same instant: VP answers VP006 for such routes, and TAK refuses both.
func (c *checker) overlaps(d *takdata.Data) {
	routes := map[string][]int{}
	var order []string
	for i, r := range d.Routes {
		k := key(r.Receiver, r.Contract)
		if _, ok := routes[k]; !ok {
			order = append(order, k)
		}
		routes[k] = append(routes[k], i)
	}
	for _, k := range order {
		idx := routes[k]
		for a := 0; a < len(idx); a++ {
			for b := a + 1; b < len(idx); b++ {
				ra, rb := &d.Routes[idx[a]], &d.Routes[idx[b]]
				if ra.Overlaps(&rb.Validity) {
					c.add(Error, "overlap", fmt.Sprintf("two routes for receiver %q and contract %s are valid at the same time: calls get VP006", ra.Receiver, ra.Contract),
						c.describeRoute(ra), c.describeRoute(rb))
				}
			}
		}
	}
	perms := map[string][]int{}
	order = order[:0]
	for i, p := range d.Permissions {
		k := key(p.Receiver, p.Sender, p.Contract)
		if _, ok := perms[k]; !ok {
			order = append(order, k)
		}
		perms[k] = append(perms[k], i)
	}
	for _, k := range order {
		idx := perms[k]
		for a := 0; a < len(idx); a++ {
			for b := a + 1; b < len(idx); b++ {
				pa, pb := &d.Permissions[idx[a]], &d.Permissions[idx[b]]
				if pa.Overlaps(&pb.Validity) {
					c.add(Warning, "overlap-permission", fmt.Sprintf("two permissions for %q to call %q with %s overlap: harmless for VP, but TAK refuses it", pa.Sender, pa.Receiver, pa.Contract),
						c.describePerm(pa), c.describePerm(pb))
				}
			}
		}
	}
}

// noRoute finds permissions for which no route could ever be found: none
// for the receiver, its HSA ancestors or "*" (any validity), so every call
// the permission allows gets VP004.
func (c *checker) noRoute(d *takdata.Data) {
	have := make(map[string]bool, len(d.Routes))
	anyFor := map[string]bool{}
	for _, r := range d.Routes {
		have[key(r.Receiver, r.Contract)] = true
		anyFor[strings.ToLower(r.Contract)] = true
	}
	for i := range d.Permissions {
		p := &d.Permissions[i]
		ns := strings.ToLower(p.Contract)
		if c.answeredByGateway(p, have) {
			continue
		}
		if p.Receiver == "*" {
			if !anyFor[ns] {
				c.add(Error, "no-route", fmt.Sprintf("default permission for contract %s, but no route for that contract at all", p.Contract), c.describePerm(p))
			}
			continue
		}
		if have[key(p.Receiver, p.Contract)] || have[key("*", p.Contract)] {
			continue
		}
		found := c.opt.Tree.Walk(p.Receiver, func(a string) bool { return have[key(a, p.Contract)] })
		if !found {
			c.add(Error, "no-route", fmt.Sprintf("no route for receiver %q (nor an HSA ancestor, nor \"*\") with contract %s: calls get VP004", p.Receiver, p.Contract), c.describePerm(p))
		}
	}
}

// answeredByGateway reports whether p is for a service the gateway answers
// itself, which needs no route. With the platform address unknown, a
// platform-service permission no direct route serves is a warning.
func (c *checker) answeredByGateway(p *takdata.Permission, have map[string]bool) bool {
	if !slices.Contains(c.opt.PlatformContracts, p.Contract) {
		return false
	}
	if len(c.opt.PlatformAddresses) > 0 {
		return slices.ContainsFunc(c.opt.PlatformAddresses, func(a string) bool { return strings.EqualFold(a, p.Receiver) })
	}
	if !have[key(p.Receiver, p.Contract)] && !have[key("*", p.Contract)] {
		c.add(Warning, "platform-service", fmt.Sprintf("no route for receiver %q with platform service %s: fine when %q is the gateway's platform.logical_address, which answers it (say so with --platform-address), else calls get VP004", p.Receiver, p.Contract, p.Receiver), c.describePerm(p))
	}
	return true
}
