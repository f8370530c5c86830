package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/fixtures"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/schematest"
)

// testPKI is one CA with the harness's server certificate and consumer
// certificates, plus a stranger CA.
type testPKI struct {
	ca, stranger       *pki.CA
	server             *pki.Cert
	good, wrong, other *pki.Cert
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	var p testPKI
	var err error
	must := func(e error) {
		if e != nil {
			t.Fatal(e)
		}
	}
	p.ca, err = pki.NewCA("harness test CA")
	must(err)
	p.stranger, err = pki.NewCA("stranger CA")
	must(err)
	p.server, err = p.ca.IssueServer(pki.Options{})
	must(err)
	p.good, err = p.ca.IssueClient("SE2321000016-DEMOCONS", pki.Options{})
	must(err)
	p.wrong, err = p.ca.IssueClient("SE2321000016-OTHER", pki.Options{})
	must(err)
	p.other, err = p.stranger.IssueClient("SE2321000016-DEMOCONS", pki.Options{})
	must(err)
	return &p
}

func (p *testPKI) serverTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.server.TLSCertificate()}, ClientCAs: p.ca.Pool()}
}

// goConsumer is a consumer under test written in Go: it sends one request
// per step and can be made to misbehave.
type goConsumer struct {
	url     string
	client  *http.Client
	body    func() []byte
	header  http.Header
	retries int // immediate repeats after an HTTP 500

	mu     sync.Mutex
	errors []string
	// answers are the status and body of every answer, in order.
	answers []answered
}

// answered is one answer a goConsumer got.
type answered struct {
	status int
	body   string
}

// lastAnswer is the last answer c got.
func (c *goConsumer) lastAnswer() answered {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.answers) == 0 {
		return answered{}
	}
	return c.answers[len(c.answers)-1]
}

const goodEnvelope = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" xmlns:gv="urn:riv:demo:clinic:GetVisitsResponder:1" xmlns:core="urn:riv:demo:clinic:1">
  <soapenv:Header><itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress></soapenv:Header>
  <soapenv:Body>
    <gv:GetVisits>
      <gv:patientId><core:id>191212121212</core:id><core:type>1.2.752.129.2.1.3.1</core:type></gv:patientId>
      <gv:careUnitHSAId>SE2321000016-UNIT1</gv:careUnitHSAId>
    </gv:GetVisits>
  </soapenv:Body>
</soapenv:Envelope>`

func (c *goConsumer) call(ctx context.Context) error {
	for attempt := 0; attempt <= c.retries; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.body()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		req.Header.Set("SOAPAction", `"urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`)
		for k, v := range c.header {
			req.Header[k] = v
		}
		resp, err := c.client.Do(req)
		if err != nil {
			c.mu.Lock()
			c.errors = append(c.errors, err.Error())
			c.mu.Unlock()
			return nil // a consumer that gives up is behaving
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.mu.Lock()
		c.answers = append(c.answers, answered{resp.StatusCode, string(b)})
		c.mu.Unlock()
		if resp.StatusCode != 500 {
			return nil
		}
	}
	return nil
}

// await is an Await hook that makes c send its request.
func (c *goConsumer) await(ctx context.Context, _ Await) error { return c.call(ctx) }

func newGoConsumer(p *testPKI, cert *pki.Cert, timeout time.Duration) *goConsumer {
	cfg := &tls.Config{RootCAs: p.ca.Pool()}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{cert.TLSCertificate()}
	}
	return &goConsumer{
		client: &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}},
		body:   func() []byte { return []byte(goodEnvelope) },
	}
}

