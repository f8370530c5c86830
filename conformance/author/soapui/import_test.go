package soapui

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/schematest"
)

// tkContracts maps each shared TK domain to its contract directory.
var tkContracts = map[string]string{
	"clinicalprocess_activityprescription_actoutcome_1.0.0": "clinicalprocess_activityprescription_actoutcome_1.0.0/schemas",
	"clinicalprocess_healthcond_description_2.1.1":          "clinicalprocess_healthcond_description_2.1.1/schemas",
	"clinicalprocess_logistics_logistics_2.0.1":             "clinicalprocess_logistics_logistics_2.0.1/schemas",
}

// countProject counts test cases and assertions in a project XML with a
// plain token walk, independent of the importer's parser.
func countProject(t *testing.T, path string) (cases, assertions int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return cases, assertions
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == ConfigNS {
			switch se.Name.Local {
			case "testCase":
				cases++
			case "assertion":
				assertions++
			}
		}
	}
}

// TestImportSharedTKSuites imports every test and mock project under
// ../shared/rivta/soapui/*/test-suite and checks that import.json
// accounts for every test case and assertion, that the suites load, and
// that no request carries a ${...} of a data.xml variable.
func TestImportSharedTKSuites(t *testing.T) {
	root := testutil.Shared(t, "soapui")
	for domain, contracts := range tkContracts {
		t.Run(domain, func(t *testing.T) {
			src := filepath.Join(root, domain, "test-suite")
			out := t.TempDir()
			rep, err := Import(Options{Path: src, Out: out, Contracts: testutil.Shared(t, "contracts", contracts)})
			if err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(src, "*", "*-soapui-project.xml"))
			if len(rep.Projects) != len(files) || len(files) == 0 {
				t.Fatalf("%d projects imported, %d in %s", len(rep.Projects), len(files), src)
			}
			raw, err := os.ReadFile(filepath.Join(out, ReportFile))
			if err != nil {
				t.Fatal(err)
			}
			schematest.ValidateJSON(t, schematest.Compile(t, "import.schema.json"), ReportFile, raw)
			var written Report
			if err := json.Unmarshal(raw, &written); err != nil {
				t.Fatal(err)
			}
			for _, p := range written.Projects {
				cases, asserts := countProject(t, p.File)
				if len(p.TestCases) != cases || len(p.Assertions) != asserts {
					t.Errorf("%s: import.json has %d test cases and %d assertions, the XML %d and %d", p.Name, len(p.TestCases), len(p.Assertions), cases, asserts)
				}
				for _, a := range p.Assertions {
					if a.Fate == "" || (a.Fate == Translated && len(a.Checks) == 0 && a.Note == "") || (a.Fate != Translated && a.Reason == "") {
						t.Errorf("%s: assertion %+v is not accounted for", p.Name, a)
					}
				}
				for _, c := range p.TestCases {
					if c.Scenario == "" || c.File == "" {
						t.Errorf("%s: test case %q has no scenario", p.Name, c.Name)
					}
				}
				suite, err := scenario.LoadDir(filepath.Join(out, p.Suite))
				if err != nil {
					t.Fatalf("%s: the imported suite does not load: %v", p.Name, err)
				}
				if p.Kind == "test" && len(suite.Scenarios) != cases {
					t.Errorf("%s: %d scenarios for %d test cases", p.Name, len(suite.Scenarios), cases)
				}
				if p.Kind == "test" {
					checkExpanded(t, p, suite)
				}
			}
		})
	}
}

// checkExpanded: no request or header carries ${name} of a variable
// data.xml defines.
func checkExpanded(t *testing.T, p ProjectReport, suite *scenario.Suite) {
	t.Helper()
	data, err := ParseDataFile(p.Data)
	if err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile(`\$\{(?:#\w+#)?([^}]+)\}`)
	for _, sc := range suite.Scenarios {
		for _, st := range sc.Steps {
			if st.Request == "" {
				continue
			}
			b, err := suite.ReadFile(st.Request)
			if err != nil {
				t.Fatal(err)
			}
			texts := []string{string(b)}
			for _, v := range st.RequestHeaders {
				texts = append(texts, v)
			}
			for _, s := range texts {
				for _, m := range ref.FindAllStringSubmatch(s, -1) {
					if data.Defines(m[1]) {
						t.Errorf("%s %s: %s still carries %s", sc.ID, st.ID, st.Request, m[0])
					}
				}
			}
		}
	}
}

// TestAssertionStepFixture imports a project whose XPath Match
// assertions sit in separate assertion test steps, with SoapUI's
// inverted fault types and the other assertion kinds.
func TestAssertionStepFixture(t *testing.T) {
	out := t.TempDir()
	rep, err := Import(Options{Path: filepath.Join("testdata", "assertionstep", "Demo-soapui-project.xml"), Out: out,
		Contracts: filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_clinic_1.0")})
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Projects[0]
	got := map[string]AssertionReport{}
	for _, a := range p.Assertions {
		got[a.Name] = a
	}
	want := map[string]string{ // name -> fate and first check
		"Not SOAP Fault":     "translated TK01/2-getvisits/response-fault",
		"SOAP Fault":         "translated TK02/1-getvisits-fault/response-fault",
		"Status":             "translated TK01/2-getvisits/response-status-codes",
		"Not 500":            "translated TK01/2-getvisits/response-not-status-codes",
		"Has booked":         "translated TK01/2-getvisits/response-contains[0]",
		"No error":           "translated TK01/2-getvisits/response-not-contains[0]",
		"SLA":                "translated TK01/2-getvisits/response-time",
		"Visit count":        "translated TK01/2-getvisits/response-match[0]",
		"Patient wildcard":   "translated TK01/2-getvisits/response-match[1]",
		"Fragment":           "not_translated TK01/2-getvisits/assertion-1",
		"Date check":         "not_translated TK01/2-getvisits/assertion-2",
		"Any visit for data": "translated TK01/2-getvisits/response-match[2]",
		"WS-A":               "not_translated TK02/1-getvisits-fault/assertion-1",
	}
	for name, w := range want {
		a, ok := got[name]
		if !ok {
			t.Errorf("assertion %q missing from import.json", name)
			continue
		}
		first := ""
		if len(a.Checks) > 0 {
			first = a.Checks[0]
		}
		if a.Fate+" "+first != w {
			t.Errorf("%q: %s %s (%s), want %s", name, a.Fate, first, a.Reason, w)
		}
	}
	if _, n := countProject(t, filepath.Join("testdata", "assertionstep", "Demo-soapui-project.xml")); n != len(p.Assertions) {
		t.Errorf("import.json has %d assertions, the XML %d", len(p.Assertions), n)
	}
	suite, err := scenario.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	st := suite.Scenarios[0].Steps[0]
	if st.Request == "" {
		st = suite.Scenarios[0].Steps[1]
	}
	b, _ := suite.ReadFile(st.Request)
	if !strings.Contains(string(b), "<core:id>191212121212</core:id>") || strings.Contains(string(b), "${") {
		t.Errorf("request not expanded with the test case's data (test case overrides globaldata):\n%s", b)
	}
	if st.RequestHeaders["x-rivta-original-serviceconsumer-hsaid"] != "SE2321000016-DEMOCONS" {
		t.Errorf("headers %v", st.RequestHeaders)
	}
}
