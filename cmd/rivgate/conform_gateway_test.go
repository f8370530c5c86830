package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/conformance/author/initsuite"
	"github.com/rivgate/rivgate/conformance/author/record"
	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/contracts/wsdlserve"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/fixtures"
	"github.com/rivgate/rivgate/gateway"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
	"github.com/rivgate/rivgate/internal/testutil/schematest"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// This test wires the two halves together, as cmd does: it needs both the
// gateway and the conformance harness, which never import each other.

const (
	visitsNS   = "urn:riv:demo:clinic:GetVisitsResponder:1"
	consumerID = "SE2321000016-DEMOCONS"
	gatewayID  = "SE2321000016-GW"
	receiverID = "SE2321000016-CLIN"
)

const visitsRequest = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" xmlns:gv="urn:riv:demo:clinic:GetVisitsResponder:1" xmlns:core="urn:riv:demo:clinic:1">
  <soapenv:Header><itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress></soapenv:Header>
  <soapenv:Body><gv:GetVisits><gv:patientId><core:id>PATIENT</core:id><core:type>1.2.752.129.2.1.3.1</core:type></gv:patientId></gv:GetVisits></soapenv:Body>
</soapenv:Envelope>`

type e2ePKI struct {
	ca                         *pki.CA
	dir, caPath                string
	serverCert, serverKey      string
	gwClientCert, gwClientKey  string
	server, consumer, gwClient *pki.Cert
}

func newE2EPKI(t *testing.T) *e2ePKI {
	t.Helper()
	var p e2ePKI
	var err error
	p.dir = t.TempDir()
	if p.ca, err = pki.NewCA("e2e CA"); err != nil {
		t.Fatal(err)
	}
	p.caPath = filepath.Join(p.dir, "ca.pem")
	if err := os.WriteFile(p.caPath, p.ca.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	p.server, _ = p.ca.IssueServer(pki.Options{})
	p.consumer, _ = p.ca.IssueClient(consumerID, pki.Options{})
	p.gwClient, _ = p.ca.IssueClient(gatewayID, pki.Options{})
	if p.serverCert, p.serverKey, err = p.server.WriteFiles(p.dir, "server"); err != nil {
		t.Fatal(err)
	}
	if p.gwClientCert, p.gwClientKey, err = p.gwClient.WriteFiles(p.dir, "gw-client"); err != nil {
		t.Fatal(err)
	}
	return &p
}

func (p *e2ePKI) serverTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.server.TLSCertificate()}, ClientCAs: p.ca.Pool()}
}

func (p *e2ePKI) consumerClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{p.consumer.TLSCertificate()}, RootCAs: p.ca.Pool()}}}
}

// startGateway runs a real gateway whose TAK routes GetVisits for the
// clinic to producerURL and lets the demo consumer call it.
func startGateway(t *testing.T, p *e2ePKI, producerURL string) *gateway.Gateway {
	t.Helper()
	return startGatewayTimeout(t, p, producerURL, 5*time.Second)
}

// startGatewayTimeout is startGateway with the gateway's producer timeout.
func startGatewayTimeout(t *testing.T, p *e2ePKI, producerURL string, timeout time.Duration) *gateway.Gateway {
	t.Helper()
	return startGatewayProfile(t, p, producerURL, timeout, "RIVTABP21")
}

// startGatewayProfile is startGatewayTimeout with the RIV-TA profile the
// TAK gives the producer (the gateway rewrites the consumer's to it).
func startGatewayProfile(t *testing.T, p *e2ePKI, producerURL string, timeout time.Duration, profile string) *gateway.Gateway {
	t.Helper()
	return startGatewayWith(t, p, gatewayTAK(producerURL, profile), zerolog.Nop(), timeout)
}

// gatewayTAK routes GetVisits for the clinic to producerURL with profile
// and lets the demo consumer call it; the routes list comes last, so a
// caller may add routes.
func gatewayTAK(producerURL, profile string) string {
	return fmt.Sprintf(`permissions:
  - sender: %s
    receiver: %s
    contract: %s
routes:
  - receiver: %s
    contract: %s
    profile: %s
    address: %s
