package takdiff_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/exchangelog"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takdiff"
	"github.com/rivgate/rivgate/gateway/tak/takdiff/takdifftest"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
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
