package evidence

import (
	"path/filepath"
	"testing"
)

// BenchmarkVerify verifies a bundle of the fixture run: zip reading,
// SHA-256 of every file, signature, re-evaluation of every check (XSD
// included) and the rebuilt report.
func BenchmarkVerify(b *testing.B) {
	dir, suite := certifiedRunB(b)
	signer, pub := newKeyB(b)
	p, err := Create(Options{RunDir: dir, Suite: suite, Signer: signer, Out: filepath.Join(b.TempDir(), "e.zip"), Now: now})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(p, pub); err != nil {
			b.Fatal(err)
		}
	}
}
