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
		{name: "near-miss key in suite", suite: strings.Replace(goodSuite, "title: T", "tilte: T", 1),
			want: []string{"s/suite.yaml:2:1: field tilte: unknown field \"tilte\" (did you mean title?)"}},
		{name: "near-miss key and a bad value together", suite: goodSuite,
			scenario: strings.Replace(strings.Replace(goodScenario, "likelihood: 2", "likelyhood: 2", 1), "title: one", "title: [one]", 1),
			want:     []string{"s/s1.yaml:2:8: field title: ", "s/s1.yaml:4:1: field likelyhood: unknown field \"likelyhood\" (did you mean likelihood?)"}},
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
		{name: "receiver with whitespace", suite: goodSuite + "receivers: [SE2321000016-A, ' SE2321000016-B']\n",
			want: []string{"s/suite.yaml:8:", "field $.receivers[1]", `receiver " SE2321000016-B": want a logical address without surrounding whitespace`}},
		{name: "invalid without a file", suite: goodSuite, scenario: strings.Replace(goodScenario, "{file: r.xml}", "{vp_fault: VP007, invalid: true}", 1),
			want: []string{"field $.steps[0].respond.invalid", "invalid applies to file only"}},
		{name: "absolute contracts missing", suite: strings.Replace(goodSuite, "contracts: c", "contracts: /nowhere/c", 1),
			want: []string{"s/suite.yaml:3:", "field $.contracts", `directory "/nowhere/c" does not exist`}},
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

// TestLoadAbsolutePaths: file names in a suite may be absolute; LoadDir
// resolves them on disk, LoadDirRooted under its root (as an evidence
// bundle holds them), and the suite says it uses one. Absolute contracts
// used to fail with "does not exist".
func TestLoadAbsolutePaths(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	contracts := filepath.Dir(write("elsewhere/contracts/x.wsdl", "<x/>"))
	response := write("elsewhere/answers/r.xml", "<r/>")
	write("suites/s/suite.yaml", strings.Replace(goodSuite, "contracts: c", "contracts: "+contracts, 1))
	write("suites/s/s1.yaml", strings.Replace(goodScenario, "{file: r.xml}", "{file: "+response+"}", 1))
	s, err := LoadDir(filepath.Join(root, "suites", "s"))
	if err != nil {
		t.Fatal(err)
	}
	if dir, ok := s.ContractsOSDir(); !ok || dir != contracts || !s.Absolute {
		t.Fatalf("contracts on disk %q %v, absolute %v", dir, ok, s.Absolute)
	}
	if b, err := s.ReadFile(response); err != nil || string(b) != "<r/>" {
		t.Fatalf("absolute response file: %q %v", b, err)
	}

	// The same suite copied below a root at its full path (a bundle).
	bundle := t.TempDir()
	if err := os.CopyFS(filepath.Join(bundle, filepath.FromSlash(strings.TrimPrefix(filepath.ToSlash(root), "/"))), os.DirFS(root)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "elsewhere")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(filepath.Join(root, "suites", "s")); err == nil {
		t.Fatal("loaded with its contracts gone")
	}
	inBundle := filepath.Join(bundle, filepath.FromSlash(strings.TrimPrefix(filepath.ToSlash(root), "/")), "suites", "s")
	s, err = LoadDirRooted(bundle, inBundle)
	if err != nil {
		t.Fatal(err)
	}
	if dir, _ := s.ContractsOSDir(); !strings.HasPrefix(dir, bundle) {
		t.Fatalf("rooted contracts %q, want under %s", dir, bundle)
	}
	if _, err := LoadDirRooted(filepath.Join(bundle, "other"), inBundle); err == nil {
		t.Fatal("a suite outside its root loaded")
	}
}

// TestKnownReceivers: the suite's receivers, or those its defaults and
// steps name.
func TestKnownReceivers(t *testing.T) {
	t.Parallel()
	s := &Suite{Defaults: Defaults{Receiver: "SE-A"}, Scenarios: []*Scenario{{Steps: []*Step{
		{Expect: &Expect{Receiver: "SE-B"}}, {Manual: "look"}, {Expect: &Expect{}}, {Expect: &Expect{Receiver: "SE-A"}}}}}}
	if got := s.KnownReceivers(); !slices.Equal(got, []string{"SE-A", "SE-B"}) {
		t.Fatalf("derived %q", got)
	}
	s.Receivers = []string{"SE-C"}
	if got := s.KnownReceivers(); !slices.Equal(got, []string{"SE-C"}) {
		t.Fatalf("given %q", got)
	}
	if !s.AnswersLikePlatform() {
		t.Fatal("platform faults are on by default")
	}
}