func loadBehaviourSuite(t testing.TB) *scenario.Suite {
	t.Helper()
	s, err := scenario.LoadDir(filepath.Join(testutil.RepoRoot(t), "conformance", "run", "harness", "testdata", "behaviour"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// loadSuiteFiles writes files (suite-relative name -> content) into a new
// suite directory and loads it.
func loadSuiteFiles(t *testing.T, files map[string]string) *scenario.Suite {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := scenario.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runWith runs the named scenarios with consumer c driven by the Await hook.
func runWith(t *testing.T, p *testPKI, c *goConsumer, scenarios ...string) (*result.Run, string) {
	t.Helper()
	out := t.TempDir()
	var progress bytes.Buffer
	var pmu sync.Mutex
	run := runHarness(t, loadBehaviourSuite(t), Options{
		TLS: p.serverTLS(), Out: out, Scenarios: scenarios,
		Progress: writerFunc(func(b []byte) (int, error) { pmu.Lock(); defer pmu.Unlock(); return progress.Write(b) }),
		Await:    c.await,
	}, c, 60*time.Second)
	pmu.Lock()
	defer pmu.Unlock()
	return run, out + "\n" + progress.String()
}

// runHarness runs suite in a harness made with opts, within limit, with
// consumer c pointed at it, and closes it.
func runHarness(t *testing.T, suite *scenario.Suite, opts Options, c *goConsumer, limit time.Duration) *result.Run {
	t.Helper()
	h, err := New(suite, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := h.Close(); err != nil {
			t.Logf("close: %v", err)
		}
	}()
	c.url = h.URL()
	run, err := h.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// failures lists "scenario/step/check: message" for every failed check.
func failures(run *result.Run) map[string]string {
	out := map[string]string{}
	for _, sc := range run.Scenarios {
		for _, st := range sc.Steps {
			for _, c := range st.Checks {
				if c.Status == result.Fail {
					out[sc.ID+"/"+st.ID+"/"+c.ID] = c.Message
				}
			}
		}
	}
	for i, c := range run.Unexpected {
		out[fmt.Sprintf("unexpected[%d]/%s", i, c.ID)] = c.Message
	}
	return out
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestConsumers drives the harness with a well-behaved Go consumer and with
// deliberately bad ones, and asserts exactly which checks each fails, with
// what message.
func TestConsumers(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	replace := func(old, new string) func() []byte {
		return func() []byte { return []byte(strings.Replace(goodEnvelope, old, new, 1)) }
	}
	tests := []struct {
		name      string
		scenarios []string
		setup     func(c *goConsumer)
		cert      *pki.Cert
		timeout   time.Duration
		want      map[string]string // failed check -> message fragment; exactly these fail
	}{
		{name: "well-behaved", scenarios: []string{"HAPPY", "VP007", "TIMEOUT"}, want: map[string]string{}},
		{name: "wrong profile header", scenarios: []string{"HAPPY"},
			setup: func(c *goConsumer) {
				c.body = replace(`<itr:LogicalAddress>SE2321000016-CLIN</itr:LogicalAddress>`, `<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">SE2321000016-CLIN</wsa:To>`)
			},
			want: map[string]string{"HAPPY/get-visits/RIV-PROF-01": "profile RIVTABP20 (header To), but the contract's WSDL is RIVTABP21"}},
		{name: "whitespace in receiver", scenarios: []string{"HAPPY"},
			setup: func(c *goConsumer) { c.body = replace(">SE2321000016-CLIN<", "> SE2321000016-CLIN\n<") },
			want:  map[string]string{"HAPPY/get-visits/RIV-RECV-02": `receiver " SE2321000016-CLIN\n" has surrounding whitespace`}},
		{name: "invalid body", scenarios: []string{"HAPPY"},
			setup: func(c *goConsumer) {
				c.body = replace("</gv:careUnitHSAId>", "</gv:careUnitHSAId><gv:colour>blue</gv:colour>")
			},
			want: map[string]string{"HAPPY/get-visits/RIV-XSD-01": "schema problem(s) for urn:riv:demo:clinic:GetVisitsResponder:1"}},
		{name: "matcher value wrong", scenarios: []string{"HAPPY"},
			setup: func(c *goConsumer) { c.body = replace("SE2321000016-UNIT1", "SE2321000016-UNIT9") },
			want:  map[string]string{"HAPPY/get-visits/match[1]": `equals "SE2321000016-UNIT1": got "SE2321000016-UNIT9"`}},
		{name: "wrong certificate", scenarios: []string{"HAPPY"}, cert: p.wrong,
			want: map[string]string{"HAPPY/get-visits/RIV-CERT-01": `SERIALNUMBER "SE2321000016-OTHER", want the consumer's HSA-id "SE2321000016-DEMOCONS"`}},
		{name: "certificate from an unknown CA", scenarios: []string{"HAPPY"}, cert: p.other,
			want: map[string]string{"HAPPY/get-visits/RIV-STEP-01": "1 TLS handshake(s) failed meanwhile, the last: TLS handshake error from 127.0.0.1"}},
		{name: "retry storm after VP007", scenarios: []string{"VP007"},
			setup: func(c *goConsumer) { c.retries = 4 },
			want:  map[string]string{"VP007/denied/RIV-BEH-01": "retry storm: 4 repeats after the fault"}},
		{name: "no timeout", scenarios: []string{"TIMEOUT"}, timeout: -1,
			want: map[string]string{"TIMEOUT/no-answer/RIV-BEH-02": "the consumer still waited after 2.5s without an answer (limit 1.5s)"}},
		{name: "wrong content type and SOAPAction", scenarios: []string{"HAPPY"},
			setup: func(c *goConsumer) {
				c.header = http.Header{"Content-Type": {"application/soap+xml; charset=UTF-8"}, "Soapaction": {`"urn:wrong"`}}
			},
			want: map[string]string{
				"HAPPY/get-visits/RIV-HTTP-01":   `Content-Type "application/soap+xml", want text/xml for SOAP 1.1 (that is SOAP 1.2's type)`,
				"HAPPY/get-visits/RIV-ACTION-01": `SOAPAction "urn:wrong", the WSDL gives "urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cert := tc.cert
			if cert == nil {
				cert = p.good
			}
			timeout := tc.timeout
			switch {
			case timeout == 0:
				timeout = time.Second
			case timeout < 0:
				timeout = 0 // no timeout at all
			}
			c := newGoConsumer(p, cert, timeout)
			if tc.setup != nil {
				tc.setup(c)
			}
			run, log := runWith(t, p, c, tc.scenarios...)
			got := failures(run)
			if !slices.Equal(keys(got), keys(tc.want)) {
				t.Fatalf("failed checks %q\nwant %q\nall: %v\n%s", keys(got), keys(tc.want), got, log)
			}
			for k, frag := range tc.want {
				if !strings.Contains(got[k], frag) {
					t.Errorf("%s: message %q does not contain %q", k, got[k], frag)
				}
			}
			wantStatus := result.Pass
			if len(tc.want) > 0 {
				wantStatus = result.Fail
			}
			if run.Status != wantStatus {
				t.Errorf("run status %s, want %s", run.Status, wantStatus)
			}
			// results.json is on disk and reads back the same.
			outDir := strings.SplitN(log, "\n", 2)[0]
			back, err := result.Read(outDir)
			if err != nil {
				t.Fatal(err)
			}
			if back.Status != run.Status || len(back.Scenarios) != len(run.Scenarios) {
				t.Fatalf("results.json differs: %s vs %s", back.Status, run.Status)
			}
			// Every referenced exchange exists, bodies byte-exact.
			for _, sc := range back.Scenarios {
				for _, st := range sc.Steps {
					for _, id := range st.Exchanges {
						if _, err := os.Stat(filepath.Join(outDir, id)); err != nil {
							t.Errorf("exchange %s: %v", id, err)
						}
					}
				}
			}
		})
	}
}

// TestEmbeddedSuite runs the demo suite straight from the binary's
// embedded fixtures (no checkout), as the demo does.
func TestEmbeddedSuite(t *testing.T) {
	t.Parallel()
	suite, err := scenario.Load(fixtures.Conformance(), fixtures.DemoSuiteDir)
	if err != nil {
		t.Fatal(err)
	}
	p := newPKI(t)
	c := newGoConsumer(p, p.good, time.Second)
	run := runHarness(t, suite, Options{TLS: p.serverTLS(), Out: t.TempDir(), Scenarios: []string{"S01", "S02"}, Await: c.await}, c, 30*time.Second)
	if run.Status != result.Pass || run.Summary.Checks.Fail != 0 || run.Summary.Checks.Pass < 20 {
		t.Fatalf("embedded demo suite: %s %+v %v", run.Status, run.Summary, failures(run))
	}
}

// TestReevaluateFromExchanges re-evaluates a run's checks from its
// exchange files alone (what `conform verify` needs): an untouched run
// reproduces exactly; a changed request body does not.
func TestReevaluateFromExchanges(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	c := newGoConsumer(p, p.good, time.Second)
	c.retries = 2 // a storm after the VP007, so behaviour findings are on file too
	run, log := runWith(t, p, c, "HAPPY", "VP007", "TIMEOUT")
	out := strings.SplitN(log, "\n", 2)[0]
	suite := loadBehaviourSuite(t)
	set, cleanup, err := LoadContracts(suite)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	env := &check.Env{Suite: suite, Contracts: set, Validator: xsd.New(set)}
	diffs, err := env.Reevaluate(out, run)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 0 {
		t.Fatalf("untouched run does not reproduce: %v", diffs)
	}
	if len(failures(run)) == 0 {
		t.Fatal("the run has no findings: the test proves too little")
	}
	// Tamper: the happy step's request now names another receiver.
	ex := run.Scenarios[0].Steps[0].Exchanges[0]
	reqFile := filepath.Join(out, strings.TrimSuffix(ex, ".json")+".request.xml")
	b, err := os.ReadFile(reqFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(reqFile, bytes.Replace(b, []byte("SE2321000016-CLIN"), []byte(" SE2321000016-CLIN"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	diffs, err = env.Reevaluate(out, run)
	if err != nil {
		t.Fatal(err)
	}
	// Messages quote the receiver, so three checks differ; one flips.
	var flipped []string
	for _, d := range diffs {
		if d.Recorded != d.Now {
			flipped = append(flipped, d.Check+" "+string(d.Now))
		}
	}
	if len(diffs) != 3 || len(flipped) != 1 || flipped[0] != scenario.ReqReceiverSpace+" fail" {
		t.Fatalf("tampering found %v", diffs)
	}
}

// TestResultsMatchSchema validates a results.json with findings, repeats,
// a timeout and a judged manual verdict against docs/schema/results.schema.json,
// the contract the report and evidence bundle build on.
func TestResultsMatchSchema(t *testing.T) {
	t.Parallel()
	schema := schematest.Compile(t, "results.schema.json")
	p := newPKI(t)
	cons := newGoConsumer(p, p.good, time.Second)
	cons.retries = 3
	_, log := runWith(t, p, cons, "HAPPY", "VP007", "TIMEOUT")
	out := strings.SplitN(log, "\n", 2)[0]
	run, err := result.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	run.Scenarios[0].Steps[0].Manual = &result.Manual{Instruction: "look"}
	if _, err := run.Judge(result.Judgement{Scenario: "HAPPY", Verdict: "fail", Note: "not shown", By: "tester", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := result.Write(out, run); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, result.FileName))
	if err != nil {
		t.Fatal(err)
	}
	schematest.ValidateJSON(t, schema, "results.json", b)
}

// TestPartlyLoadedContracts: a broken WSDL next to good ones does not stop
// the run, but the results say which file failed.
func TestPartlyLoadedContracts(t *testing.T) {
	t.Parallel()
	suite := loadBehaviourSuite(t)
	good, _ := suite.ContractsOSDir()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(good)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Broken_1.0_RIVTABP21.wsdl"), []byte("<definitions"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(suite.OSDir, dir)
	suite.Contracts = filepath.ToSlash(rel)
	p := newPKI(t)
	c := newGoConsumer(p, p.good, time.Second)
	run := runHarness(t, suite, Options{TLS: p.serverTLS(), Scenarios: []string{"HAPPY"}, Await: c.await}, c, 30*time.Second)
	if run.Status != result.Pass || len(run.Notes) != 1 || !strings.Contains(run.Notes[0], "Broken_1.0_RIVTABP21.wsdl") {
		t.Fatalf("status %s notes %q", run.Status, run.Notes)
	}
}

// serveInBackground starts a harness for suite and runs its Serve loop
// until ctx ends; served waits for that loop (the caller cancels ctx
// first) and returns its run.
func serveInBackground(ctx context.Context, t *testing.T, suite *scenario.Suite, opts Options) (h *Harness, served func() *result.Run) {
	t.Helper()
	h, err := New(suite, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	type outcome struct {
		run *result.Run
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		run, err := h.Serve(ctx)
		done <- outcome{run, err}
	}()
	return h, func() *result.Run {
		t.Helper()
		o := <-done
		if o.err != nil {
			t.Fatal(o.err)
		}
		return o.run
	}
}
