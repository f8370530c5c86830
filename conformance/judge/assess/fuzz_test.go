package assess

import (
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/fixtures"
)

// FuzzParseActivities reads activities.yaml of any content against the
// demo suite: never a panic, every problem names the file, and what is
// accepted has unique items that resolve. Seeds:
// testdata/fuzz/FuzzParseActivities.
func FuzzParseActivities(f *testing.F) {
	f.Add([]byte("appendices:\n  - id: A\n    title: T\n    items:\n      - {id: A-1, title: t, show: s}\n"))
	suite, err := scenario.Load(fixtures.Conformance(), fixtures.DemoSuiteDir)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseActivities("activities.yaml", data, suite)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "activities.yaml") {
					t.Fatalf("a problem that names no file: %q", line)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, id := range a.ItemIDs() {
			if seen[id] {
				t.Fatalf("item %q twice", id)
			}
			seen[id] = true
			if _, _, ok := a.Item(id); !ok {
				t.Fatalf("item %q does not resolve", id)
			}
		}
		for _, ap := range a.Appendices {
			_ = ap.Covers("RIV-XSD-01")
		}
	})
}
