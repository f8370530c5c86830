package check

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/sample"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil"
)

// BenchmarkRequestChecks is every built-in check plus the demo step's
// three matchers on one GetVisits request (sniff, full parse, XSD, XPath).
func BenchmarkRequestChecks(b *testing.B) {
	env := testEnv(b, nil)
	body, err := env.Suite.ReadFile("requests/get-visits.xml")
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Soapaction": {`"urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`}}
	sc := env.Suite.Scenarios[0]
	env.Request(Request{Message: NewMessage(h, body, nil, nil)}, sc, sc.Steps[0]) // compile the schema outside the loop
	b.ReportAllocs()
	for b.Loop() {
		env.Request(Request{Message: NewMessage(h, body, nil, nil)}, sc, sc.Steps[0])
	}
}

// BenchmarkRequestChecksHeaders is every built-in check on one GetNotes
// request of the fixture contract whose WSDL declares the header Actor:
// BenchmarkRequestChecks plus validating the header element (RIV-HDR-02).
func BenchmarkRequestChecksHeaders(b *testing.B) {
	env := testEnv(b, nil)
	set, err := contracts.LoadDir(filepath.Join(testutil.RepoRoot(b), "fixtures", "contracts", "demo_notes_1.0"))
	if err != nil {
		b.Fatal(err)
	}
	env.Contracts, env.Validator = set, xsd.New(set)
	op, _ := set.ByNamespace("urn:riv:demo:notes:GetNotesResponder:1")
	body, err := sample.Request(op, sample.Options{Receiver: "SE2321000016-CLIN"})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Soapaction": {`"urn:riv:demo:notes:GetNotesResponder:1:GetNotes"`}}
	req := Request{Message: NewMessage(h, body, nil, nil)}
	for _, c := range env.Request(req, nil, nil) { // compile the schemas outside the loop
		if (c.ID == scenario.ReqSchema || c.ID == scenario.ReqHeaderElements) && c.Status != result.Pass {
			b.Fatalf("%s: %s", c.ID, c.Message)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		env.Request(req, nil, nil)
	}
}
