package workbench

import (
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/conformance/judge/match"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/msgcheck"
)

// diffLine is one line of a line diff: Op is ' ' (in both), '-' (recorded
// only) or '+' (live only).
type diffLine struct {
	Op   string
	Text string
}

// recordedDiff is the producer-mode comparison an exchange page shows: the
// step's recorded response against the live one, as the response-diff
// check compares them (both indented, the volatile fields blanked).
type recordedDiff struct {
	File     string // the recorded response, relative to the suite
	Volatile int    // volatile field rules blanked
	Lines    []diffLine
	Changed  int    // lines only in one of them
	Err      string // why there is no diff
}

// producerDiff compares a producer-mode exchange's live response with the
// recorded one its step names; nil when the step records none (a fault
// step, a step without a response file).
func producerDiff(run *result.Run, ex *exchange.Exchange, live []byte) *recordedDiff {
	if run.Mode != "producer" {
		return nil
	}
	suite, err := scenario.LoadDir(run.Suite.Dir)
	if err != nil {
		return &recordedDiff{Err: fmt.Sprintf("the suite %s, which holds the recorded response, could not be loaded: %v", run.Suite.Dir, err)}
	}
	st := suiteStep(suite, ex.Scenario, ex.Step)
	if st == nil || st.Respond == nil || st.Respond.File == "" {
		return nil
	}
	d := &recordedDiff{File: st.Respond.File}
	volatile := append(append([]string{}, suite.Volatile...), st.Volatile...)
	d.Volatile = len(volatile)
	recorded, err := suite.ReadFile(st.Respond.File)
	if err != nil {
		d.Err = err.Error()
		return d
	}
	ns := suite.XPathNamespaces()
	want, werr := blanked(recorded, volatile, ns)
	got, gerr := blanked(live, volatile, ns)
	if err := errors.Join(werr, gerr); err != nil {
		d.Err = err.Error()
		return d
	}
	d.Lines = lineDiff(want, got)
	for _, l := range d.Lines {
		if l.Op != " " {
			d.Changed++
		}
	}
	return d
}

func suiteStep(s *scenario.Suite, scenarioID, stepID string) *scenario.Step {
	for _, sc := range s.Scenarios {
		if sc.ID != scenarioID {
			continue
		}
		for _, st := range sc.Steps {
			if st.ID == stepID {
				return st
			}
		}
	}
	return nil
}

// blanked is an XML body indented, its volatile fields blanked (as
// match.Blank does for the response-diff check), as lines; a body that is
// not XML is its lines as they are.
func blanked(body []byte, volatile []string, ns map[string]string) ([]string, error) {
	doc, err := msgcheck.ParseDocument(body)
	if err != nil {
		return strings.Split(strings.TrimSuffix(string(body), "\n"), "\n"), nil
	}
	if err := match.Blank(doc, volatile, ns); err != nil {
		return nil, err
	}
	return indentedLines(doc)
}

func indentedLines(doc *etree.Document) ([]string, error) {
	doc.Indent(2)
	s, err := doc.WriteToString()
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n"), nil
}

// maxDiffCells bounds the table lineDiff fills (lines of a times lines of
// b, after the common head and tail are taken off).
const maxDiffCells = 4_000_000

// lineDiff is a shortest line diff of a (recorded) and b (live): the
// common head and tail, and between them a longest common subsequence, or,
// when that part is too large to compare line by line, all of a's lines
// then all of b's (still a correct diff, only not the shortest).
func lineDiff(a, b []string) []diffLine {
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var out []diffLine
	for _, l := range a[:head] {
		out = append(out, diffLine{" ", l})
	}
	ma, mb := a[head:len(a)-tail], b[head:len(b)-tail]
	if len(ma)*len(mb) > maxDiffCells {
		for _, l := range ma {
			out = append(out, diffLine{"-", l})
		}
		for _, l := range mb {
			out = append(out, diffLine{"+", l})
		}
	} else {
		out = append(out, lcsDiff(ma, mb)...)
	}
	for _, l := range a[len(a)-tail:] {
		out = append(out, diffLine{" ", l})
	}
	return out
}

// lcsDiff diffs a and b by their longest common subsequence.
func lcsDiff(a, b []string) []diffLine {
	// n[i][j] is the LCS length of a[i:] and b[j:].
	w := len(b) + 1
	n := make([]int, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				n[i*w+j] = n[(i+1)*w+j+1] + 1
			} else {
				n[i*w+j] = max(n[(i+1)*w+j], n[i*w+j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{" ", a[i]})
			i++
			j++
		case n[(i+1)*w+j] >= n[i*w+j+1]:
			out = append(out, diffLine{"-", a[i]})
			i++
		default:
			out = append(out, diffLine{"+", b[j]})
			j++
		}
	}
	for ; i < len(a); i++ {
		out = append(out, diffLine{"-", a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, diffLine{"+", b[j]})
	}
	return out
}
