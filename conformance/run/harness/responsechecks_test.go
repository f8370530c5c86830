package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// visitsSchematron: every visit names its care unit (visits-ok.xml does).
const visitsSchematron = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <sch:ns prefix="core" uri="urn:riv:demo:clinic:1"/>
  <sch:pattern id="care-unit">
    <sch:rule context="core:visitId">
      <sch:assert id="unit" test="exists(../core:careUnitHSAId)">Visit <sch:value-of select="."/> needs a careUnitHSAId.</sch:assert>
    </sch:rule>
  </sch:pattern>
</sch:schema>
`

// visitsFault is a SOAP fault a producer may answer with.
const visitsFault = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>` +
	`<faultcode>soap:Server</faultcode><faultstring>backend down</faultstring></soap:Fault></soap:Body></soap:Envelope>`

// TestProducerRequestHeaders: a step's request_headers are sent, and
// replace the Content-Type and SOAPAction producer mode would set.
func TestProducerRequestHeaders(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite, err := scenario.LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		set  map[string]string
		want http.Header
	}{
		{name: "defaults", want: http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Soapaction": {`"urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`}}},
		{name: "added and replaced", set: map[string]string{"x-mock-response": "Only PatientId", "SOAPAction": `"wrong"`, "content-type": "application/soap+xml"},
			want: http.Header{"X-Mock-Response": {"Only PatientId"}, "Soapaction": {`"wrong"`}, "Content-Type": {"application/soap+xml"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan http.Header, 1)
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- r.Header.Clone()
				w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
				_, _ = w.Write([]byte(visitsFault))
			}))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.server.TLSCertificate()}, ClientCAs: p.ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
			srv.StartTLS()
			defer srv.Close()
			s := *suite
			sc := *s.Scenarios[0]
			st := *sc.Steps[0]
			st.RequestHeaders = tc.set
			sc.Steps = []*scenario.Step{&st}
			s.Scenarios = []*scenario.Scenario{&sc}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := RunProducer(ctx, &s, ProducerOptions{URL: srv.URL, Scenarios: []string{sc.ID},
				TLS: &tls.Config{Certificates: []tls.Certificate{p.good.TLSCertificate()}, RootCAs: p.ca.Pool()}}); err != nil {
				t.Fatal(err)
			}
			h := <-got
			for k, v := range tc.want {
				if h.Get(k) != v[0] || len(h.Values(k)) != 1 {
					t.Errorf("%s: %q, want %q", k, h.Values(k), v)
				}
			}
		})
	}
}

// TestProducerResponseChecks drives every kind of response_checks against
// a real mTLS producer stand-in on loopback: each passes on an answer that
// meets it and fails (with a message saying why) on one that does not.
func TestProducerResponseChecks(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	// A copy of the demo suite and its contracts, with a Schematron file.
	root, fixtures := t.TempDir(), filepath.Join(testutil.RepoRoot(t), "fixtures")
	dir := filepath.Join(root, "suites", "demo-clinic")
	for _, sub := range []string{"suites/demo-clinic", "contracts/demo_clinic_1.0"} {
		if err := os.CopyFS(filepath.Join(root, sub), os.DirFS(filepath.Join(fixtures, sub))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "care-unit.sch"), []byte(visitsSchematron), 0o644); err != nil {
		t.Fatal(err)
	}
	ok, err := os.ReadFile(filepath.Join(dir, "responses", "visits-ok.xml"))
	if err != nil {
		t.Fatal(err)
	}
	noUnit := bytes.Replace(ok, []byte("<core:careUnitHSAId>SE2321000016-UNIT1</core:careUnitHSAId>"), nil, 1)
	yes, no := true, false
	const absent = result.Status("absent")
	tests := []struct {
		name   string
		checks scenario.ResponseChecks
		status int
		answer []byte
		want   map[string]result.Status // check id -> status (absent: not reported)
		frag   string                   // in the message of the first listed failing check
		req    string                   // requirement the response checks report against
	}{
		{name: "fault wanted, got one", checks: scenario.ResponseChecks{Fault: &yes}, status: 500, answer: []byte(visitsFault),
			want: map[string]result.Status{CheckResponseFault: result.Pass, CheckResponseStatus: result.Pass}},
		{name: "fault wanted, got an answer", checks: scenario.ResponseChecks{Fault: &yes}, status: 200, answer: ok,
			want: map[string]result.Status{CheckResponseFault: result.Fail}, frag: "want a SOAP fault"},
		{name: "no fault wanted, got one", checks: scenario.ResponseChecks{Fault: &no}, status: 500, answer: []byte(visitsFault),
			want: map[string]result.Status{CheckResponseFault: result.Fail}, frag: `want an answer that is not a SOAP fault, got soap:Server "backend down"`},
		{name: "max_time met", checks: scenario.ResponseChecks{MaxTime: yamlstrict.Duration(time.Minute)}, status: 200, answer: ok,
			want: map[string]result.Status{CheckResponseTime: result.Pass}},
		// No answer over a network arrives within a nanosecond.
		{name: "max_time exceeded", checks: scenario.ResponseChecks{MaxTime: yamlstrict.Duration(time.Nanosecond)}, status: 200, answer: ok,
			want: map[string]result.Status{CheckResponseTime: result.Fail}, frag: "limit 1ns"},
		{name: "status_codes met", checks: scenario.ResponseChecks{StatusCodes: []int{200, 202}}, status: 200, answer: ok,
			want: map[string]result.Status{CheckResponseStatusCodes: result.Pass}},
		{name: "status_codes not met", checks: scenario.ResponseChecks{StatusCodes: []int{202}}, status: 200, answer: ok,
			want: map[string]result.Status{CheckResponseStatusCodes: result.Fail}, frag: "HTTP 200, want one of [202]"},
		{name: "not_status_codes met", checks: scenario.ResponseChecks{NotStatusCodes: []int{500}}, status: 200, answer: ok,
			want: map[string]result.Status{CheckResponseNotStatusCodes: result.Pass}},
		{name: "not_status_codes not met", checks: scenario.ResponseChecks{NotStatusCodes: []int{500, 200}}, status: 200, answer: ok,
			want: map[string]result.Status{CheckResponseNotStatusCodes: result.Fail}, frag: "HTTP 200, want none of [500 200]"},
		{name: "contains text, regex and ignoring case", checks: scenario.ResponseChecks{Contains: []scenario.TextRule{{Text: "V-2026-000117"},
			{Text: `V-\d{4}-000342`, Regex: true}, {Text: "DOKTOR DEMO", IgnoreCase: true}}}, status: 200, answer: ok,
			want: map[string]result.Status{"response-contains[0]": result.Pass, "response-contains[1]": result.Pass, "response-contains[2]": result.Pass}},
		{name: "contains missing", checks: scenario.ResponseChecks{Contains: []scenario.TextRule{{Text: "V-2026-000117"}, {Text: "DOKTOR DEMO"}}}, status: 200, answer: ok,
			want: map[string]result.Status{"response-contains[1]": result.Fail, "response-contains[0]": result.Pass}, frag: `does not contain "DOKTOR DEMO"`},
		{name: "not_contains met", checks: scenario.ResponseChecks{NotContains: []scenario.TextRule{{Text: "lost"}}}, status: 200, answer: ok,
			want: map[string]result.Status{"response-not-contains[0]": result.Pass}},
		{name: "not_contains present", checks: scenario.ResponseChecks{NotContains: []scenario.TextRule{{Text: "BOOKED", IgnoreCase: true}}}, status: 200, answer: ok,
			want: map[string]result.Status{"response-not-contains[0]": result.Fail}, frag: "which it must not"},
		{name: "schematron holds", checks: scenario.ResponseChecks{Schematron: []string{"care-unit.sch"}}, status: 200, answer: ok,
			want: map[string]result.Status{"response-schematron[0]": result.Pass}},
		{name: "schematron rule broken", checks: scenario.ResponseChecks{Schematron: []string{"care-unit.sch"}, Compare: &no}, status: 200, answer: noUnit,
			want: map[string]result.Status{"response-schematron[0]": result.Fail, CheckResponseDiff: absent},
			frag: "Visit V-2026-000117 needs a careUnitHSAId"},
		{name: "schematron file missing", checks: scenario.ResponseChecks{Schematron: []string{"nowhere.sch"}}, status: 200, answer: ok,
			want: map[string]result.Status{"response-schematron[0]": result.Fail}, frag: "nowhere.sch"},
		{name: "compare on: a different answer differs", checks: scenario.ResponseChecks{Contains: []scenario.TextRule{{Text: "V-2026-000342"}}}, status: 200, answer: noUnit,
			want: map[string]result.Status{CheckResponseDiff: result.Fail}, frag: "difference(s) from responses/visits-ok.xml"},
		{name: "compare off: no diff", checks: scenario.ResponseChecks{Compare: &no, Contains: []scenario.TextRule{{Text: "V-2026-000342"}}}, status: 200, answer: noUnit,
			want: map[string]result.Status{CheckResponseDiff: absent, "response-contains[0]": result.Pass}},
		{name: "requirement named", checks: scenario.ResponseChecks{Requirement: "DEMO-03", NotContains: []scenario.TextRule{{Text: "booked"}}}, status: 200, answer: ok,
			want: map[string]result.Status{"response-not-contains[0]": result.Fail}, frag: "which it must not", req: "DEMO-03"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			suite, err := scenario.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			sc := suite.Scenarios[0]
			if sc.ID != "S01" {
				t.Fatalf("demo-clinic starts with %s, want S01", sc.ID)
			}
			checks := tc.checks
			sc.Steps[0].ResponseChecks = &checks
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
				w.WriteHeader(tc.status)
				_, _ = w.Write(tc.answer)
			}))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.server.TLSCertificate()}, ClientCAs: p.ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
			srv.StartTLS()
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			run, err := RunProducer(ctx, suite, ProducerOptions{URL: srv.URL, Scenarios: []string{"S01"},
				TLS: &tls.Config{Certificates: []tls.Certificate{p.good.TLSCertificate()}, RootCAs: p.ca.Pool()}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]result.Check{}
			for _, c := range run.Scenarios[0].Steps[0].Checks {
				got[c.ID] = c
			}
			if got[CheckResponseReceived].Status != result.Pass {
				t.Fatalf("no answer: %+v", got[CheckResponseReceived])
			}
			fragSeen := tc.frag == ""
			for id, want := range tc.want {
				c, ok := got[id]
				switch {
				case want == absent && ok:
					t.Errorf("%s reported (%s: %s), want none", id, c.Status, c.Message)
				case want == absent:
				case !ok:
					t.Errorf("%s not reported; got %v", id, keysOf(got))
				case c.Status != want:
					t.Errorf("%s = %s (%s), want %s", id, c.Status, c.Message, want)
				case c.Status == result.Fail && strings.Contains(c.Message, tc.frag):
					fragSeen = true
				}
				if ok && tc.req != "" && c.Requirement != tc.req {
					t.Errorf("%s reports against %s, want %s", id, c.Requirement, tc.req)
				}
				if ok && tc.req == "" && strings.HasPrefix(id, "response-") && id != CheckResponseDiff && id != CheckResponseStatus && c.Requirement != "DEMO-01" {
					t.Errorf("%s reports against %s, want the scenario's DEMO-01", id, c.Requirement)
				}
			}
			if !fragSeen {
				t.Errorf("no failing check says %q: %+v", tc.frag, got)
			}
		})
	}
}

func keysOf(m map[string]result.Check) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
