package conformcmd

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
)

// consumerEnv makes this test binary a consumer under test: a Go SOAP
// client that a suite's trigger runs for one call (goConsumerMain).
const consumerEnv = "RIVGATE_TEST_CONSUMER"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(consumerEnv); cfg != "" {
		os.Exit(goConsumerMain(cfg))
	}
	os.Exit(m.Run())
}

// consumerConfig is what the Go consumer is told in its config file.
type consumerConfig struct {
	Request    string        `json:"request"` // the envelope it sends
	SOAPAction string        `json:"soap_action"`
	Cert, Key  string        // its client certificate
	CA         string        // the harness's CA
	Timeout    time.Duration `json:"timeout"` // its own limit for one call
	Log        string        `json:"log"`     // where it appends what it saw (JSON lines)
}

// observation is what the Go consumer saw on one call.
type observation struct {
	Scenario, Step string
	Status         int
	ContentType    string
	Body           string
	Err            string
	Elapsed        time.Duration
}

// goConsumerMain makes one call to RIVGATE_URL with mutual TLS, as a
// well-behaved consumer does (no retries, its own timeout), and appends
// what it saw to the log. It exits 0 whatever the answer: handling a
// fault is its job.
func goConsumerMain(cfgPath string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "go consumer:", err)
		return 3
	}
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		return fail(err)
	}
	var cfg consumerConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fail(err)
	}
	body, err := os.ReadFile(cfg.Request)
	if err != nil {
		return fail(err)
	}
	pair, err := tls.LoadX509KeyPair(cfg.Cert, cfg.Key)
	if err != nil {
		return fail(err)
	}
	caPEM, err := os.ReadFile(cfg.CA)
	if err != nil {
		return fail(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool}}}
	obs := observation{Scenario: os.Getenv("RIVGATE_SCENARIO"), Step: os.Getenv("RIVGATE_STEP")}
	req, err := http.NewRequest(http.MethodPost, os.Getenv("RIVGATE_URL"), bytes.NewReader(body))
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `"`+cfg.SOAPAction+`"`)
	start := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		var got []byte
		got, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		obs.Status, obs.ContentType, obs.Body = resp.StatusCode, resp.Header.Get("Content-Type"), string(got)
	}
	obs.Elapsed = time.Since(start)
	if err != nil {
		obs.Err = err.Error()
	}
	line, _ := json.Marshal(obs)
	f, err := os.OpenFile(cfg.Log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fail(err)
	}
	return 0
}

