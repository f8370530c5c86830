package takformat_test

import (
	"bytes"
	"testing"

	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
)

// benchReadYAML reads a 10,000 + 10,000 entry YAML catalogue (the
// format is meant for people; national data comes as cache XML or JSON).
func benchReadYAML(b *testing.B, n int) {
	var buf bytes.Buffer
	if err := takformat.WriteYAML(&buf, taktest.Generate(n, nil), takformat.Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := takformat.Read("x.yaml", buf.Bytes(), takformat.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadYAML1k(b *testing.B)  { benchReadYAML(b, 1_000) }
func BenchmarkReadYAML10k(b *testing.B) { benchReadYAML(b, 10_000) }
