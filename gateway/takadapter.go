package gateway

import (
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/tak"
)

// takCatalogue adapts *tak.Catalogue to Catalogue.
type takCatalogue struct{ c *tak.Catalogue }

// Decide implements Catalogue.
func (t takCatalogue) Decide(q Query) Decision {
	d := t.c.Decide(tak.Query{Contract: q.Contract, Receiver: q.Receiver, Sender: q.Sender, At: q.At})
	out := Decision{Fault: d.Fault, RoutingTrace: d.RoutingTrace, AuthTrace: d.AuthTrace}
	if d.Route != nil {
		out.Route = &Route{Receiver: d.Route.Receiver, Contract: d.Route.Contract, Profile: d.Route.Profile, Address: d.Route.Address}
	}
	return out
}

// Authorize implements Catalogue.
func (t takCatalogue) Authorize(q Query) (string, *vpfault.Fault) {
	return t.c.Authorize(tak.Query{Contract: q.Contract, Receiver: q.Receiver, Sender: q.Sender, At: q.At})
}
