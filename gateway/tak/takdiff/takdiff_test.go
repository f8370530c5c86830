package takdiff_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takdiff"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

const (
	ns      = "urn:riv:test:GetThingsResponder:1"
	ns2     = "urn:riv:test:GetOtherThingsResponder:1"
	cons1   = "SE2321000016-CONS1"
	cons2   = "SE2321000016-CONS2"
	region  = "SE2321000016-REGION"
	clinic1 = "SE2321000016-CLINIC1"
	clinic2 = "SE2321000016-CLINIC2"
	ward1   = "SE2321000016-WARD1"
	ward2   = "SE2321000016-WARD2"
	ward3   = "SE2321000016-WARD3"
	elsewh  = "SE2321000016-ELSEWHERE"
	addrA   = "https://a.example.se/GetThings"
	addrB   = "https://b.example.se/GetThings"
)

var at = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// testTree is a small HSA tree: a region with two clinics, three wards
// under the first, and a unit elsewhere in the country.
func testTree() *hsa.Tree {
	u := func(id, dn string) hsa.Unit { return hsa.Unit{HSAID: id, DN: dn} }
	return hsa.Build([]hsa.Unit{
		u(region, "ou=Region,c=SE"),
		u(clinic1, "ou=Clinic1,ou=Region,c=SE"),
		u(clinic2, "ou=Clinic2,ou=Region,c=SE"),
		u(ward1, "ou=Ward1,ou=Clinic1,ou=Region,c=SE"),
		u(ward2, "ou=Ward2,ou=Clinic1,ou=Region,c=SE"),
		u(ward3, "ou=Ward3,ou=Clinic1,ou=Region,c=SE"),
		u(elsewh, "ou=Elsewhere,c=SE"),
	})
}

type cat struct {
	routes []takdata.Route
	perms  []takdata.Permission
}

func (c cat) build(tree *hsa.Tree) *tak.Catalogue { return c.buildWith(tree, tak.BuildOptions{}) }

func (c cat) buildWith(tree *hsa.Tree, opt tak.BuildOptions) *tak.Catalogue {
	d := &takdata.Data{Routes: slices.Clone(c.routes), Permissions: slices.Clone(c.perms)}
	return tak.Build(d, tree, opt)
}

func route(recv, addr string) takdata.Route { return taktest.R(recv, ns, rivta.RIVTABP21, addr) }

func perm(sender, recv string) takdata.Permission { return taktest.P(sender, recv, ns) }

func until(p takdata.Permission, to time.Time) takdata.Permission {
	p.To = to
	return p
}

func from(r takdata.Route, f time.Time) takdata.Route {
	r.From = f
	return r
}

// summary is one effect in a line: kind, sender, receiver (with its group
// or "(other)"), old and new code.
func summary(e takdiff.Effect) string {
	recv := e.Receiver
	if e.Units > 0 {
		recv += fmt.Sprintf("[%d under %s]", e.Units, e.Under)
	}
	s := e.Sender
	if s == "" {
		s = "-"
	}
	return fmt.Sprintf("%s %s %s %s->%s", e.Kind, s, recv, e.Old.Code, e.New.Code)
}

func summaries(es []takdiff.Effect) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, summary(e))
	}
	return out
}

