package report

import (
	"testing"

	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
)

// BenchmarkBuildAndRender builds report.json from the fixture run's inputs
// and renders HTML, JUnit and PDF.
func BenchmarkBuildAndRender(b *testing.B) {
	dir := reporttest.RealRun(b)
	in, err := Load(dir, "", now)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := Build(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := HTML(r, LangSV); err != nil {
			b.Fatal(err)
		}
		if _, err := JUnit(r); err != nil {
			b.Fatal(err)
		}
		if _, err := PDF(r, LangSV); err != nil {
			b.Fatal(err)
		}
	}
}
