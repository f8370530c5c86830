package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rivgate/rivgate/internal/testutil"
)

func TestLoadDemoSuite(t *testing.T) {
	t.Parallel()
	s, err := LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.ScenarioIDs(), ","); got != "S01,S02,S03,S04,S05,S06" {
		t.Fatalf("scenarios %s", got)
	}
	s04 := s.Scenarios[3]
	if len(s04.Steps) != 15 || s04.Steps[0].Respond.VPFault != "VP002" || s04.Steps[13].Respond.VPFault != "VP015" {
		t.Fatalf("S04 steps wrong: %d", len(s04.Steps))
	}
	if s.Defaults.Retry.Observe.D().String() != "1.5s" || s.Defaults.Retry.Repeats() != 1 {
		t.Fatalf("retry defaults %+v", s.Defaults.Retry)
	}
	if st := s.Scenarios[0].Steps[0]; st.Line != 8 || st.Expect.Match[1].Equals == nil {
		t.Fatalf("step line %d", st.Line)
	}
	if r, ok := s.Requirement(ReqSchema); !ok || r.Impact != 4 || r.Source != "builtin" {
		t.Fatalf("builtin requirement %+v", r)
	}
	if _, err := s.ReadFile("responses/visits-ok.xml"); err != nil {
		t.Fatal(err)
	}
}

const goodSuite = `id: t
title: T
contracts: c
consumer: {hsa_id: SE2321000016-CONS}
requirements:
  - {id: R1, text: a requirement, impact: 3}
scenarios: [s1.yaml]
`

const goodScenario = `id: S1
title: one
requirements: [R1]
likelihood: 2
steps:
  - expect: {operation: Op}
    respond: {file: r.xml}
`

