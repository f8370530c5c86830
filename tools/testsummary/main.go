// Command testsummary reads the JSON events of a `go test -json` run (the
// file gotestsum writes with --jsonfile) and prints what the usual output
// hides: every skipped test with the reason it gave, and the packages that
// took longest. scripts/test.sh runs it after the test step, so a reader of
// CI output sees what was not tested and where the time went.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

func main() {
	slow := flag.Duration("slow", 30*time.Second, "list packages whose tests took at least this long")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: testsummary [--slow 30s] EVENTS.json")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	defer f.Close()
	s, err := read(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	s.print(os.Stdout, *slow)
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// skip is a skipped test and the reason it logged.
type skip struct {
	Package, Test, Reason string
}

// pkgTime is a package and how long its test binary ran.
type pkgTime struct {
	Package string
	Elapsed time.Duration
}

type summary struct {
	skips    []skip
	packages []pkgTime
}

// read collects skipped tests (with the last line they logged before
// skipping, which is where t.Skip puts its message) and package times.
func read(r io.Reader) (*summary, error) {
	type key struct{ pkg, test string }
	lastLine := map[key]string{}
	var s summary
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // go build output interleaved with the events
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "output":
			if line := reasonLine(e.Output); line != "" {
				lastLine[k] = line
			}
		case "skip":
			if e.Test != "" {
				s.skips = append(s.skips, skip{e.Package, e.Test, lastLine[k]})
			}
		case "pass", "fail":
			if e.Test == "" {
				s.packages = append(s.packages, pkgTime{e.Package, time.Duration(e.Elapsed * float64(time.Second))})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	sort.Slice(s.skips, func(i, j int) bool {
		if s.skips[i].Package != s.skips[j].Package {
			return s.skips[i].Package < s.skips[j].Package
		}
		return s.skips[i].Test < s.skips[j].Test
	})
	sort.Slice(s.packages, func(i, j int) bool { return s.packages[i].Elapsed > s.packages[j].Elapsed })
	return &s, nil
}

// reasonLine is a logged line worth keeping as a skip reason: not the
// framework's own "=== RUN"/"--- SKIP" lines.
func reasonLine(out string) string {
	line := strings.TrimSpace(out)
	for _, p := range []string{"=== ", "--- ", "PASS", "FAIL", "ok ", "?"} {
		if strings.HasPrefix(line, p) {
			return ""
		}
	}
	return line
}

func (s *summary) print(w io.Writer, slow time.Duration) {
	fmt.Fprintf(w, "== skipped tests: %d\n", len(s.skips))
	for _, k := range s.skips {
		reason := k.Reason
		if reason == "" {
			reason = "(no reason logged)"
		}
		fmt.Fprintf(w, "SKIP %s %s: %s\n", strings.TrimPrefix(k.Package, "github.com/rivgate/rivgate/"), k.Test, reason)
	}
	n := 0
	for _, p := range s.packages {
		if p.Elapsed >= slow {
			n++
		}
	}
	fmt.Fprintf(w, "== slow packages (%s or more): %d\n", slow, n)
	for _, p := range s.packages[:n] {
		fmt.Fprintf(w, "SLOW %s %s\n", p.Elapsed.Round(100*time.Millisecond), strings.TrimPrefix(p.Package, "github.com/rivgate/rivgate/"))
	}
}
