package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/tools/internal/benchkit"
)

// runSniff times the envelope sniffer the way the gateway calls it (a
// reader over the request, a reused Sniffer) on the bench request, a 10 MB
// request and VP's own samples when present.
func runSniff(o options) *SniffResult {
	type msg struct {
		name string
		b    []byte
	}
	big, err := io.ReadAll(benchkit.LargeRequest(benchkit.BenchContract, "SE2321000016-B000050", 10<<20))
	if err != nil {
		panic(err) // an in-memory reader cannot fail
	}
	msgs := []msg{
		{"bench request (RIV-TA 2.1)", benchkit.Request(benchkit.BenchContract, "SE2321000016-B000050")},
		{"10 MB request", big},
	}
	if o.rivta != "" {
		for _, f := range []string{"Rivta21Request.xml", "GetSubjectOfCareRequest21.xml", "Rivta20Request.xml"} {
			if b, err := os.ReadFile(filepath.Join(o.rivta, "samples", "skltp-vp", "testfiles", f)); err == nil {
				msgs = append(msgs, msg{"VP sample " + f, b})
			}
		}
	}
	res := &SniffResult{}
	for _, m := range msgs {
		var z envelope.Sniffer
		r := bytes.NewReader(m.b)
		op := func() {
			r.Reset(m.b)
			if _, _, err := z.Sniff(r, envelope.Options{}); err != nil {
				panic(fmt.Sprintf("sniff %s: %v", m.name, err))
			}
		}
		c := measure(op, 300*time.Millisecond)
		c.Name, c.Bytes = m.name, len(m.b)
		res.Cases = append(res.Cases, c)
	}
	return res
}

// measure runs op for about d and reports time and allocations per op.
func measure(op func(), d time.Duration) SniffCase {
	for range 100 {
		op()
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	n := 0
	start := time.Now()
	for time.Since(start) < d && n < 10_000_000 {
		for range 100 {
			op()
		}
		n += 100
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&m1)
	return SniffCase{NsPerOp: float64(elapsed.Nanoseconds()) / float64(n), AllocsPerOp: float64(m1.Mallocs-m0.Mallocs) / float64(n),
		BytesPerOp: float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n)}
}