// readObservations reads the Go consumer's log, by scenario/step.
func readObservations(t *testing.T, path string) map[string]observation {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]observation{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var o observation
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("consumer log: %v", err)
		}
		key := o.Scenario + "/" + o.Step
		if _, dup := out[key]; dup {
			t.Errorf("the consumer called twice in %s", key)
		}
		out[key] = o
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInitThenRunAgainstGoConsumer is the end-to-end path a supplier takes:
// `conform init` on a real published contract (GetCareContacts 2.0) with a
// trigger that runs a Go consumer, then `conform run` of the suite as
// written over mutual TLS. The consumer behaves well, so nothing fails and
// the run waits only for the manual verdicts; every step answered as its
// scenario says (checked on what the consumer saw); the answers it got
// validate against the contract.
func TestInitThenRunAgainstGoConsumer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: runs a whole generated suite (about 40s of fault windows and timeouts)")
	}
	contractDir := filepath.Join(rivtatest.Contracts(t), "clinicalprocess_logistics_logistics_2.0.1")
	set, err := contracts.LoadDir(contractDir)
	if err != nil {
		t.Fatal(err)
	}
	op, ok := set.ByNamespace("urn:riv:clinicalprocess:logistics:logistics:GetCareContactsResponder:2")
	if !ok {
		t.Fatal("GetCareContacts 2 not in the contract")
	}
	f := writePKI(t)
	work := t.TempDir()
	suiteDir := filepath.Join(work, "suite")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfgPath, logPath := filepath.Join(work, "consumer.json"), filepath.Join(work, "consumer.log")
	cfg, _ := json.Marshal(consumerConfig{Request: filepath.Join(suiteDir, "requests", "GetCareContacts.xml"), SOAPAction: op.SOAPAction,
		Cert: f.clientCert, Key: f.clientKey, CA: f.ca, Timeout: 5 * time.Second, Log: logPath})
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	trigger := fmt.Sprintf("env %s='%s' '%s'", consumerEnv, cfgPath, self)
	code, log := execute(t, New(), "init", "--contracts", contractDir, "--operation", "GetCareContacts",
		"--receiver", "SE2321000016-1234", "--consumer", "SE2321000016-DEMOCONS", "--trigger", trigger, "-o", suiteDir)
	if code != 0 || !strings.Contains(log, "wrote suite getcarecontacts-2-consumer in "+suiteDir+": 6 scenario(s) for GetCareContacts 2.0 (RIVTABP21), 10 files") {
		t.Fatalf("init: exit %d\n%s", code, log)
	}
	if strings.Contains(log, "warning:") {
		t.Errorf("init warned:\n%s", log)
	}

	out := filepath.Join(work, "run")
	code, log = executeWithin(t, 3*time.Minute, New(), "run", "--suite", suiteDir, "--out", out, "--listen", "127.0.0.1:0",
		"--cert", f.serverCert, "--key", f.serverKey, "--client-ca", f.ca)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, log)
	}
	run, err := result.Read(out)
	if err != nil {
		t.Fatal(err)
	}
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
	if len(failed) > 0 || run.Status != result.ManualPending || len(run.Scenarios) != 6 || run.Scenarios[0].Status != result.Pass || len(run.Unexpected) > 0 {
		t.Fatalf("run %s, happy path %s, failures:\n%s\n%s", run.Status, run.Scenarios[0].Status, strings.Join(failed, "\n"), log)
	}

	saw := readObservations(t, logPath)
	full, _ := os.ReadFile(filepath.Join(suiteDir, "responses", "GetCareContacts-full.xml"))
	least, _ := os.ReadFile(filepath.Join(suiteDir, "responses", "GetCareContacts-least.xml"))
	v := xsd.New(set)
	answer := func(want []byte) func(observation) error {
		return func(o observation) error {
			if o.Status != 200 || o.Body != string(want) {
				return fmt.Errorf("HTTP %d %q, want 200 with the scenario's file", o.Status, clip(o.Body))
			}
			if _, probs, err := xsd.ValidateMessage(v, []byte(o.Body)); err != nil || len(probs) > 0 {
				return fmt.Errorf("the answer does not validate against the contract: %v %v", err, probs)
			}
			return nil
		}
	}
	fault := func(text string) func(observation) error {
		return func(o observation) error {
			if o.Status != 500 || faultString(o.Body) == "" || !strings.Contains(faultString(o.Body), text) {
				return fmt.Errorf("HTTP %d faultstring %q, want 500 with %q", o.Status, faultString(o.Body), text)
			}
			return nil
		}
	}
	failedCall := func(o observation) error {
		if o.Err == "" {
			return fmt.Errorf("the call succeeded (HTTP %d), want a broken connection", o.Status)
		}
		return nil
	}
	atLeast := func(d time.Duration, next func(observation) error) func(observation) error {
		return func(o observation) error {
			if o.Elapsed < d {
				return fmt.Errorf("answered after %s, want %s or more", o.Elapsed, d)
			}
			return next(o)
		}
	}
	tests := []struct {
		step string
		want func(observation) error
	}{
		{"GCC-S01/call", answer(full)},
		{"GCC-S02/call", answer(least)},
		{"GCC-S03/producer-fault", fault("The source system could not answer (GetCareContacts)")},
		{"GCC-S03/recovers", answer(full)},
		{"GCC-S04/vp004", fault("VP004 [rivgate]")},
		{"GCC-S04/vp007", fault("VP007 [rivgate]")},
		{"GCC-S04/vp009", fault("VP009 [rivgate]")},
		{"GCC-S04/vp009-timeout", atLeast(3*time.Second, fault("VP009 [rivgate]"))},
		{"GCC-S04/recovers", answer(full)},
		{"GCC-S05/slow", atLeast(2*time.Second, answer(full))},
		{"GCC-S05/no-answer", func(o observation) error {
			if !strings.Contains(o.Err, "Timeout") {
				return fmt.Errorf("HTTP %d %q, want the consumer's own timeout", o.Status, o.Err)
			}
			return nil
		}},
		{"GCC-S05/recovers", answer(full)},
		{"GCC-S06/reset", failedCall},
		{"GCC-S06/empty-reply", failedCall},
		{"GCC-S06/malformed-xml", func(o observation) error {
			if o.Status != 200 || xml.Unmarshal([]byte(o.Body), new(any)) == nil {
				return fmt.Errorf("HTTP %d, want 200 with a body that is not XML", o.Status)
			}
			return nil
		}},
		{"GCC-S06/truncated", failedCall},
		{"GCC-S06/wrong-content-type", func(o observation) error {
			if o.Status != 200 || !strings.HasPrefix(o.ContentType, "text/html") {
				return fmt.Errorf("HTTP %d %s, want 200 text/html", o.Status, o.ContentType)
			}
			return nil
		}},
		{"GCC-S06/recovers", answer(full)},
	}
	for _, tc := range tests {
		o, ok := saw[tc.step]
		if !ok {
			t.Errorf("%s: the consumer never called", tc.step)
			continue
		}
		if err := tc.want(o); err != nil {
			t.Errorf("%s: %v", tc.step, err)
		}
	}
	if len(saw) != len(tests) {
		t.Errorf("the consumer made %d calls, the suite has %d steps that await one", len(saw), len(tests))
	}
}