`, consumerID, receiverID, visitsNS, receiverID, visitsNS, profile, producerURL)
}

// startGatewayWith runs a real gateway with the TAK tak, logging to log.
func startGatewayWith(t *testing.T, p *e2ePKI, tak string, log zerolog.Logger, timeout time.Duration) *gateway.Gateway {
	t.Helper()
	dir := t.TempDir()
	takPath := filepath.Join(dir, "tak.yaml")
	if err := os.WriteFile(takPath, []byte(tak), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Instance = config.Instance{Name: "rivgate e2e", ID: "rivgate-e2e"}
	cfg.Listen = config.Listen{HTTPS: "127.0.0.1:0", Admin: "127.0.0.1:0", PathPrefix: "/vp"}
	cfg.TLS.Cert, cfg.TLS.Key, cfg.TLS.ClientCA = p.serverCert, p.serverKey, p.caPath
	cfg.TAK.Files = []string{takPath}
	cfg.Producers.Cert, cfg.Producers.Key, cfg.Producers.CA = p.gwClientCert, p.gwClientKey, p.caPath
	cfg.Producers.Timeout = yamlstrict.Duration(timeout)
	gw, err := gateway.New(cfg, gateway.Deps{Logger: log, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return gw
}

// callVisits is also run from the harness's hook goroutine: it reports
// with t.Error, never t.Fatal.
func callVisits(t *testing.T, c *http.Client, url, patient string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(strings.Replace(visitsRequest, "PATIENT", patient, 1)))
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `"urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`)
	resp, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("HTTP %d from %s: %s", resp.StatusCode, url, b)
	}
	return b
}

