package tak_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/takclient"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
)

const bigN = 100_000

func stockholm(tb testing.TB) *time.Location {
	loc, err := takdata.LoadZone("")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func genCatalogue(tb testing.TB, n int) *tak.Catalogue {
	tb.Helper()
	d := taktest.Generate(n, stockholm(tb))
	tree, err := hsa.Load(taktest.VPHSA(tb)...)
	if err != nil {
		tb.Fatal(err)
	}
	return tak.Build(d, tree, tak.BuildOptions{})
}

// genQuery asks for the generated catalogue's first entry.
func genQuery() tak.Query {
	d := taktest.Generate(1, time.UTC)
	return tak.Query{Contract: d.Routes[0].Contract, Receiver: d.Routes[0].Receiver, Sender: d.Permissions[0].Sender,
		At: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

// TestExactLookupDoesNotAllocate is the hot path: a route and a permission
// for the exact receiver, also with input in another case.
func TestExactLookupDoesNotAllocate(t *testing.T) {
	c := genCatalogue(t, 10_000)
	for _, q := range []tak.Query{genQuery(), func() tak.Query {
		q := genQuery()
		q.Receiver, q.Contract = "se2321000016-r0", "URN:RIV:GENERATED:DOMAIN0:INTERACTION0RESPONDER:1"
		return q
	}()} {
		var d tak.Decision
		allocs := testing.AllocsPerRun(1000, func() { d = c.Decide(q) })
		if d.Fault != nil || d.Route == nil || d.RoutingTrace != q.Receiver || d.AuthTrace != q.Receiver {
			t.Fatalf("decision = %+v", d)
		}
		if allocs != 0 {
			t.Fatalf("exact Decide(%s) allocates %.1f times per call, want 0", q.Receiver, allocs)
		}
		if allocs := testing.AllocsPerRun(1000, func() { _, _ = c.Authorize(q) }); allocs != 0 {
			t.Fatalf("exact Authorize allocates %.1f times per call, want 0", allocs)
		}
	}
}

func BenchmarkDecideExact(b *testing.B) {
	c := genCatalogue(b, bigN)
	q := genQuery()
	b.ReportAllocs()
	for b.Loop() {
		if d := c.Decide(q); d.Fault != nil {
			b.Fatal(d.Fault)
		}
	}
}

func BenchmarkDecideExactOtherCase(b *testing.B) {
	c := genCatalogue(b, bigN)
	q := genQuery()
	q.Receiver, q.Contract = "se2321000016-r0", "URN:RIV:GENERATED:DOMAIN0:INTERACTION0RESPONDER:1"
	b.ReportAllocs()
	for b.Loop() {
		if d := c.Decide(q); d.Fault != nil {
			b.Fatal(d.Fault)
		}
	}
}

// BenchmarkDecideTreeWalkToVP004 is the slow path: no exact route, a walk
// up VP's HSA tree to SE, then "*" (none): VP004 with its trace.
func BenchmarkDecideTreeWalkToVP004(b *testing.B) {
	c := genCatalogue(b, bigN)
	q := genQuery()
	q.Receiver = "SE0000000001-1234"
	b.ReportAllocs()
	for b.Loop() {
		if d := c.Decide(q); d.Fault == nil {
			b.Fatal("want VP004")
		}
	}
}

// loadSources are the ways a 100k+100k catalogue gets loaded.
func loadSources(tb testing.TB) map[string]func() *tak.Catalogue {
	loc := stockholm(tb)
	gen := taktest.Generate(bigN, loc)
	var xmlBuf, jsonBuf bytes.Buffer
	if err := takformat.WriteCache(&xmlBuf, gen, takformat.Options{Location: loc}); err != nil {
		tb.Fatal(err)
	}
	if err := takformat.WriteJSON(&jsonBuf, gen, takformat.Options{Location: loc}); err != nil {
		tb.Fatal(err)
	}
	stand := taktest.NewStandInData(tb, gen)
	client, err := takclient.New(stand.URL, takclient.Options{Location: loc})
	if err != nil {
		tb.Fatal(err)
	}
	fastClient, err := takclient.New(stand.URL, takclient.Options{Location: loc, FastDecode: true})
	if err != nil {
		tb.Fatal(err)
	}
	read := func(name string, b []byte) func() *tak.Catalogue {
		return func() *tak.Catalogue {
			d, err := takformat.Read(name, b, takformat.Options{Location: loc})
			if err != nil {
				tb.Fatal(err)
			}
			return tak.Build(d, nil, tak.BuildOptions{})
		}
	}
	return map[string]func() *tak.Catalogue{
		"index only (entries in memory)": func() *tak.Catalogue {
			return tak.Build(gen, nil, tak.BuildOptions{})
		},
		"VP cache XML + index": read("gen.xml", xmlBuf.Bytes()),
		"TAK JSON + index":     read("gen.json", jsonBuf.Bytes()),
		"live TAK (SOAP, loopback) + index": func() *tak.Catalogue {
			d, err := client.Fetch(context.Background())
			if err != nil {
				tb.Fatal(err)
			}
			return tak.Build(d, nil, tak.BuildOptions{})
		},
		"live TAK, fast decode + index": func() *tak.Catalogue {
			d, err := fastClient.Fetch(context.Background())
			if err != nil {
				tb.Fatal(err)
			}
			return tak.Build(d, nil, tak.BuildOptions{})
		},
	}
}

// TestLoad100k measures loading 100,000 routes + 100,000 permissions. The
// retained heap of a loaded catalogue must stay under 300 MB; times depend on
// the machine and are only reported. Skipped under -race and -short (it
// measures, it does not test logic).
func TestLoad100k(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("measurement: skipped with -short and -race")
	}
	sources := loadSources(t)
	for _, name := range []string{"index only (entries in memory)", "VP cache XML + index", "TAK JSON + index", "live TAK (SOAP, loopback) + index", "live TAK, fast decode + index"} {
		load := sources[name]
		runtime.GC()
		start := time.Now()
		c := load()
		elapsed := time.Since(start)
		runtime.GC()
		var with, without runtime.MemStats
		runtime.ReadMemStats(&with)
		if r, p := c.Counts(); r != bigN || p != bigN {
			t.Fatalf("%s: %d routes, %d permissions", name, r, p)
		}
		runtime.KeepAlive(c)
		c = nil
		runtime.GC()
		runtime.ReadMemStats(&without)
		retained := float64(int64(with.HeapAlloc)-int64(without.HeapAlloc)) / (1 << 20)
		t.Logf("%-32s %7.0f ms  retained heap %6.1f MB  (GOMAXPROCS %d)", name, float64(elapsed.Microseconds())/1000, retained, runtime.GOMAXPROCS(0))
		if retained > 300 {
			t.Errorf("%s: a loaded catalogue keeps %.0f MB, want under 300 MB", name, retained)
		}
	}
}

func benchLoad(b *testing.B, name string) {
	load := loadSources(b)[name]
	b.ReportAllocs()
	for b.Loop() {
		if c := load(); c == nil {
			b.Fatal("no catalogue")
		}
	}
}

func BenchmarkLoad100kIndex(b *testing.B)    { benchLoad(b, "index only (entries in memory)") }
func BenchmarkLoad100kCacheXML(b *testing.B) { benchLoad(b, "VP cache XML + index") }
func BenchmarkLoad100kJSON(b *testing.B)     { benchLoad(b, "TAK JSON + index") }
func BenchmarkLoad100kSOAP(b *testing.B)     { benchLoad(b, "live TAK (SOAP, loopback) + index") }
func BenchmarkLoad100kSOAPFast(b *testing.B) { benchLoad(b, "live TAK, fast decode + index") }
