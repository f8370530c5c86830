package soapui

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/sample"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

// tkRunPKI is the certificates of a TK run: the mock's server
// certificate and the tester's client certificate, from one CA.
type tkRunPKI struct {
	ca             *pki.CA
	server, client *pki.Cert
}

func newTKRunPKI(t *testing.T) *tkRunPKI {
	t.Helper()
	ca, err := pki.NewCA("TK run test CA")
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.IssueServer(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.IssueClient(DefaultConsumerHSAID, pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &tkRunPKI{ca: ca, server: server, client: client}
}

func (p *tkRunPKI) serverTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.server.TLSCertificate()}, ClientCAs: p.ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
}

func (p *tkRunPKI) clientTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.client.TLSCertificate()}, RootCAs: p.ca.Pool()}
}

// serveMock serves an imported Mock suite with the harness's serve mode
// on loopback until the test ends; it returns the mock's URL.
func serveMock(t *testing.T, p *tkRunPKI, dir string) string {
	t.Helper()
	suite, err := scenario.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := harness.New(suite, harness.Options{TLS: p.serverTLS(), Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := h.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := h.Serve(ctx)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve %s: %v", dir, err)
		}
		h.Close()
	})
	return h.URL()
}

// runProducer runs an imported producer suite against url over mTLS.
func runProducer(t *testing.T, p *tkRunPKI, dir, url string, scenarios ...string) *result.Run {
	t.Helper()
	suite, err := scenario.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := harness.RunProducer(ctx, suite, harness.ProducerOptions{URL: url, TLS: p.clientTLS(), Out: t.TempDir(), Scenarios: scenarios})
	if err != nil {
		t.Fatal(err)
	}
	if run.Aborted != "" {
		t.Fatalf("run aborted: %s", run.Aborted)
	}
	return run
}