// TestRecordThenReplayThroughGateway records the demo consumer talking to
// a producer through the real gateway (consumer -> recorder -> gateway ->
// producer), then replays the recorded suite with the harness playing the
// producer behind a real gateway (consumer -> gateway -> harness), and
// expects a passing run with the consumer identified through the gateway.
func TestRecordThenReplayThroughGateway(t *testing.T) {
	t.Parallel()
	p := newE2EPKI(t)
	root := testutil.RepoRoot(t)
	okResp, err := os.ReadFile(filepath.Join(root, "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	if err != nil {
		t.Fatal(err)
	}
	patients := []string{"191212121212", "194107086995"}

	// Phase 1: record.
	producer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		pat := patients[0]
		if bytes.Contains(body, []byte(patients[1])) {
			pat = patients[1]
		}
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(bytes.ReplaceAll(okResp, []byte("191212121212"), []byte(pat)))
	}))
	producer.TLS = &tls.Config{Certificates: []tls.Certificate{p.server.TLSCertificate()}, ClientCAs: p.ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
	producer.StartTLS()
	defer producer.Close()
	gw1 := startGateway(t, p, producer.URL+"/GetVisits")
	recorded := t.TempDir()
	rec, err := record.New(record.Options{
		Upstream:    "https://" + gw1.Addr() + "/vp/demo/clinic/GetVisits/1/rivtabp21",
		ServerTLS:   p.serverTLS(),
		UpstreamTLS: &tls.Config{Certificates: []tls.Certificate{p.consumer.TLSCertificate()}, RootCAs: p.ca.Pool()},
		Out:         recorded,
		Contracts:   filepath.Join(root, "fixtures", "contracts", "demo_clinic_1.0"),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := rec.Start(ctx); err != nil {
		t.Fatal(err)
	}
	client := p.consumerClient()
	for _, pat := range patients {
		if got := callVisits(t, client, "https://"+rec.Addr()+"/", pat); !bytes.Contains(got, []byte(pat)) {
			t.Fatalf("live answer changed: %s", got)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	// Phase 2: replay through a gateway, the harness playing the producer.
	suite, err := scenario.LoadDir(recorded)
	if err != nil {
		t.Fatal(err)
	}
	var gwURL string
	runDir := t.TempDir()
	h := startHarness(ctx, t, suite, harness.Options{
		TLS: p.serverTLS(), Out: runDir, ViaPlatform: gatewayID,
		Await: func(ctx context.Context, a harness.Await) error {
			callVisits(t, client, gwURL, patients[a.Index])
			return nil
		},
	})
	defer h.Close()
	gw2 := startGateway(t, p, h.URL()+"GetVisits")
	gwURL = "https://" + gw2.Addr() + "/vp/demo/clinic/GetVisits/1/rivtabp21"
	run, err := h.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != result.Pass {
		t.Fatalf("replay through the gateway: %s %+v", run.Status, run.Scenarios)
	}
	for _, st := range run.Scenarios[0].Steps {
		for _, c := range st.Checks {
			if c.ID == scenario.ReqClientCert && !strings.Contains(c.Message, `forwarded by platform "SE2321000016-GW" for consumer "SE2321000016-DEMOCONS"`) {
				t.Errorf("consumer not identified through the gateway: %s", c.Message)
			}
		}
	}
	// The run's checks reproduce from its exchange files alone.
	set, cleanup, err := harness.LoadContracts(suite)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	env := &check.Env{Suite: suite, Contracts: set, Validator: xsd.New(set), ViaPlatform: run.ViaPlatform}
	diffs, err := env.Reevaluate(runDir, run)
	if err != nil || len(diffs) != 0 || run.ViaPlatform != gatewayID {
		t.Fatalf("re-evaluation: %v %v (via %q)", err, diffs, run.ViaPlatform)
	}
}

// postSOAP posts body to url as a SOAP 1.1 request, with the headers given
// as name, value pairs, and reads the answer whatever it is (the run
// judges it, not the caller).
func postSOAP(ctx context.Context, c *http.Client, url string, body []byte, headers ...string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("calling %s: %w", url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// demoSuiteAndRequest is the embedded demo suite and its correct GetVisits
// request.
func demoSuiteAndRequest(t *testing.T) (*scenario.Suite, []byte) {
	t.Helper()
	suite, err := scenario.Load(fixtures.Conformance(), fixtures.DemoSuiteDir)
	if err != nil {
		t.Fatal(err)
	}
	body, err := suite.ReadFile("requests/get-visits.xml")
	if err != nil {
		t.Fatal(err)
	}
	return suite, body
}

// TestBehindThePlatform runs the demo's happy path with the harness behind
// a real gateway: a TAK that gives the producer (the harness) the other
// profile makes the gateway rewrite LogicalAddress to wsa:To, and RIV-PROF-01
// must not blame the consumer for it; a call that bypasses the gateway with
// the consumer's own certificate is a finding, not the consumer's pass.
func TestBehindThePlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		bypass     bool   // the consumer calls the harness directly
		check      string // the check to look at
		status     result.Status
		text       string // in its message
		otherFails bool   // other checks may fail
	}{
		{name: "profile rewritten by the platform", check: scenario.ReqProfile, status: result.NotApplicable, text: "the platform rewrote"},
		{name: "call bypassing the platform", bypass: true, check: scenario.ReqClientCert, status: result.Fail,
			text: "only its certificate is accepted (a call that bypasses the platform)", otherFails: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newE2EPKI(t)
			suite, body := demoSuiteAndRequest(t)
			client := p.consumerClient()
			var target string
			var progress syncbuf.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			h := startHarness(ctx, t, suite, harness.Options{
				TLS: p.serverTLS(), Out: t.TempDir(), ViaPlatform: gatewayID, Scenarios: []string{"S01"}, Progress: &progress,
				Await: func(ctx context.Context, a harness.Await) error {
					return postSOAP(ctx, client, target, body, "x-rivta-original-serviceconsumer-hsaid", consumerID)
				},
			})
			defer h.Close()
			gw := startGatewayProfile(t, p, h.URL()+"GetVisits", 5*time.Second, "RIVTABP20")
			target = "https://" + gw.Addr() + "/vp/demo/clinic/GetVisits/1/rivtabp21"
			if tc.bypass {
				target = h.URL() + "GetVisits"
			}
			run, err := h.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			for _, sc := range run.Scenarios {
				for _, st := range sc.Steps {
					for _, c := range st.Checks {
						if c.Status == result.Fail && c.ID != tc.check && !tc.otherFails {
							t.Errorf("%s/%s %s failed: %s", sc.ID, st.ID, c.ID, c.Message)
						}
						if c.ID == tc.check {
							seen = append(seen, string(c.Status)+": "+c.Message)
							if c.Status != tc.status || !strings.Contains(c.Message, tc.text) {
								t.Errorf("%s: %s %q, want %s with %q", c.ID, c.Status, c.Message, tc.status, tc.text)
							}
						}
					}
				}
			}
			if len(seen) == 0 {
				t.Errorf("no %s check in the run", tc.check)
			}
			// The start banner names the certificate that arrives.
			if want := "platform " + gatewayID + " calls " + h.URL() + " with its client certificate for consumer " + consumerID; !strings.Contains(progress.String(), want) {
				t.Errorf("progress lacks %q:\n%s", want, progress.String())
			}
		})
	}
}

// TestDemoSuiteThroughGateway runs the embedded demo suite (every fault
// type) with a well-behaved consumer calling a real gateway, the harness
// playing the producer behind it, as the demo does. The gateway's producer
// timeout (2s) is below the suite's consumer timeout (5s), so the timeout
// step sees the gateway give up in time.
func TestDemoSuiteThroughGateway(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the whole demo suite (about 40s)")
	}
	p := newE2EPKI(t)
	suite, body := demoSuiteAndRequest(t)
	client := p.consumerClient()
	client.Timeout = 4 * time.Second
	var gwURL string
	var mu sync.Mutex
	seen := map[string]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h := startHarness(ctx, t, suite, harness.Options{
		TLS: p.serverTLS(), Out: t.TempDir(), ViaPlatform: gatewayID,
		Await: func(ctx context.Context, a harness.Await) error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, gwURL, bytes.NewReader(body))
			req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
			resp, err := client.Do(req)
			if err != nil {
				return nil // gave up: allowed
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			seen[a.Scenario.ID+"/"+a.Step.ID] = resp.StatusCode
			mu.Unlock()
			return nil
		},
	})
	defer h.Close()
	gw := startGatewayTimeout(t, p, h.URL()+"GetVisits", 2*time.Second)
	gwURL = "https://" + gw.Addr() + "/vp/demo/clinic/GetVisits/1/rivtabp21"
	run, err := h.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var failed []string
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				if c.Status == result.Fail {
					failed = append(failed, fmt.Sprintf("%s/%s %s: %s", sc.ID, st.ID, c.ID, c.Message))
				}
			}
		}
	}
	if len(failed) > 0 || run.Status != result.ManualPending {
		t.Fatalf("status %s, failures:\n%s\nconsumer saw %v", run.Status, strings.Join(failed, "\n"), seen)
	}
	if seen["S01/get-visits"] != 200 || seen["S04/vp007"] != 500 || seen["S06/reset"] != 500 {
		t.Fatalf("consumer saw %v", seen)
	}
}

