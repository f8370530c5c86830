package main

import (
	"strings"
	"testing"
	"time"
)

// events is a cut of real `go test -json` output: a subtest that skips
// with a reason, a test that skips without one, and two packages.
const events = `{"Action":"run","Package":"example.org/m/a","Test":"TestZeep"}
{"Action":"output","Package":"example.org/m/a","Test":"TestZeep","Output":"=== RUN   TestZeep\n"}
{"Action":"output","Package":"example.org/m/a","Test":"TestZeep","Output":"    zeep_test.go:20: python3-zeep missing: apt-get install python3-zeep\n"}
{"Action":"output","Package":"example.org/m/a","Test":"TestZeep","Output":"--- SKIP: TestZeep (0.00s)\n"}
{"Action":"skip","Package":"example.org/m/a","Test":"TestZeep","Elapsed":0}
go: downloading example.org/dep v1.0.0
{"Action":"skip","Package":"example.org/m/a","Test":"TestBare","Elapsed":0}
{"Action":"pass","Package":"example.org/m/a","Elapsed":42.5}
{"Action":"fail","Package":"example.org/m/b","Elapsed":3.1}
`

func TestSummary(t *testing.T) {
	s, err := read(strings.NewReader(events))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s.print(&out, 30*time.Second)
	want := `== skipped tests: 2
SKIP example.org/m/a TestBare: (no reason logged)
SKIP example.org/m/a TestZeep: zeep_test.go:20: python3-zeep missing: apt-get install python3-zeep
== slow packages (30s or more): 1
SLOW 42.5s example.org/m/a
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