// faultString is a SOAP fault's faultstring ("" when body is none).
func faultString(body string) string {
	var env struct {
		Fault struct {
			String string `xml:"faultstring"`
		} `xml:"Body>Fault"`
	}
	if xml.Unmarshal([]byte(body), &env) != nil {
		return ""
	}
	return env.Fault.String
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestInitBadInput: what init refuses exits 2 and says why.
func TestInitBadInput(t *testing.T) {
	t.Parallel()
	root := rivtatest.Contracts(t)
	who := []string{"--receiver", "SE2321000016-1234", "--consumer", "SE2321000016-ABCD"}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "several versions", args: append([]string{"--contracts", filepath.Join(root, "infrastructure_itintegration_registry_2.0_RC8"), "--operation", "GetSupportedServiceContracts"}, who...),
			want: []string{"GetSupportedServiceContracts is in the contracts in more than one version", "GetSupportedServiceContracts:1.0  (", "GetSupportedServiceContracts:2.0  (",
				"(for example --operation GetSupportedServiceContracts:1.0)"}},
		{name: "the TAK's own WSDLs", args: append([]string{"--contracts", filepath.Join(root, "skltp_tak_vagval_2.0"), "--operation", "visaVagval"}, who...),
			want: []string{"skltp_tak_vagval_2.0 is not a RIV-TA service contract"}},
		{name: "no operation", args: append([]string{"--contracts", root}, who...), want: []string{"--operation NAME is required: the operation(s) to cover (see rivgate contract inspect " + root + ")"}},
		{name: "no receiver", args: []string{"--contracts", root, "--operation", "X", "--consumer", "SE2321000016-ABCD"}, want: []string{"--receiver HSA-ID is required"}},
		{name: "unbalanced quote in the trigger", args: append([]string{"--contracts", root, "--operation", "X", "--trigger", "./c 'fetch"}, who...),
			want: []string{`--trigger "./c 'fetch"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "suite")
			args := append(append([]string{"init"}, tc.args...), "-o", out)
			code, log := execute(t, New(), args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, log)
			}
			for _, w := range tc.want {
				if !strings.Contains(log, w) {
					t.Errorf("output lacks %q:\n%s", w, log)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "suite.yaml")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused init wrote a suite: %v", err)
			}
		})
	}
}

// TestInitHelp: --help says what init writes and how to choose a version.
func TestInitHelp(t *testing.T) {
	t.Parallel()
	code, out := execute(t, New(), "init", "--help")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"Usage:", "--operation NAME:VERSION", "--trigger", "VP004, VP007, VP009", "kept the user's context", "is refused"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
}
