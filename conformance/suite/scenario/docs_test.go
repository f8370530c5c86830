package scenario

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
)

// TestDocsExamples loads the suite.yaml and scenario examples in
// docs/conformance-suites.md with the real loader and the JSON Schemas, and
// checks that the documented check table matches the built-in catalogue, so
// the documentation cannot drift from the code.
func TestDocsExamples(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "conformance-suites.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	var suiteYAML, scenarioYAML string
	for _, b := range blocks {
		switch {
		case strings.HasPrefix(b[1], "# suite.yaml\n"):
			suiteYAML = b[1]
		case strings.HasPrefix(b[1], "# scenario\n"):
			scenarioYAML = b[1]
		}
	}
	if suiteYAML == "" || scenarioYAML == "" {
		t.Fatal("docs lost their suite.yaml or scenario example")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "suites", "x")
	write := func(rel, content string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "contracts", "demo_clinic_1.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("suite.yaml", suiteYAML)
	write("scenarios/01-happy-path.yaml", scenarioYAML)
	write("responses/visits-ok.xml", "<r/>")
	write("requests/get-visits.xml", "<r/>")
	s, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("documented example does not load: %v", err)
	}
	if len(s.Scenarios) != 1 || len(s.Scenarios[0].Steps) != 3 {
		t.Fatalf("example loaded as %+v", s)
	}
	if err := compileSchema(t, "suite.schema.json").Validate(yamlToJSONValue(t, []byte(suiteYAML))); err != nil {
		t.Errorf("suite example vs schema: %v", err)
	}
	if err := compileSchema(t, "scenario.schema.json").Validate(yamlToJSONValue(t, []byte(scenarioYAML))); err != nil {
		t.Errorf("scenario example vs schema: %v", err)
	}
	// The template example loads with the documented suite.yaml: its
	// placeholders compile with the suite's prefixes, and it is well-formed.
	var tplStep, tplXML string
	for _, b := range blocks {
		if strings.HasPrefix(b[1], "# a step answered from a template\n") {
			tplStep = b[1]
		}
	}
	for _, b := range regexp.MustCompile("(?s)```xml\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		if strings.HasPrefix(b[1], "<!-- responses/visits-for-request.xml -->\n") {
			tplXML = b[1]
		}
	}
	if tplStep == "" || tplXML == "" {
		t.Fatal("docs lost their template example")
	}
	write("scenarios/01-happy-path.yaml", "id: T\ntitle: template\nrequirements: [DEMO-01]\nlikelihood: 1\nsteps:\n  "+
		strings.ReplaceAll(strings.TrimSpace(tplStep), "\n", "\n  ")+"\n")
	write("responses/visits-for-request.xml", tplXML)
	s, err = LoadDir(dir)
	if err != nil {
		t.Fatalf("documented template example does not load: %v", err)
	}
	tpl, err := s.Template(s.Scenarios[0].Steps[0].Respond.Template)
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.Placeholders) != 7 {
		t.Fatalf("template example has placeholders %v, want 7", tpl.Placeholders)
	}
	for _, r := range BuiltinRequirements() {
		row := regexp.MustCompile(`\| ` + regexp.QuoteMeta(r.ID) + ` \| (\d) \|`).FindStringSubmatch(string(doc))
		if row == nil {
			t.Errorf("built-in check %s is not in the docs' table", r.ID)
			continue
		}
		if n, _ := strconv.Atoi(row[1]); n != r.Impact {
			t.Errorf("docs give %s impact %d, code %d", r.ID, n, r.Impact)
		}
	}
}