// TestLoadErrorsNameFileLineField guards that every load problem names the
// file, the line and the field, and that all problems are reported at once.
func TestLoadErrorsNameFileLineField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		suite    string
		scenario string
		want     []string // each must appear in the error text
	}{
		{name: "unknown field in suite", suite: strings.Replace(goodSuite, "title: T", "title: T\ncolour: blue", 1),
			want: []string{"s/suite.yaml:3:1", "field colour", `unknown field "colour"`}},
		{name: "wrong type", suite: goodSuite, scenario: strings.Replace(goodScenario, "likelihood: 2", "likelihood: high", 1),
			want: []string{"s/s1.yaml:4:13", "likelihood", "cannot unmarshal"}},
		{name: "impact out of range", suite: strings.Replace(goodSuite, "impact: 3", "impact: 7", 1),
			want: []string{"s/suite.yaml:6:", "field $.requirements[0].impact", "impact must be 1-4, got 7"}},
		{name: "missing consumer hsa", suite: strings.Replace(goodSuite, "consumer: {hsa_id: SE2321000016-CONS}\n", "", 1),
			want: []string{"s/suite.yaml", "field $.consumer.hsa_id", "required"}},
		{name: "unknown vp fault and bad regex collected together", suite: goodSuite,
			scenario: goodScenario + "  - expect: {operation: Op, match: [{xpath: //a, regex: '('}]}\n    respond: {vp_fault: VP099}\n",
			want: []string{"s/s1.yaml:8:", "field $.steps[1].expect.match[0].regex", "bad regular expression",
				"s/s1.yaml:9:", "field $.steps[1].respond.vp_fault", "VP099"}},
		{name: "two answers", suite: goodSuite, scenario: strings.Replace(goodScenario, "{file: r.xml}", "{file: r.xml, timeout: true}", 1),
			want: []string{"s/s1.yaml:7:", "field $.steps[0].respond", "got file, timeout"}},
		{name: "missing response file", suite: goodSuite, scenario: strings.Replace(goodScenario, "r.xml", "gone.xml", 1),
			want: []string{"s/s1.yaml:7:", "field $.steps[0].respond.file", `"gone.xml"`}},
		{name: "unknown requirement", suite: goodSuite, scenario: strings.Replace(goodScenario, "[R1]", "[R1, R9]", 1),
			want: []string{"s/s1.yaml:3:", "field $.requirements[1]", `unknown requirement "R9"`}},
		{name: "bad xpath", suite: goodSuite, scenario: goodScenario + "  - expect: {match: [{xpath: '//x:y', present: true}]}\n    respond: {timeout: true}\n",
			want: []string{"field $.steps[1].expect.match[0].xpath", "bad XPath"}},
		{name: "step needs expect or manual", suite: goodSuite, scenario: goodScenario + "  - title: nothing\n",
			want: []string{"s/s1.yaml:8:", "field $.steps[1]", "needs expect"}},
		{name: "unknown connection fault", suite: goodSuite, scenario: strings.Replace(goodScenario, "{file: r.xml}", "{connection: explode}", 1),
			want: []string{"field $.steps[0].respond.connection", `unknown connection fault "explode"`}},
		{name: "syntax error", suite: goodSuite, scenario: "id: [unclosed\n",
			want: []string{"s/s1.yaml:1:"}},
		{name: "unknown tag", suite: goodSuite, scenario: strings.Replace(goodScenario, "likelihood: 2", "likelihood: 2\ntags: [smoke, smok]", 1),
			want: []string{"s/s1.yaml:5:", "field $.tags[1]", `tag "smok": want one of smoke, core, regression`}},
		{name: "tag twice", suite: goodSuite, scenario: strings.Replace(goodScenario, "likelihood: 2", "likelihood: 2\ntags: [core, core]", 1),
			want: []string{"field $.tags[1]", `"core" listed twice`}},
		{name: "bad function id", suite: goodSuite, scenario: strings.Replace(goodScenario, "likelihood: 2", "likelihood: 2\nfunctions: [visits, 'show visits']", 1),
			want: []string{"s/s1.yaml:5:", "field $.functions[1]", `function "show visits"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{
				"s/suite.yaml": {Data: []byte(tc.suite)},
				"s/c/x.wsdl":   {Data: []byte("<x/>")},
				"s/r.xml":      {Data: []byte("<r/>")},
			}
			sc := tc.scenario
			if sc == "" {
				sc = goodScenario
			}
			fsys["s/s1.yaml"] = &fstest.MapFile{Data: []byte(sc)}
			_, err := Load(fsys, "s")
			if err == nil {
				t.Fatal("loaded without error")
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *LoadError: %v", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadGoodMinimal(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"s/suite.yaml": {Data: []byte(goodSuite)},
		"s/s1.yaml":    {Data: []byte(goodScenario)},
		"s/c/x.wsdl":   {Data: []byte("<x/>")},
		"s/r.xml":      {Data: []byte("<r/>")},
	}
	s, err := Load(fsys, "s")
	if err != nil {
		t.Fatal(err)
	}
	if s.Scenarios[0].Steps[0].ID != "1" {
		t.Fatalf("default step id %q", s.Scenarios[0].Steps[0].ID)
	}
	run, skipped := s.EnabledChecks()
	if len(run) != len(RequestChecks()) || len(skipped) != 0 {
		t.Fatalf("checks %v %v", run, skipped)
	}
}

// TestLoadTagsAndFunctions: tags and functions are optional; "tags: []"
// is kept apart from no tags at all (the risk plan derives only the latter).
func TestLoadTagsAndFunctions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		extra     string
		tags      []string
		functions []string
	}{
		{name: "absent", tags: nil},
		{name: "given", extra: "tags: [smoke, regression]\nfunctions: [visits, error-handling]\n", tags: []string{"smoke", "regression"}, functions: []string{"visits", "error-handling"}},
		{name: "empty list means no subset", extra: "tags: []\n", tags: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{
				"s/suite.yaml": {Data: []byte(goodSuite)},
				"s/s1.yaml":    {Data: []byte(strings.Replace(goodScenario, "likelihood: 2\n", "likelihood: 2\n"+tc.extra, 1))},
				"s/c/x.wsdl":   {Data: []byte("<x/>")},
				"s/r.xml":      {Data: []byte("<r/>")},
			}
			s, err := Load(fsys, "s")
			if err != nil {
				t.Fatal(err)
			}
			sc := s.Scenarios[0]
			if (sc.Tags == nil) != (tc.tags == nil) || !slices.Equal(sc.Tags, tc.tags) || !slices.Equal(sc.Functions, tc.functions) {
				t.Fatalf("tags %#v functions %#v, want %#v %#v", sc.Tags, sc.Functions, tc.tags, tc.functions)
			}
			if !slices.Equal(s.Functions(), tc.functions) {
				t.Fatalf("suite functions %v", s.Functions())
			}
		})
	}
}

func TestLoadDirMissing(t *testing.T) {
	t.Parallel()
	_, err := LoadDir(filepath.Join(t.TempDir(), "nope"))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}
