package platform

import (
	"strings"
	"time"

	"github.com/rivgate/rivgate/gateway/tak"
)

// New returns the Service the gateway uses: it reads the TAK store's current
// catalogue and status on every call (store.Catalogue, store.Status), so a
// reload takes effect at once. A nil catalogue means nothing is loaded.
func New(cfg Config, cat func() *tak.Catalogue, status func() tak.Status) *Service {
	return NewWith(cfg,
		func() Catalogue {
			c := cat()
			if c == nil {
				return nil
			}
			return FromTAK(c)
		},
		func() Status {
			st := status()
			return Status{
				State: string(st.State), Source: st.Source, Time: st.Time, Loaded: st.Loaded,
				Routes: st.Routes, Permissions: st.Permissions, Message: st.Message,
			}
		})
}

// FromTAK adapts a TAK catalogue. Routing and authorisation questions go to
// its Decide and Authorize, so the answers follow exactly the rules calls are
// routed and authorised by.
func FromTAK(c *tak.Catalogue) Catalogue { return takCatalogue{c} }

type takCatalogue struct{ c *tak.Catalogue }

func (t takCatalogue) LogicalAddressees(sender, contract string, at time.Time) []Addressee {
	as := t.c.LogicalAddressees(sender, contract, at)
	out := make([]Addressee, 0, len(as))
	for _, a := range as {
		x := Addressee{Receiver: a.Receiver}
		for _, f := range a.Filters {
			x.Filters = append(x.Filters, Filter{ServiceDomain: f.ServiceDomain, Categorizations: f.Categorizations})
		}
		out = append(out, x)
	}
	return out
}

func (t takCatalogue) SupportedContracts(sender, receiver string, at time.Time) []string {
	return t.c.SupportedContracts(sender, receiver, at)
}

// RoutedReceivers scans the routes: platform calls are rare, and a scan
// needs no index the routing hot path would pay for.
func (t takCatalogue) RoutedReceivers(contract string, at time.Time) []string {
	var out []string
	seen := map[string]bool{}
	for i := range t.c.Data().Routes {
		r := &t.c.Data().Routes[i]
		k := strings.ToLower(r.Receiver)
		if r.Receiver == tak.DefaultReceiver || seen[k] || !strings.EqualFold(r.Contract, contract) || !r.ValidAt(at) {
			continue
		}
		seen[k] = true
		out = append(out, r.Receiver)
	}
	return out
}

func (t takCatalogue) RoutedContracts() []string {
	var out []string
	seen := map[string]bool{}
	for i := range t.c.Data().Routes {
		ns := t.c.Data().Routes[i].Contract
		if k := strings.ToLower(ns); !seen[k] {
			seen[k] = true
			out = append(out, ns)
		}
	}
	return out
}

func (t takCatalogue) Routed(contract, receiver string, at time.Time) bool {
	d := t.c.Decide(tak.Query{Contract: contract, Receiver: receiver, At: at})
	return d.Fault == nil && d.Route != nil
}

// Authorized asks the catalogue; the last step of its trace is the receiver
// whose permission matched (the receiver itself, "*" or an HSA ancestor).
func (t takCatalogue) Authorized(sender, contract, receiver string, at time.Time) (string, bool) {
	trace, fault := t.c.Authorize(tak.Query{Contract: contract, Receiver: receiver, Sender: sender, At: at})
	if fault != nil {
		return "", false
	}
	if i := strings.LastIndexByte(trace, ','); i >= 0 {
		return trace[i+1:], true
	}
	return trace, true
}
