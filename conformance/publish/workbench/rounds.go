package workbench

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/rundiff"
	"github.com/rivgate/rivgate/conformance/results/result"
)

// roundRun is a run offered for comparison.
type roundRun struct {
	Name, Suite string
	Started     time.Time
}

// roundRuns lists the runs whose results.json reads, newest first.
func (s *Server) roundRuns() ([]roundRun, error) {
	entries, err := os.ReadDir(s.runsDir)
	if err != nil {
		return nil, err
	}
	var out []roundRun
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		run, err := result.Read(filepath.Join(s.runsDir, e.Name()))
		if err != nil {
			continue
		}
		out = append(out, roundRun{Name: e.Name(), Suite: run.Suite.ID, Started: run.Started})
	}
	slices.SortStableFunc(out, func(a, b roundRun) int { return b.Started.Compare(a.Started) })
	return out, nil
}

// retest is one of the old run's deviations and what the new run says of
// its requirement.
type retest struct {
	Deviation decision.Deviation
	Fixed     []rundiff.Item
	Still     []rundiff.Item
	Untested  []rundiff.Item
}

type compareData struct {
	Runs     []roundRun
	Old, New string
	Diff     *rundiff.Diff
	Retests  []retest
}

// comparePage compares two runs as 'conform diff' does: with no runs
// chosen it only offers the choice.
func (s *Server) comparePage(r *http.Request, v *view) (string, error) {
	runs, err := s.roundRuns()
	if err != nil {
		return "", err
	}
	q := r.URL.Query()
	d := compareData{Runs: runs, Old: q.Get("old"), New: q.Get("new")}
	v.Title, v.Data = "Compare rounds", &d
	if d.Old == "" || d.New == "" {
		return "compare", nil
	}
	oldDir, err := s.runDirNamed(d.Old)
	if err != nil {
		return "", err
	}
	newDir, err := s.runDirNamed(d.New)
	if err != nil {
		return "", err
	}
	oldSide, err := rundiff.Load(oldDir)
	if err != nil {
		return "", err
	}
	newSide, err := rundiff.Load(newDir)
	if err != nil {
		return "", err
	}
	diff := rundiff.Compare(oldSide, newSide)
	// The page names runs, not paths on the server.
	diff.Old, diff.New = d.Old, d.New
	d.Diff = &diff
	if oldSide.Report != nil {
		for _, dev := range oldSide.Report.Decision.Deviations {
			rt := retest{Deviation: dev}
			rt.Fixed = ofRequirement(diff.Fixed, dev.Requirement)
			rt.Still = ofRequirement(diff.StillFailing, dev.Requirement)
			rt.Untested = ofRequirement(diff.NotRetested, dev.Requirement)
			d.Retests = append(d.Retests, rt)
		}
	}
	v.Title = "Compare " + d.Old + " with " + d.New
	return "compare", nil
}

func ofRequirement(items []rundiff.Item, req string) []rundiff.Item {
	var out []rundiff.Item
	for _, it := range items {
		if it.Requirement == req {
			out = append(out, it)
		}
	}
	return out
}
