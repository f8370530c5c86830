package exchangelog_test

import (
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/exchangelog"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takdiff/takdifftest"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
)

// BenchmarkCount reads and counts a million exchange lines over 10,000
// distinct calls (a day of national traffic).
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
