package risk

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/fixtures"
	"github.com/rivgate/rivgate/internal/testutil"
)

func demoSuite(t testing.TB) *scenario.Suite {
	t.Helper()
	s, err := scenario.Load(fixtures.Conformance(), fixtures.DemoSuiteDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func demoContracts(t testing.TB) *contracts.Set {
	t.Helper()
	set, err := contracts.LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_clinic_1.0"))
	if set == nil {
		t.Fatal(err)
	}
	return set
}

// untagged is the demo suite as if its scenarios declared no tags and no
// functions (the plan then derives both).
func untagged(t testing.TB) *scenario.Suite {
	t.Helper()
	s := demoSuite(t)
	for _, sc := range s.Scenarios {
		sc.Tags, sc.Functions = nil, nil
	}
	return s
}

func loadProfile(t testing.TB, name string, s *scenario.Suite) *Profile {
	t.Helper()
	p, err := LoadProfile(filepath.Join("testdata", name), s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func reasonsOf(p *Plan, id string) string {
	sp, _ := p.Scenario(id)
	return strings.Join(sp.Reasons, " | ")
}

func TestPlanSelection(t *testing.T) {
	t.Parallel()
	s := demoSuite(t)
	tests := []struct {
		name     string
		profile  string // "" = none
		untagged bool   // strip the suite's tags and functions
		kind     string
		selected []string
		reasons  map[string]string // scenario -> substring of its reasons
		depth    map[string]string // function -> depth
	}{
		{
			name: "no profile: the functions the suite's scenarios declare, depth by their risk, subsets by the suite's tags",
			kind: KindCertification, selected: []string{"S01", "S02", "S03", "S05", "S06"},
			depth: map[string]string{"visits": DepthAll, "faults": DepthCore, "network": DepthAll},
			reasons: map[string]string{
				"S01": "function visits (impact 4 × likelihood 4 = 16 (high)): high risk, all its scenarios run",
				"S04": "not selected by faults: function faults (impact 3 × likelihood 2 = 6 (medium)): medium risk, its core set runs; tags regression",
				"S06": "function network (impact 3 × likelihood 3 = 9 (high)): high risk, all its scenarios run",
			},
		},
		{
			name:     "untagged suite without functions: every requirement is a function, tags derived",
			untagged: true, kind: KindCertification, selected: []string{"S01", "S02", "S03", "S04", "S05", "S06"},
			depth: map[string]string{"DEMO-01": DepthAll, "DEMO-02": DepthCore, "DEMO-04": DepthCore, "DEMO-05": DepthAll},
			reasons: map[string]string{
				"S01": "function DEMO-01 (impact 4 × likelihood 4 = 16 (high)): high risk, all its scenarios run",
				"S04": "no core or smoke scenario: its first scenario runs",
			},
		},
		{
			name:    "profile: low-risk error handling runs one scenario, medium network its fallback",
			profile: "profile.yaml", kind: KindCertification, selected: []string{"S01", "S02", "S03", "S05"},
			depth: map[string]string{"visits": DepthAll, "faults": DepthSmoke, "network": DepthCore},
			reasons: map[string]string{
				"S04": "not selected by faults: function faults (impact 3 × likelihood 1 = 3 (low)): low risk, its smoke subset runs",
				"S06": "not selected by network",
			},
		},
		{
			name:    "re-certification: bug fix runs its core set and the named scenarios, the rest the regression set",
			profile: "recert.yaml", kind: KindRecertification, selected: []string{"S01", "S02", "S03", "S04", "S05"},
			depth: map[string]string{"visits": DepthRegression, "faults": DepthCore, "network": DepthRegression},
			reasons: map[string]string{
				"S04": "changed (felrättning)",
				"S01": "function visits (impact 4 × likelihood 4 = 16 (high)) is unchanged: its regression set runs",
				"S05": "function network (impact 2 × likelihood 2 = 4 (medium)) is unchanged: its regression set runs",
				"S06": "not selected by network",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := s
			if tt.untagged {
				s = untagged(t)
			}
			var prof *Profile
			if tt.profile != "" {
				prof = loadProfile(t, tt.profile, s)
			}
			p := NewPlan(s, prof, demoContracts(t))
			if p.Kind != tt.kind {
				t.Errorf("kind %s, want %s", p.Kind, tt.kind)
			}
			if got := p.Selected(); !slices.Equal(got, tt.selected) {
				t.Errorf("selected %v, want %v", got, tt.selected)
			}
			for id, want := range tt.reasons {
				if got := reasonsOf(p, id); !strings.Contains(got, want) {
					t.Errorf("%s reasons %q, want %q", id, got, want)
				}
			}
			for _, f := range p.Functions {
				if want, ok := tt.depth[f.ID]; ok && f.Depth != want {
					t.Errorf("function %s depth %s, want %s", f.ID, f.Depth, want)
				}
			}
			for _, sp := range p.Scenarios {
				if len(sp.Reasons) == 0 {
					t.Errorf("%s has no reason", sp.ID)
				}
			}
		})
	}
}

func TestPlanEffectiveValues(t *testing.T) {
	t.Parallel()
	s := demoSuite(t)
	prof, err := ParseProfile("inline.yaml", []byte(`
requirements:
  - {id: DEMO-02, impact: 4}
scenarios:
  - {id: S02, likelihood: 1, tags: [regression]}
contracts:
  - {namespace: "urn:riv:demo:clinic:GetVisitsResponder:1", likelihood: 2}
`), s)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlan(s, prof, demoContracts(t))
	if got := p.Impact("DEMO-02"); got != 4 {
		t.Errorf("DEMO-02 impact %d, want 4 (profile)", got)
	}
	s02, _ := p.Scenario("S02")
	if s02.Rating.Likelihood != 1 || s02.LikelihoodSource != "risk profile" || !slices.Equal(s02.Tags, []string{TagRegression}) || s02.TagsSource != "risk profile" {
		t.Errorf("S02 %+v", s02)
	}
	// The contract override applies to every scenario using it, through
	// operation resolution for steps that name only the operation.
	s05, _ := p.Scenario("S05")
	if s05.Rating.Likelihood != 2 || s05.LikelihoodSource != "risk profile contract" || !slices.Contains(s05.Contracts, "urn:riv:demo:clinic:GetVisitsResponder:1") {
		t.Errorf("S05 %+v", s05)
	}
}

func TestPlanContractNotUsed(t *testing.T) {
	t.Parallel()
	s := demoSuite(t)
	prof, err := ParseProfile("inline.yaml", []byte("contracts:\n  - namespace: urn:riv:other:Thing:1\n"), s)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlan(s, prof, demoContracts(t))
	if got := p.Selected(); len(got) != 0 {
		t.Fatalf("selected %v, want none: the consumer uses no contract of the suite", got)
	}
	if r := reasonsOf(p, "S03"); !strings.Contains(r, "which the consumer does not use") {
		t.Fatalf("reasons %q", r)
	}
}

func TestLoadProfileErrors(t *testing.T) {
	t.Parallel()
	s := demoSuite(t)
	tests := []struct {
		name, data, want string
	}{
		{name: "unknown field", data: "consumer: x\nfunctionz: []\n", want: "p.yaml:2:1"},
		{name: "impact out of range", data: "requirements:\n  - id: DEMO-01\n    impact: 5\n", want: "p.yaml:3:5: field $.requirements[0].impact: impact must be 1-4, got 5"},
		{name: "unknown scenario", data: "scenarios:\n  - id: S99\n", want: "p.yaml:2:5: field $.scenarios[0].id: scenario \"S99\" is not in suite demo-clinic"},
		{name: "unknown requirement", data: "functions:\n  - id: f\n    requirements: [NOPE]\n", want: "field $.functions[0].requirements[0]: requirement \"NOPE\" is not in suite demo-clinic"},
		{name: "bad change type", data: "changes:\n  - function: DEMO-01\n    type: bugfix\n", want: "p.yaml:3:5: field $.changes[0].type: change type \"bugfix\": want felrättning or funktionsändring"},
		{name: "change of unknown function", data: "functions:\n  - {id: f, requirements: [DEMO-01]}\nchanges:\n  - {function: g, type: felrättning}\n", want: "function \"g\" is not among the profile's functions"},
		{name: "bad tag", data: "scenarios:\n  - {id: S01, tags: [smok]}\n", want: "tag \"smok\""},
		{name: "bad matrix", data: "matrix: {high: 3, medium: 5}\n", want: "field $.matrix"},
		{name: "changes in a first certification", data: "kind: certification\nchanges:\n  - {function: DEMO-01, type: felrättning}\n", want: "changes are for kind recertification"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := filepath.Join(dir, "p.yaml")
			if err := os.WriteFile(p, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadProfile(p, s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPlanSources: tags come from the risk profile, else the suite, else
// derivation; functions from the profile, else the suite's scenarios, else
// the requirements; the plan says which applied for every item.
func TestPlanSources(t *testing.T) {
	t.Parallel()
	// S01 alone declares a function: the rest fall back to requirements.
	mixed := func(t testing.TB) *scenario.Suite {
		s := untagged(t)
		s.Scenarios[0].Functions = []string{"visits"}
		s.Scenarios[0].Tags = []string{TagSmoke}
		return s
	}
	tests := []struct {
		name      string
		suite     func(testing.TB) *scenario.Suite
		profile   string            // inline risk.yaml; "" = none
		functions map[string]string // function -> source
		tags      map[string]string // scenario -> tags source
		placed    map[string]string // scenario -> functions source
		members   map[string][]string
		wantErr   string
	}{
		{
			name: "suite tags and functions", suite: demoSuite,
			functions: map[string]string{"visits": FunctionFromScenarios, "faults": FunctionFromScenarios, "network": FunctionFromScenarios},
			tags:      map[string]string{"S01": TagsFromSuite, "S06": TagsFromSuite},
			placed:    map[string]string{"S01": "suite", "S06": "suite"},
			members:   map[string][]string{"visits": {"S01", "S02"}, "faults": {"S03", "S04"}, "network": {"S05", "S06"}},
		},
		{
			name: "nothing declared: derived", suite: untagged,
			functions: map[string]string{"DEMO-01": FunctionFromRequirement, "DEMO-05": FunctionFromRequirement},
			tags:      map[string]string{"S01": TagsDerived, "S06": TagsDerived},
			placed:    map[string]string{"S01": "requirements", "S05": "requirements"},
			members:   map[string][]string{"DEMO-05": {"S05", "S06"}},
		},
		{
			name: "partly declared: declared functions plus requirement functions for the rest", suite: mixed,
			functions: map[string]string{"visits": FunctionFromScenarios, "DEMO-02": FunctionFromRequirement, "DEMO-05": FunctionFromRequirement},
			tags:      map[string]string{"S01": TagsFromSuite, "S02": TagsDerived},
			placed:    map[string]string{"S01": "suite", "S02": "requirements"},
			members:   map[string][]string{"visits": {"S01"}, "DEMO-02": {"S02"}},
		},
		{
			name: "profile functions by name, by scenario list and by requirements; profile tags win", suite: demoSuite,
			profile:   "functions:\n  - {id: visits}\n  - {id: network, scenarios: [S03]}\n  - {id: errors, requirements: [DEMO-04]}\nscenarios:\n  - {id: S01, tags: [core]}\n",
			functions: map[string]string{"visits": FunctionFromProfile, "errors": FunctionFromProfile},
			tags:      map[string]string{"S01": TagsFromProfile, "S02": TagsFromSuite},
			placed:    map[string]string{"S01": "suite", "S03": "risk profile", "S04": "requirements"},
			members:   map[string][]string{"visits": {"S01", "S02"}, "network": {"S03", "S05", "S06"}, "errors": {"S04"}},
		},
		{
			name: "a profile function nothing names is an error", suite: demoSuite,
			profile: "functions:\n  - {id: billing}\n",
			wantErr: `function "billing" names no requirements and no scenarios, and no scenario of the suite declares it (scenario functions: visits, faults, network)`,
		},
		{
			name: "a change may name a declared function without profile functions", suite: demoSuite,
			profile:   "changes:\n  - {function: network, type: funktionsändring}\n",
			functions: map[string]string{"network": FunctionFromScenarios},
			members:   map[string][]string{"network": {"S05", "S06"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.suite(t)
			var prof *Profile
			if tt.profile != "" {
				var err error
				prof, err = ParseProfile("inline.yaml", []byte(tt.profile), s)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("error %v, want %q", err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			p := NewPlan(s, prof, demoContracts(t))
			fns := map[string]FunctionPlan{}
			for _, f := range p.Functions {
				fns[f.ID] = f
			}
			for id, want := range tt.functions {
				if f, ok := fns[id]; !ok || f.Source != want {
					t.Errorf("function %s: %+v, want source %q", id, f, want)
				}
			}
			for id, want := range tt.members {
				if got := fns[id].Scenarios; !slices.Equal(got, want) {
					t.Errorf("function %s has %v, want %v", id, got, want)
				}
			}
			for id, want := range tt.tags {
				if sp, _ := p.Scenario(id); sp.TagsSource != want {
					t.Errorf("%s tags %v from %q, want %q", id, sp.Tags, sp.TagsSource, want)
				}
			}
			for id, want := range tt.placed {
				if sp, _ := p.Scenario(id); sp.FunctionsSource != want {
					t.Errorf("%s placed in %v by %q, want %q", id, sp.Functions, sp.FunctionsSource, want)
				}
			}
		})
	}
}
