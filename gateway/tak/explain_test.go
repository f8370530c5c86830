package tak_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
)

func TestTraceSteps(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"":                                    nil,
		"receiver-1":                          {"receiver-1"},
		"AnyReceiver,(parent),SE,(default),*": {"AnyReceiver", "SE", "*"},
		"SE0000000004-1234,(parent),SE,SE,(default),*": {"SE0000000004-1234", "SE", "SE", "*"},
		"(leaf),receiver-4,receiver-3":                 {"receiver-4", "receiver-3"},
		"(leaf),Invalid parameters":                    {},
	}
	for trace, want := range tests {
		if got := tak.TraceSteps(trace); !slices.Equal(got, want) {
			t.Errorf("TraceSteps(%q) = %q, want %q", trace, got, want)
		}
	}
}

// TestExplain: the entries behind each answer and the receiver's HSA path,
// on VP's tree.
func TestExplain(t *testing.T) {
	t.Parallel()
	tree := vpTree(t)
	expired := taktest.Between(taktest.R(r1, ns1, riv21, a3), at.Add(-48*time.Hour), at.Add(-24*time.Hour))
	d := &takdata.Data{
		Routes: []takdata.Route{
			taktest.R(inHSA, ns1, riv21, a2), expired, taktest.R(r1, ns1, riv21, a1), taktest.R(r3, ns1, riv20, a1), taktest.R(r3, ns1, riv21, a2),
			taktest.R("*", ns2, riv21, a3),
		},
		Permissions: []takdata.Permission{taktest.P(s1, inHSA, ns1), taktest.P(s1, "*", ns2), taktest.P(s2, r1, ns1), taktest.P(s2, r1, ns1)},
	}
	cat := tak.Build(d, tree, tak.BuildOptions{})
	tests := []struct {
		name              string
		q                 tak.Query
		fault             string
		routeKey, authKey string
		routes, perms     int
		path              string
	}{
		{name: "route and permission on an HSA ancestor", q: tak.Query{Contract: ns1, Receiver: childInHSA, Sender: s1},
			routeKey: inHSA, authKey: inHSA, routes: 1, perms: 1, path: "SE0000000001-1234 SE0000000002-1234 SE0000000003-1234 SE0000000004-1234 SE SE"}, // VP walks the tree's own SE unit once more
		{name: "exact route, two identical permissions, the expired route left out", q: tak.Query{Contract: ns1, Receiver: r1, Sender: s2},
			routeKey: r1, authKey: r1, routes: 1, perms: 2, path: "receiver-1 SE"},
		{name: "default route and default permission", q: tak.Query{Contract: ns2, Receiver: r2, Sender: s1},
			routeKey: "*", authKey: "*", routes: 1, perms: 1, path: "receiver-2 SE"},
		{name: "VP006: both overlapping routes", q: tak.Query{Contract: ns1, Receiver: r3, Sender: s1}, fault: "VP006",
			routeKey: r3, routes: 2, path: "receiver-3 SE"},
		{name: "VP007: the route, no permission", q: tak.Query{Contract: ns1, Receiver: r1, Sender: s1}, fault: "VP007",
			routeKey: r1, routes: 1, path: "receiver-1 SE"},
		{name: "VP004: nothing", q: tak.Query{Contract: ns1, Receiver: r4, Sender: s1}, fault: "VP004", path: "receiver-4 SE"},
		{name: "VG#VE: the token, no path", q: tak.Query{Contract: ns1, Receiver: r4 + "#" + r1, Sender: s2},
			routeKey: r1, authKey: r1, routes: 1, perms: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.q.At = at
			e := cat.Explain(tc.q)
			if faultCode(e.Fault) != tc.fault || e.RouteKey != tc.routeKey || e.AuthKey != tc.authKey ||
				len(e.Routes) != tc.routes || len(e.Permissions) != tc.perms || strings.Join(e.Path, " ") != tc.path {
				t.Errorf("got fault %q route %q (%d) auth %q (%d) path %q", faultCode(e.Fault), e.RouteKey, len(e.Routes), e.AuthKey, len(e.Permissions), strings.Join(e.Path, " "))
			}
			for _, r := range e.Routes {
				if !r.ValidAt(at) {
					t.Errorf("route %+v not valid at %s", r, at)
				}
			}
			if d := cat.Decide(tc.q); d.RoutingTrace != e.RoutingTrace || d.AuthTrace != e.AuthTrace || faultCode(d.Fault) != faultCode(e.Fault) {
				t.Errorf("Explain's decision differs from Decide's: %+v vs %+v", e.Decision, d)
			}
		})
	}
}
