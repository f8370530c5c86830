package risk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/atomicfile"
)

// Write prints the plan for people: where functions and tags come from,
// every function's rating, depth and source, every scenario's decision with
// its reasons, tags and functions, and the selection.
func (p *Plan) Write(w io.Writer) {
	prof := p.Profile
	if prof == "" {
		prof = "none (suite values)"
	}
	fmt.Fprintf(w, "suite %s · %s · risk profile %s · matrix: high from %d, medium from %d\n", p.Suite, p.Kind, prof, p.Matrix.High, p.Matrix.Medium)
	if p.Consumer != "" {
		fmt.Fprintf(w, "consumer: %s\n", p.Consumer)
	}
	fmt.Fprintf(w, "functions from: %s; scenario tags from: %s\n", p.functionSources(), p.tagSources())
	fmt.Fprintln(w, "\nfunctions:")
	for _, f := range p.Functions {
		change := ""
		if f.Change != nil {
			change = fmt.Sprintf(", changed (%s)", f.Change.Type)
		}
		fmt.Fprintf(w, "  %-14s %-6s %d×%d=%-2d depth %-10s runs %s%s  (from %s)\n", f.ID, f.Rating.Class, f.Rating.Impact, f.Rating.Likelihood, f.Rating.Score,
			f.Depth, orNone(f.Selected), change, f.Source)
	}
	fmt.Fprintln(w, "\nscenarios:")
	for _, s := range p.Scenarios {
		mark := "skip"
		if s.Selected {
			mark = "RUN "
		}
		placed := ""
		if s.FunctionsSource != "" {
			placed = " (" + s.FunctionsSource + ")"
		}
		fmt.Fprintf(w, "  %s %-8s %-6s %d×%d=%-2d %s  [tags: %s (%s); functions: %s%s]\n", mark, s.ID, s.Rating.Class, s.Rating.Impact, s.Rating.Likelihood, s.Rating.Score,
			s.Title, orNone(s.Tags), s.TagsSource, orNone(s.Functions), placed)
		for _, r := range s.Reasons {
			fmt.Fprintf(w, "        - %s\n", r)
		}
	}
	fmt.Fprintf(w, "\nselected: %s\n", orNone(p.Selected()))
	for _, n := range p.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// functionSources says where the plan's functions come from.
func (p *Plan) functionSources() string {
	var out []string
	for _, f := range p.Functions {
		if !slices.Contains(out, f.Source) {
			out = append(out, f.Source)
		}
	}
	return orNone(out)
}

// tagSources counts the scenarios per tag source ("suite 4, derived 2").
func (p *Plan) tagSources() string {
	var order []string
	n := map[string]int{}
	for _, s := range p.Scenarios {
		if n[s.TagsSource] == 0 {
			order = append(order, s.TagsSource)
		}
		n[s.TagsSource]++
	}
	var out []string
	for _, src := range order {
		out = append(out, fmt.Sprintf("%s %d", src, n[src]))
	}
	return orNone(out)
}

// Selection is the plan as a run records it (results.json selection):
// profile names the profile's file in the run directory, sum its SHA-256.
func (p *Plan) Selection(profile, sum string) *result.Selection {
	sel := &result.Selection{By: result.SelectedRiskPlan, Profile: profile, ProfileSHA256: sum, Kind: p.Kind,
		Selected: []result.SelectionItem{}, NotSelected: []result.SelectionItem{}}
	for _, s := range p.Scenarios {
		it := result.SelectionItem{ID: s.ID, Title: s.Title, Class: string(s.Rating.Class), Reasons: slices.Clone(s.Reasons)}
		if s.Selected {
			sel.Selected = append(sel.Selected, it)
		} else {
			sel.NotSelected = append(sel.NotSelected, it)
		}
	}
	return sel
}

// Summary is one line per selected and not selected scenario, for the
// start of a run.
func (p *Plan) Summary() string {
	var b strings.Builder
	prof := p.Profile
	if prof == "" {
		prof = "none"
	}
	fmt.Fprintf(&b, "risk plan (%s, profile %s): %d of %d scenario(s) run: %s\n", p.Kind, prof, len(p.Selected()), len(p.Scenarios), orNone(p.Selected()))
	for _, s := range p.Scenarios {
		mark := "not run"
		if s.Selected {
			mark = "run    "
		}
		why := ""
		if len(s.Reasons) > 0 {
			why = s.Reasons[0]
		}
		fmt.Fprintf(&b, "  %s %-8s %-6s %s\n", mark, s.ID, s.Rating.Class, why)
	}
	return b.String()
}

// PlanFile is the plan's file in a run's output directory.
const PlanFile = "plan.json"

// WriteRunFiles writes the plan to dir/plan.json and copies the risk
// profile at profilePath ("" for none) to dir/risk.yaml, both atomically,
// and returns the profile's SHA-256 ("" without one).
func (p *Plan) WriteRunFiles(dir, profilePath string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("plan: %w", err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode plan: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, PlanFile), append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("write plan: %w", err)
	}
	if profilePath == "" {
		return "", nil
	}
	raw, err := os.ReadFile(profilePath)
	if err != nil {
		return "", fmt.Errorf("copy risk profile: %w", err)
	}
	dst := filepath.Join(dir, ProfileFile)
	src, _ := filepath.Abs(profilePath)
	if to, _ := filepath.Abs(dst); src != to { // already in place: nothing to copy
		if err := atomicfile.WriteFile(dst, raw, 0o644); err != nil {
			return "", fmt.Errorf("copy risk profile: %w", err)
		}
	}
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:]), nil
}
