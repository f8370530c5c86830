package check

import (
	"net/http"
	"testing"
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
