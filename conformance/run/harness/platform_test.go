package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// TestPlatformAnswers: a request the real platform would refuse for its
// receiver gets the platform's fault, as well as the finding, so the
// consumer's error handling meets what production gives it; a suite can
// turn that off; a profile other than the contract's is a finding only
// (the platform rewrites it). The harness used to answer all of these
// with the step's normal answer.
func TestPlatformAnswers(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	replace := func(old, new string) string { return strings.Replace(goodEnvelope, old, new, 1) }
	off := false
	const visits = "urn:riv:demo:clinic:GetVisitsResponder:1"
	tests := []struct {
		name      string
		body      string
		suite     func(s *scenario.Suite)
		code      vpfault.Code // 0: the step's own answer (HTTP 200)
		detail    string       // the fault's detailString
		failed    []string     // exactly these checks fail on HAPPY/get-visits
		stepNotes string       // fragment of the step's message
	}{
		{name: "receiver with surrounding whitespace", body: replace(">SE2321000016-CLIN<", "> SE2321000016-CLIN<"),
			code: vpfault.VP004, detail: "No receiverId (logical address) found for serviceNamespace: " + visits + ", receiverId:  SE2321000016-CLIN. Whitespace detected in incoming request!",
			failed: []string{"RIV-RECV-02"}, stepNotes: `answered vp_fault VP004 as the platform would (receiver " SE2321000016-CLIN" has surrounding whitespace) instead of file`},
		{name: "receiver not among the suite's", body: replace(">SE2321000016-CLIN<", ">SE2321000016-ELSE<"),
			code: vpfault.VP004, detail: "No receiverId (logical address) found for serviceNamespace: " + visits + ", receiverId: SE2321000016-ELSE",
			failed: []string{"RIV-STEP-01"}, stepNotes: `receiver "SE2321000016-ELSE" is not among the suite's receivers`},
		{name: "no receiver", body: replace("<soapenv:Header><itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress></soapenv:Header>", "<soapenv:Header/>"),
			code: vpfault.VP003, detail: "No receiverId (logical address) found in message header.",
			failed: []string{"RIV-PROF-01", "RIV-RECV-01", "RIV-STEP-01"}, stepNotes: "the request names no receiver"},
		{name: "another receiver the suite names: routed, a finding only", body: replace(">SE2321000016-CLIN<", ">SE2321000016-ELSE<"),
			suite:  func(s *scenario.Suite) { s.Receivers = []string{"SE2321000016-CLIN", "SE2321000016-ELSE"} },
			failed: []string{"RIV-STEP-01"}},
		{name: "platform faults turned off", body: replace(">SE2321000016-CLIN<", "> SE2321000016-CLIN<"),
			suite:  func(s *scenario.Suite) { s.PlatformFaults = &off },
			failed: []string{"RIV-RECV-02"}},
		{name: "the other profile: rewritten by the platform, a finding only",
			body:   replace(`<itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress>`, `<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">SE2321000016-CLIN</wsa:To>`),
			failed: []string{"RIV-PROF-01"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			suite := loadBehaviourSuite(t)
			if tc.suite != nil {
				tc.suite(suite)
			}
			c := newGoConsumer(p, p.good, 2*time.Second)
			c.body = func() []byte { return []byte(tc.body) }
			run := runHarness(t, suite, Options{TLS: p.serverTLS(), Scenarios: []string{"HAPPY"}, Await: c.await}, c, time.Minute)
			st := run.Scenarios[0].Steps[0]
			var failed []string
			for _, ch := range st.Checks {
				if ch.Status == result.Fail {
					failed = append(failed, ch.ID)
				}
			}
			slices.Sort(failed)
			if !slices.Equal(failed, tc.failed) {
				t.Errorf("failed checks %q, want %q: %v", failed, tc.failed, failures(run))
			}
			got := c.lastAnswer()
			if tc.code == 0 {
				if got.status != http.StatusOK || !strings.HasPrefix(st.Answer, "file ") {
					t.Fatalf("answered %s, HTTP %d, want the step's file", st.Answer, got.status)
				}
				return
			}
			f, err := vpfault.Parse([]byte(got.body))
			if err != nil || got.status != http.StatusInternalServerError {
				t.Fatalf("HTTP %d %q, want %s: %v", got.status, got.body, tc.code, err)
			}
			wantString := tc.code.String() + " [rivgate] " + tc.code.Text()
			if f.Code != tc.code || f.FaultString != wantString || f.FaultCode != string(vpfault.Client) || f.DetailString != tc.detail {
				t.Errorf("fault %s %q %q, want %s %q %q", f.FaultCode, f.FaultString, f.DetailString, vpfault.Client, wantString, tc.detail)
			}
			if st.Answer != "vp_fault "+tc.code.String() || !strings.Contains(st.Message+" "+failures(run)["HAPPY/get-visits/RIV-STEP-01"], tc.stepNotes) {
				t.Errorf("step answer %q message %q, want %q", st.Answer, st.Message, tc.stepNotes)
			}
		})
	}
}

// TestServesContracts: the harness answers ?wsdl and ?xsd= for the suite's
// contracts at the platform's paths, as the gateway does, with the
// service address and schema imports pointing back at itself, so a
// consumer can load the contract from it. It used to answer with a SOAP
// fault.
func TestServesContracts(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	h, err := New(loadBehaviourSuite(t), Options{TLS: p.serverTLS()})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{p.good.TLSCertificate()}, RootCAs: p.ca.Pool()}}}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(h.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	wsdlPath := "vp/demo/clinic/GetVisits/1/rivtabp21"
	status, wsdl := get(wsdlPath + "?wsdl")
	if status != http.StatusOK || !strings.Contains(wsdl, `location="`+h.URL()+wsdlPath+`"`) || !strings.Contains(wsdl, "targetNamespace=\"urn:riv:demo:clinic:GetVisits:1:rivtabp21\"") {
		t.Fatalf("?wsdl: HTTP %d\n%s", status, wsdl)
	}
	i := strings.Index(wsdl, h.URL()+wsdlPath+"?xsd=")
	if i < 0 {
		t.Fatalf("the WSDL's schema imports do not point at the harness:\n%s", wsdl)
	}
	xsdURL := wsdl[i : i+strings.IndexByte(wsdl[i:], '"')]
	status, schema := get(strings.TrimPrefix(strings.ReplaceAll(xsdURL, "&amp;", "&"), h.URL()))
	if status != http.StatusOK || !bytes.Contains([]byte(schema), []byte("schema")) {
		t.Fatalf("%s: HTTP %d\n%s", xsdURL, status, schema)
	}
	if status, body := get("vp/no/such/Thing/1/rivtabp21?wsdl"); status != http.StatusInternalServerError || !strings.Contains(body, wsdlPath) {
		t.Fatalf("unknown WSDL path: HTTP %d %q, want 500 listing %s", status, body, wsdlPath)
	}
	if n := h.requests.Load(); n != 0 {
		t.Errorf("%d contract fetch(es) counted as requests of the run", n)
	}
}
