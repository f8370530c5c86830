package record

import (
	"os"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
)

// BenchmarkScrub scrubs the demo's visits response (two personnummer, a
// name) as the recorder does for every body it writes.
func BenchmarkScrub(b *testing.B) {
	body, err := os.ReadFile(testutil.Fixture(b, "suites", "demo-clinic", "responses", "visits-ok.xml"))
	if err != nil {
		b.Fatal(err)
	}
	s := NewScrubber([]byte("bench"))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		s.Scrub(body)
	}
}