// findings lists a run's failed checks as "scenario title/check: message".
func findings(run *result.Run) []string {
	var out []string
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				if c.Status == result.Fail {
					out = append(out, sc.Title+"/"+c.ID+": "+c.Message)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestTKSuitesRun: for three contracts, the imported producer suite runs
// over mTLS against (a) the imported Mock of the same contract served by
// the harness, (b) a stand-in answering the contract's sample response,
// and (c) wrong answers, each failing with the right finding.
func TestTKSuitesRun(t *testing.T) {
	root := testutil.Shared(t, "soapui")
	p := newTKRunPKI(t)
	tests := []struct {
		domain, test, mock string
		// mockFindings: Inera's GetCareContactsMock answers break the
		// suite's own Schematron (no code or originalText in
		// accountableHealthcareProfessional): real findings.
		mockFindings []string
	}{
		{"clinicalprocess_logistics_logistics_2.0.1", "GetCareContacts", "GetCareContactsMock", []string{
			"CareContactId Filter/response-schematron[0]", "CareUnitHSAid Filter/response-schematron[0]",
			"Date boundaries/response-schematron[0]", "Http-header filter/response-schematron[0]", "Only PatientId/response-schematron[0]"}},
		{"clinicalprocess_activityprescription_actoutcome_1.0.0", "GetVaccinationHistory", "GetVaccinationHistoryMock", nil},
		{"clinicalprocess_healthcond_description_2.1.1", "GetDiagnosis", "GetDiagnosisMock", nil},
	}
	for _, tc := range tests {
		t.Run(tc.test, func(t *testing.T) {
			out := t.TempDir()
			rep, err := Import(Options{Path: filepath.Join(root, tc.domain, "test-suite"), Out: out,
				Contracts: testutil.Shared(t, "contracts", tkContracts[tc.domain])})
			if err != nil {
				t.Fatal(err)
			}
			var testRep *ProjectReport
			for i := range rep.Projects {
				if rep.Projects[i].Kind == "test" && rep.Projects[i].Suite == tc.test {
					testRep = &rep.Projects[i]
				}
			}
			if testRep == nil {
				t.Fatalf("no test project %s imported", tc.test)
			}
			testDir := filepath.Join(out, tc.test)

			// (a) against the imported Mock: the correct producer.
			run := runProducer(t, p, testDir, serveMock(t, p, filepath.Join(out, tc.mock)))
			checkNamesTKCases(t, run, testRep)
			if got := findingIDs(run); !slices.Equal(got, tc.mockFindings) {
				t.Errorf("against the mock, findings:\n%s\nwant: %q", strings.Join(findings(run), "\n"), tc.mockFindings)
			}

			// (b) against a stand-in answering the contract's sample
			// response: valid, but without the TK test data.
			set, err := contracts.LoadDir(testutil.Shared(t, "contracts", tkContracts[tc.domain]))
			if err != nil {
				t.Fatal(err)
			}
			var body []byte
			for _, op := range set.Operations() {
				if op.Name == tc.test {
					body, err = sample.Response(op, sample.Options{Rich: true})
				}
			}
			if err != nil || body == nil {
				t.Fatalf("sample response for %s: %v", tc.test, err)
			}
			run = runProducer(t, p, testDir, standIn(t, p, body))
			checkNamesTKCases(t, run, testRep)
			// The sample is valid: only the checks of TK data, the expected
			// faults and Schematron's business rules fail, each saying why.
			dataDriven := false
			for _, f := range findings(run) {
				dataDriven = dataDriven || strings.Contains(f, "(data expectedDocumentIds): not found")
				if strings.Contains(f, "/response-schema: ") && !strings.Contains(f, "want a SOAP fault") {
					t.Errorf("the sample answer fails its schema: %s", f)
				}
			}
			if !dataDriven {
				t.Errorf("no finding says which TK data the sample lacks:\n%s", strings.Join(findings(run), "\n"))
			}

			// (c) wrong answers: the mock's own answer to "Only PatientId"
			// with an element missing, and with a Schematron rule broken.
			if tc.test != "GetVaccinationHistory" {
				return
			}
			good, err := os.ReadFile(filepath.Join(out, tc.mock, "responses", "03-only-patientid.xml"))
			if err != nil {
				t.Fatal(err)
			}
			wrong := []struct {
				name, cut, check, frag string
			}{
				{"missing element", "<urn1:sourceSystemHSAId>1234</urn1:sourceSystemHSAId>", "response-schema", "vaccinationMedicalRecordHeader: unexpected child element {urn:riv:clinicalprocess:activityprescription:actoutcome:1}documentTitle; expected is ( {urn:riv:clinicalprocess:activityprescription:actoutcome:1}sourceSystemHSAId )"}, // where sourceSystemHSAId must be
				{"Schematron rule broken", "<urn1:nullified>false</urn1:nullified>", "response-schematron[0]", "must contain nullified element"},
			}
			for _, w := range wrong {
				if !bytes.Contains(good, []byte(w.cut)) {
					t.Fatalf("%s: the mock answer has no %s", w.name, w.cut)
				}
				run := runProducer(t, p, testDir, standIn(t, p, bytes.Replace(good, []byte(w.cut), nil, 1)), "TK03")
				got := findings(run)
				if len(got) == 0 || !slices.ContainsFunc(got, func(f string) bool {
					return strings.HasPrefix(f, "Only PatientId/"+w.check+": ") && strings.Contains(f, w.frag)
				}) {
					t.Errorf("%s: findings %q, want %s saying %q", w.name, got, w.check, w.frag)
				}
			}
		})
	}
}

// standIn serves body to every request over mTLS on loopback.
func standIn(t *testing.T, p *tkRunPKI, body []byte) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(body)
	}))
	srv.TLS = p.serverTLS()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// checkNamesTKCases: the run's scenarios are the TK test cases, by their
// SoapUI names, in order.
func checkNamesTKCases(t *testing.T, run *result.Run, rep *ProjectReport) {
	t.Helper()
	var got, want []string
	for _, sc := range run.Scenarios {
		got = append(got, sc.ID+" "+sc.Title)
	}
	for _, c := range rep.TestCases {
		want = append(want, c.Scenario+" "+c.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("scenarios %q, want the TK test cases %q", got, want)
	}
}

// findingIDs lists a run's failed checks as "scenario title/check".
func findingIDs(run *result.Run) []string {
	var out []string
	for _, f := range findings(run) {
		out = append(out, f[:strings.Index(f, ": ")])
	}
	return out
}