// TestPlatformFaultsMatchGateway: the harness refuses the receivers the
// platform refuses (missing, surrounding whitespace, not routed) with the
// very fault the real gateway gives (faultcode, faultstring, detail), so a
// consumer's error handling meets the same answer in a conformance run as
// in production.
func TestPlatformFaultsMatchGateway(t *testing.T) {
	t.Parallel()
	p := newE2EPKI(t)
	suite, err := scenario.Load(fixtures.Conformance(), fixtures.DemoSuiteDir)
	if err != nil {
		t.Fatal(err)
	}
	suite.Instance = "rivgate e2e" // the gateway's instance name
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := startHarness(ctx, t, suite, harness.Options{TLS: p.serverTLS()})
	defer h.Close()
	served := make(chan error, 1)
	go func() {
		_, err := h.Serve(ctx)
		served <- err
	}()
	gw := startGateway(t, p, "https://127.0.0.1:1/unused")
	client := p.consumerClient()
	post := func(url, body string) *vpfault.Parsed {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		f, err := vpfault.Parse(b)
		if err != nil || resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("%s: HTTP %d %s: %v", url, resp.StatusCode, b, err)
		}
		return f
	}
	header := "<itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress>"
	for _, tc := range []struct{ name, header string }{
		{"surrounding whitespace", "<itr:LogicalAddress>SE2321000016-CLIN </itr:LogicalAddress>"},
		{"not routed", "<itr:LogicalAddress>SE2321000016-ELSE</itr:LogicalAddress>"},
		{"no receiver", ""},
		{"empty receiver", "<itr:LogicalAddress></itr:LogicalAddress>"},
		{"only whitespace", "<itr:LogicalAddress> </itr:LogicalAddress>"},
	} {
		body := strings.Replace(strings.Replace(visitsRequest, "PATIENT", "191212121212", 1), header, tc.header, 1)
		fromGateway := post("https://"+gw.Addr()+"/vp/demo/clinic/GetVisits/1/rivtabp21", body)
		fromHarness := post(h.URL(), body)
		if *fromHarness != *fromGateway {
			t.Errorf("%s: the harness answers %+v, the gateway %+v", tc.name, *fromHarness, *fromGateway)
		}
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

// TestPlatformLogRefusals runs two scenarios behind a real gateway whose
// exchange log the harness follows (--platform-log): in S01 the consumer
// sends a receiver with surrounding whitespace (the gateway answers VP004),
// in S02 one the consumer may not call (VP007). Neither call reaches the
// harness, yet each is a finding of its own scenario, from the gateway's
// log line, and the run completes instead of aborting as unreachable. The
// signed bundle holds the lines and verifies; a line changed in the bundle,
// or changed before signing, fails verify.
func TestPlatformLogRefusals(t *testing.T) {
	t.Parallel()
	p := newE2EPKI(t)
	suite, body := demoSuiteAndRequest(t)
	const otherReceiver = "SE2321000016-OTHER"
	dir := t.TempDir()
	logPath := filepath.Join(dir, "gateway.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	client := p.consumerClient()
	var target string
	receiverFor := map[string]string{"S01": receiverID + " ", "S02": otherReceiver}
	runDir := filepath.Join(dir, "run")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := startHarness(ctx, t, suite, harness.Options{
		TLS: p.serverTLS(), Out: runDir, ViaPlatform: gatewayID, PlatformLog: logPath, Scenarios: []string{"S01", "S02"},
		Await: func(ctx context.Context, a harness.Await) error {
			b := strings.Replace(string(body), "<itr:LogicalAddress>"+receiverID+"<", "<itr:LogicalAddress>"+receiverFor[a.Scenario.ID]+"<", 1)
			return postSOAP(ctx, client, target, []byte(b))
		},
	})
	defer h.Close()
	// The gateway routes the other receiver too, but the consumer may not
	// call it: VP007.
	gw := startGatewayWith(t, p, gatewayTAK(h.URL()+"GetVisits", "RIVTABP21")+fmt.Sprintf(`  - receiver: %s
    contract: %s
    profile: RIVTABP21
    address: %s
`, otherReceiver, visitsNS, h.URL()+"GetVisits"), zerolog.New(logFile).With().Timestamp().Logger(), 5*time.Second)
	target = "https://" + gw.Addr() + "/vp/demo/clinic/GetVisits/1/rivtabp21"
	run, err := h.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if run.Aborted != "" {
		t.Fatalf("aborted: %s", run.Aborted)
	}
	want := map[string]struct{ check, code string }{
		"S01": {scenario.ReqReceiverSpace, "VP004"},
		"S02": {scenario.ReqExpectedRequest, "VP007"},
	}
	for _, sc := range run.Scenarios {
		w := want[sc.ID]
		var got []string
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				got = append(got, c.ID+" "+string(c.Status))
				if c.PlatformLine == 0 {
					continue
				}
				if c.ID != w.check || c.Status != result.Fail || !strings.Contains(c.Message, "refused the call with "+w.code) {
					t.Errorf("%s/%s: %s %s %q, want %s failing with %s", sc.ID, st.ID, c.ID, c.Status, c.Message, w.check, w.code)
				}
				delete(want, sc.ID)
			}
		}
		if sc.Status != result.Fail {
			t.Errorf("%s: %s, checks %v", sc.ID, sc.Status, got)
		}
	}
	if len(want) > 0 {
		t.Fatalf("no refusal finding in %v: %+v", want, run.Scenarios)
	}
	if run.PlatformLog == nil || run.PlatformLog.Lines != 2 || run.PlatformLog.File != result.PlatformLogFile {
		t.Fatalf("platform log %+v", run.PlatformLog)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(runDir, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, schematest.Compile(t, "results.schema.json"), "results.json", b)

	// The report has a finding per refusal, in its scenario; the bundle
	// holds the lines and verifies, report included.
	in, err := report.Load(runDir, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Generate(in, report.LangSV)
	if err != nil {
		t.Fatal(err)
	}
	refusals := map[string]string{}
	for _, f := range rep.Findings {
		if strings.Contains(f.Message, "the platform refused the call") {
			refusals[f.Scenario] = f.Requirement
		}
	}
	if refusals["S01"] != scenario.ReqReceiverSpace || refusals["S02"] != scenario.ReqExpectedRequest {
		t.Errorf("report findings for the refusals: %v", refusals)
	}
	if pl := rep.Environment.PlatformLog; pl == nil || pl.Source != logPath || pl.Lines != 2 {
		t.Errorf("report environment platform log %+v", pl)
	}
	kp := filepath.Join(dir, "key")
	if _, err := evidence.Keygen(kp); err != nil {
		t.Fatal(err)
	}
	signer, err := evidence.LoadSigner(kp, "")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := evidence.LoadPublicKey(kp + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := evidence.Create(evidence.Options{RunDir: runDir, Suite: suite, Signer: signer, Out: filepath.Join(dir, "evidence.zip")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.Verify(bundle, pub); err != nil {
		t.Fatalf("verify: %v", err)
	}
	linesPath := filepath.Join(runDir, result.PlatformLogFile)
	lines, err := os.ReadFile(linesPath)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(lines, []byte("VP007"), []byte("VP006"), 1)
	if bytes.Equal(tampered, lines) {
		t.Fatalf("no VP007 line in %s:\n%s", result.PlatformLogFile, lines)
	}
	// Changed in the bundle after signing: its hash no longer matches.
	rewriteZipEntry(t, bundle, result.PlatformLogFile, tampered)
	var d *evidence.Difference
	if _, err := evidence.Verify(bundle, pub); !errors.As(err, &d) || d.File != result.PlatformLogFile || !strings.Contains(d.Msg, "changed") {
		t.Fatalf("verify of a changed line: %v", err)
	}
	// Changed before signing: the finding no longer follows from it.
	if err := os.WriteFile(linesPath, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	bundle, err = evidence.Create(evidence.Options{RunDir: runDir, Suite: suite, Signer: signer, Out: filepath.Join(dir, "evidence2.zip")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.Verify(bundle, pub); !errors.As(err, &d) || d.File != result.PlatformLogFile || !strings.Contains(d.Msg, "VP006") {
		t.Fatalf("verify of a line changed before signing: %v", err)
	}
}

// rewriteZipEntry replaces one entry's content in the zip at p, keeping
// the others as they are.
func rewriteZipEntry(t *testing.T, p, name string, data []byte) {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
		if err != nil {
			t.Fatal(err)
		}
		b := data
		if f.Name != name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
		} else {
			found = true
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	zr.Close()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%s has no entry %s", p, name)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestZeepThroughGatewaySameVerdicts is issue 18's last "done when": a
// suite written by `conform init` for a real contract, run with
// python3-zeep as the consumer straight to the harness, then through a real
// rivgate gateway whose TAK gives the producer the other RIV-TA profile (so
// the gateway rewrites LogicalAddress to wsa:To): both runs give the same
// verdicts, scenario by scenario, step by step and check by check (fail,
// skip, or neither: pass and n/a are both no finding). RIV-PROF-01 is n/a
// behind the rewrite, where the direct run passes it; RIV-HDR-01 passes
// behind the gateway, which adds x-rivta-original-serviceconsumer-hsaid,
// and is n/a direct, where nothing sends it.
func TestZeepThroughGatewaySameVerdicts(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: runs python3-zeep through a generated suite twice")
	}
	python := testutil.Zeep(t)
	const (
		receiver = "SE2321000016-1234"
		op       = "GetCareContacts"
		contract = "urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:2"
	)
	root := testutil.RepoRoot(t)
	contractDir := filepath.Join(rivtatest.Contracts(t), "clinicalprocess_logistics_logistics_2.0.1")
	script := filepath.Join(root, "cmd", "rivgate", "internal", "conformcmd", "testdata", "zeep_init_consumer.py")
	p := newE2EPKI(t)
	consCert, consKey, err := p.consumer.WriteFiles(p.dir, "consumer")
	if err != nil {
		t.Fatal(err)
	}
	served, err := wsdlserve.New(contractDir)
	if err != nil {
		t.Fatal(err)
	}
	var wsdlPath string
	for _, sp := range served.Paths() {
		if strings.Contains(strings.ToLower(sp), "/"+strings.ToLower(op)+"/") {
			wsdlPath = sp
		}
	}
	if wsdlPath == "" {
		t.Fatalf("no served WSDL for %s in %v", op, served.Paths())
	}
	work := t.TempDir()
	suiteDir, logPath, viaFile := filepath.Join(work, "suite"), filepath.Join(work, "zeep.log"), filepath.Join(work, "service-url")
	res, err := initsuite.Write(initsuite.Options{Contracts: contractDir, Operations: []string{op}, Receiver: receiver, Consumer: consumerID,
		Trigger: []string{"/usr/bin/env", "RIVGATE_SERVICE_URL_FILE=" + viaFile, python, script, wsdlPath, op,
			filepath.Join(suiteDir, "requests", op+".xml"), consCert, consKey, p.caPath, logPath, "good"},
		Out: suiteDir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Operations[0].Profile != "RIVTABP21" {
		t.Fatalf("%s is %s; the test gives the producer RIVTABP20", op, res.Operations[0].Profile)
	}
	suite := res.Suite
	suite.Defaults.Settle = yamlstrict.Duration(300 * time.Millisecond)
	// The happy path and the producer fault with its manual step.
	scenarios := []string{suite.Scenarios[0].ID, suite.Scenarios[2].ID}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runOnce := func(name, via string, gateway func(harnessURL string) string) *result.Run {
		t.Helper()
		var progress syncbuf.Buffer
		h := startHarness(ctx, t, suite, harness.Options{TLS: p.serverTLS(), Out: filepath.Join(work, name), ViaPlatform: via,
			Scenarios: scenarios, Progress: &progress})
		defer h.Close()
		if gateway != nil {
			if err := os.WriteFile(viaFile, []byte(gateway(h.URL())), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		run, err := h.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != result.ManualPending {
			t.Fatalf("%s: status %s, want manual-pending (a well-behaved zeep)\n%s", name, run.Status, progress.String())
		}
		return run
	}
	direct := runOnce("direct", "", nil)
	through := runOnce("through-gateway", gatewayID, func(harnessURL string) string {
		tak := fmt.Sprintf(`permissions:
  - sender: %s
    receiver: %s
    contract: %s
routes:
  - receiver: %s
    contract: %s
    profile: RIVTABP20
    address: %s
`, consumerID, receiver, contract, receiver, contract, harnessURL+wsdlPath)
		gw := startGatewayWith(t, p, tak, zerolog.Nop(), 5*time.Second)
		return "https://" + gw.Addr() + "/" + strings.TrimPrefix(wsdlPath, "/")
	})
	// verdicts lists each step's status and its checks' statuses.
	verdicts := func(run *result.Run) []string {
		var out []string
		for _, sc := range run.Scenarios {
			out = append(out, sc.ID+" "+string(sc.Status))
			for _, st := range sc.Steps {
				out = append(out, sc.ID+"/"+st.ID+" "+string(st.Status))
				for _, c := range st.Checks {
					verdict := "no finding"
					if c.Status == result.Fail || c.Status == result.Skip {
						verdict = string(c.Status)
					}
					out = append(out, sc.ID+"/"+st.ID+" "+c.ID+" "+verdict)
				}
			}
		}
		return out
	}
	if d, g := verdicts(direct), verdicts(through); !slices.Equal(d, g) {
		t.Fatalf("verdicts differ\ndirect:  %q\nthrough: %q", d, g)
	}
	rewritten := false
	for _, st := range through.Scenarios[0].Steps {
		for _, c := range st.Checks {
			rewritten = rewritten || c.ID == scenario.ReqProfile && c.Status == result.NotApplicable
		}
	}
	if !rewritten {
		t.Errorf("the gateway did not rewrite the profile: %+v", through.Scenarios[0].Steps)
	}
	saw := strings.Count(readFile(t, logPath), `"outcome": "ok"`)
	if saw < 2 {
		t.Errorf("zeep saw %d OK answers, want one per run's happy path:\n%s", saw, readFile(t, logPath))
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startHarness makes the harness for suite and starts its listener; the
// caller closes it.
func startHarness(ctx context.Context, t *testing.T, suite *scenario.Suite, opts harness.Options) *harness.Harness {
	t.Helper()
	h, err := harness.New(suite, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(ctx); err != nil {
		_ = h.Close()
		t.Fatal(err)
	}
	return h
}
