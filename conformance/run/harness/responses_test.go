package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
)

// writeSuite writes a one-step suite answering GetVisits with response
// (respond adds to the step's respond block) and loads it. Its contract
// directory is named by its absolute path.
func writeSuite(t *testing.T, response, respond string) *scenario.Suite {
	t.Helper()
	return loadSuiteFiles(t, map[string]string{
		"suite.yaml": `id: responses
title: response files
contracts: ` + filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_clinic_1.0") + `
consumer: {hsa_id: SE2321000016-DEMOCONS}
defaults: {receiver: SE2321000016-CLIN, wait: 4s, settle: 100ms}
requirements: [{id: R-1, text: the consumer fetches visits, impact: 3}]
scenarios: [scenarios/s1.yaml]
`,
		"scenarios/s1.yaml": `id: S1
title: visits
requirements: [R-1]
likelihood: 2
steps:
  - id: fetch
    expect: {operation: GetVisits}
    respond: {file: responses/answer.xml` + respond + `}
`,
		"responses/answer.xml": response,
	})
}

// TestResponseFilesValidated: a response file invalid against the contract
// is an error when the harness loads the suite, naming the scenario file,
// line and field, the file, its element and why; a step that says so sends
// it deliberately. Such files used to be sent without a word.
func TestResponseFilesValidated(t *testing.T) {
	t.Parallel()
	ok, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	if err != nil {
		t.Fatal(err)
	}
	invalid := strings.Replace(string(ok), "<core:status>booked</core:status>", "<core:status>booked</core:status><core:colour>blue</core:colour>", 1)
	p := newPKI(t)

	_, err = New(writeSuite(t, invalid, ""), Options{TLS: p.serverTLS()})
	if err == nil {
		t.Fatal("an invalid response file loaded")
	}
	for _, want := range []string{filepath.Join("scenarios", "s1.yaml") + ":6:", "$.steps[0].respond.file", "response responses/answer.xml",
		"{urn:riv:demo:clinic:GetVisitsResponder:1}GetVisitsResponse is invalid against the contract", "colour", "respond: {invalid: true}"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	if _, err := New(writeSuite(t, string(ok), ""), Options{TLS: p.serverTLS()}); err != nil {
		t.Fatalf("a valid response file: %v", err)
	}
	fault := `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>down</faultstring></soap:Fault></soap:Body></soap:Envelope>`
	if _, err := New(writeSuite(t, fault, ""), Options{TLS: p.serverTLS()}); err != nil {
		t.Fatalf("a recorded SOAP fault: %v", err)
	}

	// Deliberately invalid: loads, and the consumer gets it byte for byte.
	c := newGoConsumer(p, p.good, 2*time.Second)
	run := runHarness(t, writeSuite(t, invalid, ", invalid: true"), Options{TLS: p.serverTLS(), Await: c.await}, c, time.Minute)
	if run.Status != result.Pass || c.lastAnswer().body != invalid {
		t.Fatalf("status %s, the consumer got %q", run.Status, c.lastAnswer().body)
	}
}
