package scenario

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/schematest"
)

// compileSchema compiles docs/schema/<name>, the JSON Schema an editor
// would use for the YAML files.
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	return schematest.Compile(t, name)
}

// yamlToJSONValue turns a YAML file into the value a JSON Schema validator
// takes (through JSON, so numbers are json.Number).
func yamlToJSONValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFixtureSuitesMatchSchema validates every suite under fixtures/suites
// and each of its scenario files against the published JSON Schemas, so the
// schemas editors use cannot drift from what the loader accepts.
func TestFixtureSuitesMatchSchema(t *testing.T) {
	t.Parallel()
	suiteSchema := compileSchema(t, "suite.schema.json")
	scenarioSchema := compileSchema(t, "scenario.schema.json")
	dirs, err := filepath.Glob(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "*", SuiteFile))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixture suites found: %v", err)
	}
	for _, sf := range dirs {
		dir := filepath.Dir(sf)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			s, err := LoadDir(dir)
			if err != nil {
				// Suites on real contracts skip in the loader only when the
				// shared contracts are absent.
				if strings.Contains(err.Error(), "does not exist") && strings.Contains(err.Error(), "shared") {
					t.Skipf("shared contracts absent: %v", err)
				}
				t.Fatal(err)
			}
			data, _ := os.ReadFile(sf)
			if err := suiteSchema.Validate(yamlToJSONValue(t, data)); err != nil {
				t.Fatalf("%s: %v", sf, err)
			}
			for _, name := range s.ScenarioFiles {
				p := filepath.Join(dir, filepath.FromSlash(name))
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if err := scenarioSchema.Validate(yamlToJSONValue(t, data)); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
			}
		})
	}
}

// TestSchemaRejects shows the schemas are not vacuous: documents the loader
// rejects are rejected by the schemas too.
func TestSchemaRejects(t *testing.T) {
	t.Parallel()
	suiteSchema := compileSchema(t, "suite.schema.json")
	scenarioSchema := compileSchema(t, "scenario.schema.json")
	tests := []struct {
		name   string
		schema *jsonschema.Schema
		doc    string
	}{
		{name: "suite unknown field", schema: suiteSchema, doc: goodSuite + "colour: blue\n"},
		{name: "suite impact 5", schema: suiteSchema, doc: strings.Replace(goodSuite, "impact: 3", "impact: 5", 1)},
		{name: "scenario likelihood 0", schema: scenarioSchema, doc: strings.Replace(goodScenario, "likelihood: 2", "likelihood: 0", 1)},
		{name: "scenario two answers", schema: scenarioSchema, doc: strings.Replace(goodScenario, "{file: r.xml}", "{file: r.xml, vp_fault: VP007}", 1)},
		{name: "scenario bad vp code", schema: scenarioSchema, doc: strings.Replace(goodScenario, "{file: r.xml}", "{vp_fault: VP016}", 1)},
		{name: "matcher without condition", schema: scenarioSchema, doc: strings.Replace(goodScenario, "{operation: Op}", "{operation: Op, match: [{xpath: //a}]}", 1)},
		{name: "bad duration", schema: scenarioSchema, doc: strings.Replace(goodScenario, "{file: r.xml}", "{file: r.xml, delay: soon}", 1)},
		{name: "unknown tag", schema: scenarioSchema, doc: strings.Replace(goodScenario, "likelihood: 2", "likelihood: 2\ntags: [smok]", 1)},
		{name: "tag twice", schema: scenarioSchema, doc: strings.Replace(goodScenario, "likelihood: 2", "likelihood: 2\ntags: [core, core]", 1)},
		{name: "function with a space", schema: scenarioSchema, doc: strings.Replace(goodScenario, "likelihood: 2", "likelihood: 2\nfunctions: ['show visits']", 1)},
		{name: "receiver with whitespace", schema: suiteSchema, doc: goodSuite + "receivers: [' SE2321000016-B']\n"},
		{name: "bad settle", schema: suiteSchema, doc: goodSuite + "defaults: {settle: soon}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.schema.Validate(yamlToJSONValue(t, []byte(tc.doc))); err == nil {
				t.Fatal("schema accepted an invalid document")
			}
		})
	}
	if err := suiteSchema.Validate(yamlToJSONValue(t, []byte(goodSuite))); err != nil {
		t.Fatalf("good suite rejected: %v", err)
	}
	if err := scenarioSchema.Validate(yamlToJSONValue(t, []byte(goodScenario))); err != nil {
		t.Fatalf("good scenario rejected: %v", err)
	}
}
