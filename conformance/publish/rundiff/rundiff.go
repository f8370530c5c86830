// Package rundiff compares two conformance runs for re-certification: which
// failures were fixed, which are new, which still fail, and what the new run
// did not retest. A run is a run directory or an evidence bundle.
package rundiff

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/results/result"
)

// Side is one run.
type Side struct {
	Path   string
	Run    *result.Run
	Report *report.Report // nil when the run has no report.json
}

// Load reads a run directory or an evidence bundle (results.json and, when
// present, report.json). A bundle is read, not verified: use
// `rivgate conform verify` for that.
func Load(p string) (*Side, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	s := &Side{Path: p}
	if st.IsDir() {
		if s.Run, err = result.Read(p); err != nil {
			return nil, err
		}
		if r, err := report.Read(p); err == nil {
			s.Report = r
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return s, nil
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("%s: not a run directory or an evidence bundle: %w", p, err)
	}
	defer zr.Close()
	read := func(name string) ([]byte, error) {
		f, err := zr.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, 256<<20))
	}
	b, err := read(result.FileName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	var run result.Run
	if err := json.Unmarshal(b, &run); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", p, result.FileName, err)
	}
	s.Run = &run
	if b, err := read(report.JSONFile); err == nil {
		if s.Report, err = report.Decode(filepath.Join(p, report.JSONFile), b); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Item is one check, verdict or review compared across the runs. An
// earlier failure whose check now says skip (not verified) or n/a (did
// not apply) is not retested, never fixed.
type Item struct {
	Key         string        `json:"key"`
	Requirement string        `json:"requirement"`
	Old         result.Status `json:"old"`
	New         result.Status `json:"new"`
	Message     string        `json:"message"` // the new run's, else the old one's
}

// Diff is the comparison.
type Diff struct {
	Old          string   `json:"old"`
	New          string   `json:"new"`
	Fixed        []Item   `json:"fixed"`
	NewFailures  []Item   `json:"new_failures"`
	StillFailing []Item   `json:"still_failing"`
	NotRetested  []Item   `json:"not_retested"`
	OldDecision  string   `json:"old_decision,omitempty"`
	NewDecision  string   `json:"new_decision,omitempty"`
	Notes        []string `json:"notes,omitempty"`
}

type entry struct {
	req, msg string
	status   result.Status
	scenario string
}

// items flattens a run to keyed statuses.
func items(s *Side) (map[string]entry, map[string]bool) {
	out := map[string]entry{}
	ran := map[string]bool{}
	for _, sc := range s.Run.Scenarios {
		ran[sc.ID] = sc.Status != result.Skip
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				// A check id can recur on a step (RIV-STEP-01 on its own
				// request and on each unexpected one after it): the worst
				// counts.
				k := sc.ID + "/" + st.ID + " " + c.ID
				if prev, ok := out[k]; !ok || result.Worst(prev.status, c.Status) != prev.status {
					out[k] = entry{c.Requirement, c.Message, c.Status, sc.ID}
				}
			}
			if m := st.Manual; m != nil {
				status := result.ManualPending
				switch m.Verdict {
				case "pass":
					status = result.Pass
				case "fail":
					status = result.Fail
				}
				out[sc.ID+"/"+st.ID+" manual"] = entry{"", m.Instruction + " " + m.Note, status, sc.ID}
			}
		}
	}
	for _, c := range s.Run.Unexpected {
		out["unexpected "+c.Message] = entry{c.Requirement, c.Message, c.Status, ""}
	}
	if s.Report != nil {
		for _, rv := range s.Report.Reviews {
			status := result.ManualPending
			switch rv.Verdict {
			case "pass":
				status = result.Pass
			case "fail":
				status = result.Fail
			}
			out["review "+rv.Item] = entry{rv.Requirement, rv.Title + " " + rv.Note, status, ""}
		}
	}
	return out, ran
}

// Compare compares old and new.
func Compare(old, new *Side) Diff {
	d := Diff{Old: old.Path, New: new.Path, Fixed: []Item{}, NewFailures: []Item{}, StillFailing: []Item{}, NotRetested: []Item{}}
	if old.Run.Suite.ID != new.Run.Suite.ID {
		d.Notes = append(d.Notes, fmt.Sprintf("different suites: %s and %s", old.Run.Suite.ID, new.Run.Suite.ID))
	}
	if old.Report != nil {
		d.OldDecision = string(old.Report.Decision.Outcome)
	}
	if new.Report != nil {
		d.NewDecision = string(new.Report.Decision.Outcome)
	}
	if new.Run.Aborted != "" {
		d.Notes = append(d.Notes, "the new run was aborted: "+new.Run.Aborted)
	}
	o, _ := items(old)
	n, newRan := items(new)
	keys := map[string]bool{}
	for k := range o {
		keys[k] = true
	}
	for k := range n {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		oe, inOld := o[k]
		ne, inNew := n[k]
		it := Item{Key: k, Requirement: ne.req, Old: oe.status, New: ne.status, Message: ne.msg}
		if !inNew {
			it.Requirement, it.Message = oe.req, oe.msg
		}
		switch {
		case inOld && oe.status == result.Fail && inNew && ne.status == result.Fail:
			d.StillFailing = append(d.StillFailing, it)
		case inOld && oe.status == result.Fail && inNew && (ne.status == result.Skip || ne.status == result.NotApplicable):
			// Not verified, or no longer applies: neither is a fix.
			d.NotRetested = append(d.NotRetested, it)
		case inOld && oe.status == result.Fail && inNew:
			d.Fixed = append(d.Fixed, it)
		case inOld && oe.status == result.Fail && oe.scenario != "" && newRan[oe.scenario]:
			d.Fixed = append(d.Fixed, it) // the scenario ran and no longer reports it
		case inOld && oe.status == result.Fail && strings.HasPrefix(k, "unexpected ") && new.Run.Aborted == "":
			d.Fixed = append(d.Fixed, it) // a complete run without that stray request
		case inOld && oe.status == result.Fail:
			d.NotRetested = append(d.NotRetested, it)
		case inNew && ne.status == result.Fail:
			d.NewFailures = append(d.NewFailures, it)
		}
	}
	return d
}

// Write prints the comparison for people.
func (d Diff) Write(w io.Writer) {
	fmt.Fprintf(w, "old: %s\nnew: %s\n", d.Old, d.New)
	if d.OldDecision != "" || d.NewDecision != "" {
		fmt.Fprintf(w, "decision: %s -> %s\n", orDash(d.OldDecision), orDash(d.NewDecision))
	}
	for _, g := range []struct {
		title string
		items []Item
	}{{"fixed", d.Fixed}, {"new failures", d.NewFailures}, {"still failing", d.StillFailing}, {"not retested", d.NotRetested}} {
		fmt.Fprintf(w, "%s (%d):\n", g.title, len(g.items))
		for _, it := range g.items {
			req := ""
			if it.Requirement != "" && !strings.HasSuffix(it.Key, " "+it.Requirement) {
				req = " [" + it.Requirement + "]"
			}
			fmt.Fprintf(w, "  %s%s: %s -> %s: %s\n", it.Key, req, orDash(string(it.Old)), orDash(string(it.New)), it.Message)
		}
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