// TestDiffEffects covers every effect a change can have, one hand-made
// catalogue pair each: the answers come from the real lookup.
func TestDiffEffects(t *testing.T) {
	t.Parallel()
	tree := testTree()
	base := cat{
		routes: []takdata.Route{route(clinic1, addrA)},
		perms:  []takdata.Permission{perm(cons1, clinic1)},
	}
	tests := []struct {
		name     string
		old, new cat
		changes  []string // kind entry receiver [fields]
		effects  []string
		broken   int
	}{
		{
			name: "route removed: VP004",
			old:  base, new: cat{perms: base.perms},
			changes: []string{"removed route " + clinic1},
			effects: []string{"broken " + cons1 + " " + clinic1 + " OK->VP004", "broken " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->VP004"},
			broken:  2,
		},
		{
			name: "permission removed: VP007",
			old:  base, new: cat{routes: base.routes},
			changes: []string{"removed permission " + clinic1},
			effects: []string{"broken " + cons1 + " " + clinic1 + " OK->VP007", "broken " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->VP007"},
			broken:  2,
		},
		{
			name: "permission ended a day early: VP007 now",
			old:  base, new: cat{routes: base.routes, perms: []takdata.Permission{until(perm(cons1, clinic1), at.Add(-24*time.Hour))}},
			changes: []string{"changed permission " + clinic1 + " validity"},
			effects: []string{"broken " + cons1 + " " + clinic1 + " OK->VP007", "broken " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->VP007"},
			broken:  2,
		},
		{
			name: "validity end moved within the future: not live, no effect",
			old:  base, new: cat{routes: base.routes, perms: []takdata.Permission{until(perm(cons1, clinic1), at.Add(24*time.Hour))}},
			changes: []string{"changed permission " + clinic1 + " validity (not live)"},
			effects: []string{},
		},
		{
			name: "new overlapping route: VP006",
			old:  base, new: cat{routes: []takdata.Route{route(clinic1, addrA), route(clinic1, addrB)}, perms: base.perms},
			changes: []string{"added route " + clinic1},
			effects: []string{"broken " + cons1 + " " + clinic1 + " OK->VP006", "broken " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->VP006"},
			broken:  2,
		},
		{
			name: "producer address changed: moved",
			old:  base, new: cat{routes: []takdata.Route{route(clinic1, addrB)}, perms: base.perms},
			changes: []string{"changed route " + clinic1 + " address"},
			effects: []string{"moved " + cons1 + " " + clinic1 + " OK->OK", "moved " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->OK"},
		},
		{
			name: "profile changed: moved",
			old:  base, new: cat{routes: []takdata.Route{taktest.R(clinic1, ns, rivta.RIVTABP20, addrA)}, perms: base.perms},
			changes: []string{"changed route " + clinic1 + " profile"},
			effects: []string{"moved " + cons1 + " " + clinic1 + " OK->OK", "moved " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->OK"},
		},
		{
			name: "empty address: VP010",
			old:  base, new: cat{routes: []takdata.Route{route(clinic1, "")}, perms: base.perms},
			changes: []string{"changed route " + clinic1 + " address"},
			effects: []string{"broken " + cons1 + " " + clinic1 + " OK->VP010", "broken " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->VP010"},
			broken:  2,
		},
		{
			name: "route removed where no consumer may call: routing alone, not counted as broken",
			old:  cat{routes: base.routes}, new: cat{},
			changes: []string{"removed route " + clinic1},
			effects: []string{"broken - " + clinic1 + " OK->VP004", "broken - " + ward1 + "[3 under " + clinic1 + "] OK->VP004"},
		},
		{
			name: "second route where the first has lapsed: VP004 to VP006 for a permitted consumer",
			old:  cat{perms: base.perms}, new: cat{routes: []takdata.Route{route(clinic1, addrA), route(clinic1, addrB)}, perms: base.perms},
			changes: []string{"added route " + clinic1, "added route " + clinic1},
			effects: []string{"refaulted " + cons1 + " " + clinic1 + " VP004->VP006", "refaulted " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] VP004->VP006"},
		},
		{
			name: "route on the region removed: the clinic without a route and its wards lose routing (HSA tree)",
			old: cat{
				routes: []takdata.Route{route(region, addrA), route(clinic2, addrB)},
				perms:  []takdata.Permission{perm(cons1, region), perm(cons1, clinic1), perm(cons2, clinic2)},
			},
			new: cat{
				routes: []takdata.Route{route(clinic2, addrB)},
				perms:  []takdata.Permission{perm(cons1, region), perm(cons1, clinic1), perm(cons2, clinic2)},
			},
			changes: []string{"removed route " + region},
			effects: []string{
				"broken " + cons1 + " " + clinic1 + " OK->VP004",
				"broken " + cons1 + " " + region + " OK->VP004",
				"broken " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->VP004",
			},
			broken: 3,
		},
		{
			name: "new route on a clinic takes its wards from the region's producer (HSA tree)",
			old: cat{
				routes: []takdata.Route{route(region, addrA)},
				perms:  []takdata.Permission{perm(cons1, region)},
			},
			new: cat{
				routes: []takdata.Route{route(region, addrA), route(clinic1, addrB)},
				perms:  []takdata.Permission{perm(cons1, region)},
			},
			changes: []string{"added route " + clinic1},
			effects: []string{
				"moved " + cons1 + " " + clinic1 + " OK->OK",
				"moved " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->OK",
			},
		},
		{
			name: "permission on the region removed: units below lose authorisation (HSA tree)",
			old: cat{
				routes: []takdata.Route{route(region, addrA)},
				perms:  []takdata.Permission{perm(cons1, region)},
			},
			new:     cat{routes: []takdata.Route{route(region, addrA)}},
			changes: []string{"removed permission " + region},
			effects: []string{
				"broken " + cons1 + " " + clinic1 + "[5 under " + region + "] OK->VP007",
				"broken " + cons1 + " " + region + " OK->VP007",
			},
			broken: 2,
		},
		{
			name: "default route added: receivers without a route of their own are routed to it",
			old: cat{
				routes: []takdata.Route{route(clinic1, addrA)},
				perms:  []takdata.Permission{perm(cons1, tak.DefaultReceiver)},
			},
			new: cat{
				routes: []takdata.Route{route(clinic1, addrA), route(tak.DefaultReceiver, addrB)},
				perms:  []takdata.Permission{perm(cons1, tak.DefaultReceiver)},
			},
			changes: []string{"added route *"},
			effects: []string{
				"fixed " + cons1 + " " + takdiff.OtherReceiver + " VP004->OK",
			},
		},
		{
			name: "default route removed: every receiver that used it, grouped, and any other receiver",
			old: cat{
				routes: []takdata.Route{route(clinic1, addrA), route(tak.DefaultReceiver, addrB)},
				perms:  []takdata.Permission{perm(cons1, tak.DefaultReceiver), perm(cons2, clinic2)},
			},
			new: cat{
				routes: []takdata.Route{route(clinic1, addrA)},
				perms:  []takdata.Permission{perm(cons1, tak.DefaultReceiver), perm(cons2, clinic2)},
			},
			changes: []string{"removed route *"},
			effects: []string{
				"broken " + cons1 + " " + clinic2 + " OK->VP004",
				"broken " + cons2 + " " + clinic2 + " OK->VP004",
				"broken " + cons1 + " " + takdiff.OtherReceiver + " OK->VP004",
			},
			broken: 3,
		},
		{
			name: "default permission added: VP007 becomes OK for every receiver with a route",
			old: cat{
				routes: []takdata.Route{route(clinic1, addrA), route(elsewh, addrB)},
			},
			new: cat{
				routes: []takdata.Route{route(clinic1, addrA), route(elsewh, addrB)},
				perms:  []takdata.Permission{perm(cons2, tak.DefaultReceiver)},
			},
			changes: []string{"added permission *"},
			effects: []string{
				"fixed " + cons2 + " " + clinic1 + " VP007->OK",
				"fixed " + cons2 + " " + elsewh + " VP007->OK",
				"fixed " + cons2 + " " + ward1 + "[3 under " + clinic1 + "] VP007->OK",
			},
		},
		{
			name: "unchanged catalogue",
			old:  base, new: base,
			changes: []string{},
			effects: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := takdiff.Diff(tc.old.build(tree), tc.new.build(tree), takdiff.Options{At: at})
			var changes []string
			for _, c := range rep.Changes {
				en := c.New
				if en == nil {
					en = c.Old
				}
				s := string(c.Kind) + " " + string(c.Entry) + " " + en.Receiver
				if len(c.Fields) > 0 {
					s += " " + strings.Join(c.Fields, ",")
				}
				if !c.Live {
					s += " (not live)"
				}
				changes = append(changes, s)
			}
			if changes == nil {
				changes = []string{}
			}
			if !slices.Equal(changes, tc.changes) {
				t.Errorf("changes:\n  %s\nwant\n  %s", strings.Join(changes, "\n  "), strings.Join(tc.changes, "\n  "))
			}
			if got := summaries(rep.Effects); !slices.Equal(got, tc.effects) {
				t.Errorf("effects:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.effects, "\n  "))
			}
			if got := rep.BrokenEffects(); got != tc.broken {
				t.Errorf("BrokenEffects() = %d, want %d", got, tc.broken)
			}
			checkCauses(t, rep.Changes, rep.Effects, func(c takdiff.Change) []int { return c.Effects })
		})
	}
}

// checkCauses: every effect names at least one live change as its cause,
// and each change lists back exactly the effects that name it.
func checkCauses(t *testing.T, changes []takdiff.Change, effects []takdiff.Effect, back func(takdiff.Change) []int) {
	t.Helper()
	want := make([][]int, len(changes))
	for i, e := range effects {
		if len(e.Causes) == 0 {
			t.Errorf("effect %s has no cause", summary(e))
		}
		for _, c := range e.Causes {
			if !changes[c].Live {
				t.Errorf("effect %s names change %d, which is not live", summary(e), c)
			}
			want[c] = append(want[c], i)
		}
	}
	for i, c := range changes {
		if got := back(c); !slices.Equal(got, want[i]) && (len(got) != 0 || len(want[i]) != 0) {
			t.Errorf("change %d lists %v, want %v", i, got, want[i])
		}
	}
}

// TestDiffTraces: each effect carries both lookups' traces, and the keys
// whose entries answered, as the catalogue gives them.
func TestDiffTraces(t *testing.T) {
	t.Parallel()
	tree := testTree()
	old := cat{routes: []takdata.Route{route(region, addrA)}, perms: []takdata.Permission{perm(cons1, tak.DefaultReceiver)}}
	new := cat{routes: []takdata.Route{route(region, addrA), route(ward2, addrB)}, perms: old.perms}
	oc, nc := old.build(tree), new.build(tree)
	rep := takdiff.Diff(oc, nc, takdiff.Options{At: at})
	if len(rep.Effects) != 1 {
		t.Fatalf("effects %v", summaries(rep.Effects))
	}
	e := rep.Effects[0]
	wantOld := oc.Decide(tak.Query{Contract: ns, Receiver: ward2, Sender: cons1, At: at})
	wantNew := nc.Decide(tak.Query{Contract: ns, Receiver: ward2, Sender: cons1, At: at})
	if e.Old.RoutingTrace != wantOld.RoutingTrace || e.New.RoutingTrace != wantNew.RoutingTrace ||
		e.Old.AuthTrace != wantOld.AuthTrace || e.New.AuthTrace != wantNew.AuthTrace {
		t.Errorf("traces %+v / %+v, want %+v / %+v", e.Old, e.New, wantOld, wantNew)
	}
	if e.Old.RoutingTrace != ward2+",(parent),"+clinic1+","+region {
		t.Errorf("old routing trace %q", e.Old.RoutingTrace)
	}
	if e.Old.RouteKey != region || e.New.RouteKey != ward2 || e.Old.AuthKey != "*" || e.New.Address != addrB {
		t.Errorf("keys %+v -> %+v", e.Old, e.New)
	}
}

// TestWindow: what lapses and starts in the days ahead, with the calls it
// breaks or fixes, at the exact instant of each boundary.
func TestWindow(t *testing.T) {
	t.Parallel()
	tree := testTree()
	lapse := at.Add(10 * 24 * time.Hour)
	start := at.Add(5 * 24 * time.Hour)
	c := cat{
		routes: []takdata.Route{route(clinic1, addrA), from(route(clinic2, addrB), start)},
		perms: []takdata.Permission{until(perm(cons1, clinic1), lapse), perm(cons2, clinic2),
			until(perm(cons2, clinic1), at.Add(40*24*time.Hour))},
	}.build(tree)
	tr := traffic(t, []line{{cons1, ns, clinic1, at.Add(-time.Hour), 30, false}, {cons2, ns, clinic2, at.Add(-time.Hour), 3, false}})
	rep := takdiff.Diff(c, c, takdiff.Options{At: at, Window: 30 * 24 * time.Hour, Traffic: tr})
	if len(rep.Changes) != 0 || len(rep.Effects) != 0 {
		t.Fatalf("one catalogue against itself: %v", rep.Changes)
	}
	if len(rep.Boundaries) != 2 {
		t.Fatalf("boundaries: %+v", rep.Boundaries)
	}
	b0, b1 := rep.Boundaries[0], rep.Boundaries[1]
	if !b0.At.Equal(start) || !b1.At.Equal(lapse.Add(time.Nanosecond)) {
		t.Errorf("boundaries at %s, %s; want %s, %s", b0.At, b1.At, start, lapse.Add(time.Nanosecond))
	}
	if got := summaries(b0.Effects); !slices.Equal(got, []string{"fixed " + cons2 + " " + clinic2 + " VP004->OK"}) {
		t.Errorf("route start: %v", got)
	}
	if got := summaries(b1.Effects); !slices.Equal(got, []string{"broken " + cons1 + " " + clinic1 + " OK->VP007", "broken " + cons1 + " " + ward1 + "[3 under " + clinic1 + "] OK->VP007"}) {
		t.Errorf("permission lapse: %v", got)
	}
	if len(b1.Calls) != 1 || b1.Calls[0].Traffic.Calls != 30 || b1.Calls[0].Kind != takdiff.Broken {
		t.Errorf("lapse calls: %+v", b1.Calls)
	}
	if len(b0.Calls) != 1 || b0.Calls[0].Traffic.Calls != 3 || b0.Calls[0].Kind != takdiff.Fixed {
		t.Errorf("start calls: %+v", b0.Calls)
	}
	if n := rep.BrokenEffects(); n != 2 {
		t.Errorf("BrokenEffects() = %d, want the lapse for the clinic and its wards", n)
	}
	if n, perDay := rep.BrokenCalls(); n != 1 || perDay != 30 {
		t.Errorf("BrokenCalls() = %d, %.1f/day; want the logged call, 30 a day", n, perDay)
	}
	checkCauses(t, b1.Changes, b1.Effects, func(c takdiff.Change) []int { return c.Effects })
}

type line struct {
	sender, contract, receiver string
	at                         time.Time
	n                          int
	platform                   bool
}

// traffic writes exchange lines as the gateway does and counts them.
func traffic(t *testing.T, ls []line) *exchangelog.Traffic {
	t.Helper()
	var b strings.Builder
	for _, l := range ls {
		for i := range l.n {
			fmt.Fprintf(&b, `{"level":"info","instance":"rivgate","kind":"service","correlation_id":"c-%d","sender":%q,"receiver":%q,"contract":%q,"status":200,"vp_code":"","platform_service":%t,"time":%q,"message":"exchange"}`+"\n",
				i, l.sender, l.receiver, l.contract, l.platform, l.at.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
		}
	}
	tr := exchangelog.NewTraffic(time.UTC)
	if err := tr.Read(strings.NewReader(b.String())); err != nil {
		t.Fatal(err)
	}
	return tr.Finish()
}

// TestReplay: logged calls, VG#VE receivers included (which a diff cannot
// enumerate), replayed through both catalogues with their calls per day.
func TestReplay(t *testing.T) {
	t.Parallel()
	tree := testTree()
	old := cat{
		routes: []takdata.Route{route(clinic1, addrA), route(clinic2, addrB)},
		perms:  []takdata.Permission{perm(cons1, clinic1), perm(cons1, clinic2)},
	}
	new := cat{routes: []takdata.Route{route(clinic1, addrA)}, perms: old.perms}
	day := 24 * time.Hour
	tr := traffic(t, []line{
		{cons1, ns, clinic1, at.Add(-2 * day), 50, false},             // unchanged
		{cons1, ns, clinic2, at.Add(-2 * day), 40, false},             // route removed
		{cons1, ns, clinic2, at.Add(-day), 20, false},                 // same call, next day
		{cons1, ns, "VG1#" + clinic2, at.Add(-day), 5, false},         // VG#VE: rightmost token has lost its route
		{cons1, ns2, clinic2, at.Add(-day), 7, false},                 // another contract: not replayed
		{cons1, strings.ToUpper(ns), clinic2, at.Add(-day), 1, false}, // contract case differs: same key
		{cons1, ns, clinic2, at.Add(-day), 9, true},                   // a platform service: authorisation alone, unchanged
		{cons2, ns, clinic1, at.Add(-day), 3, true},                   // and one whose permission never was
	})
	rep := takdiff.Diff(old.build(tree), new.build(tree), takdiff.Options{At: at, Traffic: tr})
	var got []string
	for _, c := range rep.Calls {
		got = append(got, fmt.Sprintf("%s %d %s", summary(c), c.Traffic.Calls, strings.Join(sortedDays(c.Traffic.PerDay), ",")))
	}
	want := []string{
		"broken " + cons1 + " " + clinic2 + " OK->VP004 60 2025-05-30=40,2025-05-31=20",
		"broken " + cons1 + " VG1#" + clinic2 + " OK->VP004 5 2025-05-31=5",
		"broken " + cons1 + " " + clinic2 + " OK->VP004 1 2025-05-31=1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("calls:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	checkCauses(t, rep.Changes, rep.Calls, func(c takdiff.Change) []int { return c.Calls })
	if rep.Calls[0].Old.RoutingTrace != clinic2 || rep.Calls[1].Old.RoutingTrace != "(leaf),"+clinic2 {
		t.Errorf("traces %q, %q", rep.Calls[0].Old.RoutingTrace, rep.Calls[1].Old.RoutingTrace)
	}
	// The log covers two calendar days: 60 calls are 30 a day.
	if pd := rep.Calls[0].CallsPerDay; pd != 30 {
		t.Errorf("calls per day %.1f", pd)
	}
}

func sortedDays(m map[string]int) []string {
	var out []string
	for d, n := range m {
		out = append(out, fmt.Sprintf("%s=%d", d, n))
	}
	slices.Sort(out)
	return out
}

// TestDiffCoversEveryChangedCall checks the choice of calls against brute
// force: for random catalogue pairs over a small tree, every call (any
// consumer, contract and receiver: HSA units, receivers outside the tree,
// each spelling the entries use) that works on either side and whose answer
// changes is in the report, as itself, as the representative of its group,
// or as "any other receiver", with the same answers.
func TestDiffCoversEveryChangedCall(t *testing.T) {
	t.Parallel()
	tree := testTree()
	senders := []string{cons1, cons2, "SE2321000016-CONS3"}
	contracts := []string{ns, ns2}
	units := []string{region, clinic1, clinic2, ward1, ward2, ward3, elsewh}
	keys := append(slices.Clone(units), tak.DefaultReceiver, "SE", strings.ToLower(clinic2), "SE2321000016-OUTSIDE1")
	calls := append(slices.Clone(units), "SE2321000016-OUTSIDE1", "SE2321000016-OUTSIDE2")
	day := 24 * time.Hour
	validities := [][2]time.Time{{}, {{}, at.Add(-day)}, {at.Add(day), {}}, {{}, at.Add(day)}, {at.Add(-day), {}}}
	rnd := rand.New(rand.NewPCG(23, 5))
	pick := func(xs []string) string { return xs[rnd.IntN(len(xs))] }
	randRoute := func() takdata.Route {
		r := taktest.R(pick(keys), pick(contracts), rivta.RIVTABP21, pick([]string{addrA, addrB, addrB, ""}))
		v := validities[rnd.IntN(len(validities))]
		r.From, r.To = v[0], v[1]
		return r
	}
	randPerm := func() takdata.Permission {
		p := taktest.P(pick(senders), pick(keys), pick(contracts))
		v := validities[rnd.IntN(len(validities))]
		p.From, p.To = v[0], v[1]
		return p
	}
	boundaries, effects := 0, 0
	for iter := range 300 {
		var old cat
		for range rnd.IntN(7) {
			old.routes = append(old.routes, randRoute())
		}
		for range rnd.IntN(7) {
			old.perms = append(old.perms, randPerm())
		}
		new := cat{routes: slices.Clone(old.routes), perms: slices.Clone(old.perms)}
		for range 1 + rnd.IntN(3) {
			switch rnd.IntN(4) {
			case 0:
				new.routes = append(new.routes, randRoute())
			case 1:
				new.perms = append(new.perms, randPerm())
			case 2:
				if len(new.routes) > 0 {
					new.routes = slices.Delete(new.routes, 0, 1)
				}
			case 3:
				if len(new.perms) > 0 {
					i := rnd.IntN(len(new.perms))
					new.perms[i].To = at.Add(-day)
				}
			}
		}
		// Tree climbing on, or off for routing or authorisation.
		var opt tak.BuildOptions
		switch iter % 3 {
		case 1:
			opt.HSALookup.Routing.Disabled = true
		case 2:
			opt.HSALookup.Authorization.Disabled = true
		}
		oc, nc := old.buildWith(tree, opt), new.buildWith(tree, opt)
		rep := takdiff.Diff(oc, nc, takdiff.Options{At: at, Window: 3 * day})
		checkCauses(t, rep.Changes, rep.Effects, func(c takdiff.Change) []int { return c.Effects })
		hasEntries := func(recv, contract string) bool {
			for _, c := range []cat{old, new} {
				for _, r := range c.routes {
					if strings.EqualFold(r.Receiver, recv) && strings.EqualFold(r.Contract, contract) {
						return true
					}
				}
				for _, p := range c.perms {
					if strings.EqualFold(p.Receiver, recv) && strings.EqualFold(p.Contract, contract) {
						return true
					}
				}
			}
			return false
		}
		// group is the nearest ancestor with entries of a unit without
		// entries ("" when none: "any other receiver").
		group := func(recv, contract string) (string, bool) {
			if hasEntries(recv, contract) {
				return "", false
			}
			anc := ""
			tree.Walk(recv, func(a string) bool {
				if a != "SE" && hasEntries(a, contract) {
					anc = a
					return true
				}
				return false
			})
			return anc, true
		}
		// Receivers as the tree spells them, unknown ones, and as the
		// contract's entries spell them.
		spellings := func(c string) []string {
			out := slices.Clone(calls)
			for _, x := range []cat{old, new} {
				for _, r := range x.routes {
					if r.Contract == c && !slices.Contains(out, r.Receiver) && r.Receiver != tak.DefaultReceiver {
						out = append(out, r.Receiver)
					}
				}
				for _, p := range x.perms {
					if p.Contract == c && !slices.Contains(out, p.Receiver) && p.Receiver != tak.DefaultReceiver {
						out = append(out, p.Receiver)
					}
				}
			}
			return out
		}
		// covered checks every call that changes between (a, ta) and (b, tb)
		// against effects.
		covered := func(what string, a, b *tak.Catalogue, ta, tb time.Time, effects []takdiff.Effect) {
			t.Helper()
			for _, s := range senders {
				for _, c := range contracts {
					for _, r := range spellings(c) {
						do := a.Decide(tak.Query{Contract: c, Receiver: r, Sender: s, At: ta})
						dn := b.Decide(tak.Query{Contract: c, Receiver: r, Sender: s, At: tb})
						if do.Fault != nil && dn.Fault != nil {
							continue
						}
						if do.Fault == nil && dn.Fault == nil && do.Route.Address == dn.Route.Address && strings.EqualFold(string(do.Route.Profile), string(dn.Route.Profile)) {
							continue
						}
						anc, plain := group(r, c)
						found := false
						for _, e := range effects {
							if !strings.EqualFold(e.Sender, s) || e.Contract != c {
								continue
							}
							if e.Receiver == r || (plain && anc != "" && e.Units > 0 && strings.EqualFold(e.Under, anc)) || (plain && anc == "" && e.OtherReceivers) {
								found = e.Old.Code == code(do) && e.New.Code == code(dn)
								break
							}
						}
						if !found {
							t.Fatalf("iteration %d, %s: %s -> %s (%s) changes %s -> %s but is not in the report %v\nold %+v\nnew %+v",
								iter, what, s, r, c, code(do), code(dn), summaries(effects), old, new)
						}
					}
				}
			}
		}
		covered("diff", oc, nc, at, at, rep.Effects)
		effects += len(rep.Effects)
		boundaries += len(rep.Boundaries)
		for _, b := range rep.Boundaries {
			checkCauses(t, b.Changes, b.Effects, func(c takdiff.Change) []int { return c.Effects })
			covered("boundary "+b.At.String(), nc, nc, b.At.Add(-time.Nanosecond), b.At, b.Effects)
		}
	}
	t.Logf("%d effects, %d boundaries checked", effects, boundaries)
	if effects < 100 || boundaries < 100 {
		t.Fatalf("the random catalogues exercised too little: %d effects, %d boundaries", effects, boundaries)
	}
}

func code(d tak.Decision) string {
	if d.Fault != nil {
		return d.Fault.Code.String()
	}
	return takdiff.OK
}

// TestReplayPlatform: a platform service call (the gateway answers it
// itself) is decided by authorisation alone, so it breaks with its
// permission, not with a route.
func TestReplayPlatform(t *testing.T) {
	t.Parallel()
	tree := testTree()
	old := cat{routes: []takdata.Route{route(clinic1, addrA)}, perms: []takdata.Permission{perm(cons1, clinic1), perm(cons2, clinic1)}}
	new := cat{perms: []takdata.Permission{perm(cons1, clinic1)}} // the route and cons2's permission go
	tr := traffic(t, []line{{cons1, ns, clinic1, at.Add(-time.Hour), 4, true}, {cons2, ns, clinic1, at.Add(-time.Hour), 2, true}})
	rep := takdiff.Diff(old.build(tree), new.build(tree), takdiff.Options{At: at, Traffic: tr})
	if len(rep.Calls) != 1 {
		t.Fatalf("calls %v", summaries(rep.Calls))
	}
	c := rep.Calls[0]
	if !c.Platform || c.Sender != cons2 || c.Kind != takdiff.Broken || c.New.Code != "VP007" || c.Old.RoutingTrace != "" || c.Old.AuthTrace != clinic1 || c.Traffic.Calls != 2 {
		t.Errorf("platform call %+v", c)
	}
}
