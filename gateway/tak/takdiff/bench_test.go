package takdiff_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takdiff"
	"github.com/rivgate/rivgate/gateway/tak/takdiff/takdifftest"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// national builds a generated catalogue of n routes and n permissions and
// its changed copy (takdifftest.Change: 1% of the entries each way).
func national(b testing.TB, n int) (old, new *tak.Catalogue) {
	b.Helper()
	loc, err := takdata.LoadZone("")
	if err != nil {
		b.Fatal(err)
	}
	od := taktest.Generate(n, loc)
	nd := takdifftest.Change(od, takdifftest.ChangeOptions{Every: 100, At: benchAt})
	return tak.Build(od, nil, tak.BuildOptions{}), tak.Build(nd, nil, tak.BuildOptions{})
}

var benchAt = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// TestDiffNationalScale: a 10,000-entry catalogue with 1% of its entries
// changed each way gives exactly the effects the change implies (each
// generated route has one consumer).
func TestDiffNationalScale(t *testing.T) {
	t.Parallel()
	old, new := national(t, 10_000)
	rep := takdiff.Diff(old, new, takdiff.Options{At: benchAt, Window: 60 * 24 * time.Hour})
	want := takdifftest.Expect(10_000, 100)
	counts := map[takdiff.EffectKind]int{}
	for _, e := range rep.Effects {
		counts[e.Kind]++
		if len(e.Causes) == 0 {
			t.Fatalf("effect without cause: %+v", e)
		}
	}
	if len(rep.Changes) != want.Changes || counts[takdiff.Broken] != want.Broken || counts[takdiff.Moved] != want.Moved || counts[takdiff.Fixed] != want.Fixed {
		t.Fatalf("changes %d (want %d), effects %v (want broken %d, moved %d, fixed %d)", len(rep.Changes), want.Changes, counts, want.Broken, want.Moved, want.Fixed)
	}
	if len(rep.Boundaries) != 1 || len(rep.Boundaries[0].Effects) != want.Lapsing {
		t.Fatalf("boundaries: %d, want one where %d permissions lapse", len(rep.Boundaries), want.Lapsing)
	}
}

// BenchmarkDiff100k: 100,000 routes and 100,000 permissions, 1% of each
// changed (removed, end-dated, moved, added), diffed at one moment and
// across a 30-day window.
func BenchmarkDiff100k(b *testing.B) {
	old, new := national(b, 100_000)
	defer reportCPU(b)()
	for b.Loop() {
		rep := takdiff.Diff(old, new, takdiff.Options{At: benchAt, Window: 30 * 24 * time.Hour})
		if len(rep.Effects) == 0 {
			b.Fatal("no effects")
		}
	}
}

// BenchmarkReloadDiff100k is the comparison the gateway runs in the
// background after a reload (gateway/changes.go): the 100k catalogues at
// one moment, no window, with the 1,024 triples its traffic counter holds
// replayed through both.
func BenchmarkReloadDiff100k(b *testing.B) {
	old, new := national(b, 100_000)
	log := takdifftest.NewLog(old.Data(), 1024, benchAt.Add(-time.Hour))
	tr := exchangelog.NewTraffic(time.UTC)
	if err := tr.Read(log.Reader(100_000)); err != nil {
		b.Fatal(err)
	}
	tr.Finish()
	defer reportCPU(b)()
	for b.Loop() {
		rep := takdiff.Diff(old, new, takdiff.Options{At: benchAt, Traffic: tr})
		if len(rep.Effects) == 0 || len(rep.Calls) == 0 {
			b.Fatal("no effects")
		}
	}
}

// BenchmarkReloadUnchanged100k is that comparison after a poll that read
// the same 100k catalogue again (every tak.poll of a live TAK).
func BenchmarkReloadUnchanged100k(b *testing.B) {
	old, _ := national(b, 100_000)
	again := tak.Build(old.Data(), nil, tak.BuildOptions{})
	defer reportCPU(b)()
	for b.Loop() {
		if rep := takdiff.Diff(old, again, takdiff.Options{At: benchAt}); len(rep.Changes) != 0 {
			b.Fatal("changes")
		}
	}
}

// reportCPU adds the process's CPU time per op (all threads, GC included):
// on a shared machine wall time says more about the neighbours.
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	b.ResetTimer()
	return func() { b.ReportMetric((cpuTime(b)-start).Seconds()/float64(b.N), "cpu-s/op") }
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReplay1M replays a million exchange lines (10,000 distinct
// calls) through both 100k catalogues: read and count the log, then decide
// each distinct call on both sides.
func BenchmarkReplay1M(b *testing.B) {
	old, new := national(b, 100_000)
	log := takdifftest.NewLog(old.Data(), 10_000, benchAt.Add(-24*time.Hour))
	const lines = 1_000_000
	b.SetBytes(int64(log.Size(lines)))
	defer reportCPU(b)()
	for b.Loop() {
		tr := exchangelog.NewTraffic(time.UTC)
		if err := tr.Read(log.Reader(lines)); err != nil {
			b.Fatal(err)
		}
		tr.Finish()
		if tr.Exchanges != lines {
			b.Fatalf("%d exchanges", tr.Exchanges)
		}
		rep := takdiff.Diff(old, new, takdiff.Options{At: benchAt, Traffic: tr})
		if len(rep.Calls) == 0 {
			b.Fatal("no logged call changes")
		}
	}
}

// treeScale is a national-size HSA tree (21 regions of 2,500 units, in
// care providers of 50) and a catalogue on it: per contract, a route and a
// permission on each region and a default route, 100 contracts.
func treeScale(b testing.TB) (old, new *tak.Catalogue, units int) {
	b.Helper()
	var us []hsa.Unit
	var routes []takdata.Route
	var perms []takdata.Permission
	for r := range 21 {
		region := fmt.Sprintf("SE23210000%02d-REG", r)
		us = append(us, hsa.Unit{HSAID: region, DN: fmt.Sprintf("ou=R%d,c=SE", r)})
		for p := range 50 {
			prov := fmt.Sprintf("%s-P%d", region, p)
			us = append(us, hsa.Unit{HSAID: prov, DN: fmt.Sprintf("ou=P%d,ou=R%d,c=SE", p, r)})
			for u := range 49 {
				us = append(us, hsa.Unit{HSAID: fmt.Sprintf("%s-U%d", prov, u), DN: fmt.Sprintf("ou=U%d,ou=P%d,ou=R%d,c=SE", u, p, r)})
			}
		}
		for c := range 100 {
			ns := fmt.Sprintf("urn:riv:tree:Contract%dResponder:1", c)
			routes = append(routes, taktest.R(region, ns, "RIVTABP21", "https://"+region+".example.se/"+ns))
			perms = append(perms, taktest.P(fmt.Sprintf("SE2321000016-C%d", c%7), region, ns))
		}
	}
	for c := range 100 {
		ns := fmt.Sprintf("urn:riv:tree:Contract%dResponder:1", c)
		routes = append(routes, taktest.R(tak.DefaultReceiver, ns, "RIVTABP21", "https://national.example.se/"+ns))
		perms = append(perms, taktest.P("SE2321000016-NAT", tak.DefaultReceiver, ns))
	}
	tree := hsa.Build(us)
	od := &takdata.Data{Routes: routes, Permissions: perms}
	// The change: every default route and the first region's routes go.
	nd := &takdata.Data{Permissions: perms}
	for _, r := range routes {
		if r.Receiver != tak.DefaultReceiver && r.Receiver != "SE2321000000-REG" {
			nd.Routes = append(nd.Routes, r)
		}
	}
	return tak.Build(od, tree, tak.BuildOptions{}), tak.Build(nd, tree, tak.BuildOptions{}), len(us)
}

// TestDiffTreeScale: removing every default route and one region's routes
// over a 52,521-unit tree; the region's units answer in one group per care
// provider, and the default routes' loss shows as "any other receiver".
func TestDiffTreeScale(t *testing.T) {
	t.Parallel()
	old, new, units := treeScale(t)
	rep := takdiff.Diff(old, new, takdiff.Options{At: benchAt})
	groups, other, region := 0, 0, 0
	for _, e := range rep.Effects {
		switch {
		case e.OtherReceivers:
			other++
		case e.Units > 0:
			groups++
		case e.Receiver == "SE2321000000-REG":
			region++
		}
	}
	// Per contract: the region itself for its consumer and the national
	// one, the region's units (no entries of their own) as one group for
	// each, and any other receiver for the national consumer.
	if units != 52_521 || region != 200 || groups != 200 || other != 100 || len(rep.Effects) != 500 {
		t.Fatalf("%d units: %d effects: region %d, groups %d, other %d", units, len(rep.Effects), region, groups, other)
	}
	for _, e := range rep.Effects {
		if e.Units > 0 && e.Units != 2_500 {
			t.Fatalf("group %+v: want the region's 2,500 units", e)
		}
	}
}

// BenchmarkDiffTree: the tree-scale change above.
func BenchmarkDiffTree(b *testing.B) {
	old, new, _ := treeScale(b)
	defer reportCPU(b)()
	for b.Loop() {
		if rep := takdiff.Diff(old, new, takdiff.Options{At: benchAt}); len(rep.Effects) == 0 {
			b.Fatal("no effects")
		}
	}
}

// BenchmarkCount reads and counts a million exchange lines over 10,000
// distinct calls (a day of national traffic) with internal/exchangelog.
func BenchmarkCount(b *testing.B) {
	loc, err := takdata.LoadZone("")
	if err != nil {
		b.Fatal(err)
	}
	log := takdifftest.NewLog(taktest.Generate(100_000, loc), 10_000, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	const lines = 1_000_000
	b.SetBytes(int64(log.Size(lines)))
	b.ReportAllocs()
	for b.Loop() {
		tr := exchangelog.NewTraffic(loc)
		if err := tr.Read(log.Reader(lines)); err != nil {
			b.Fatal(err)
		}
		if tr.Finish().Exchanges != lines {
			b.Fatal("lines lost")
		}
	}
}
