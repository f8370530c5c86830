package demo

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/conformcmd"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/run/harness"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/fixtures"
	"github.com/rivgate/rivgate/gateway"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/buildinfo"
	"github.com/rivgate/rivgate/internal/pki"
)

// Who is who on the demo's platform.
const (
	// gatewayID is the SERIALNUMBER of the gateway's client certificate
	// towards producers; the harness trusts it as the platform in front.
	gatewayID = "SE2321000016-GW"
	// defaultReceiver is the clinic the suite's harness plays.
	defaultReceiver = "SE2321000016-CLIN"
	// secondClinic is a real producer (the demo producer) from the start.
	secondClinic = "SE2321000016-CLIN2"
	// unknownClinic has no route: calls to it get VP004.
	unknownClinic = "SE2321000016-NOSUCH"
	// gatewayTimeout is the gateway's producer timeout for the demo
	// contract: below the suite's consumer_timeout (5 s) and the
	// consumer's own (4 s), so on the silent producer the gateway answers
	// VP009 in time and the harness sees the call given up within the
	// limit.
	gatewayTimeout = 2 * time.Second
)

// env is everything a demo run starts.
type env struct {
	o    Options
	out  *printer
	dir  string // output directory
	work string // private working files (keys, gateway.yaml), removed at the end

	suite  *scenario.Suite
	ca     *pki.CA
	cons   *pki.Cert        // the consumer's client certificate
	sigPub []byte           // evidence signer's public key (PEM)
	signer *evidence.Signer // the run's bundle signer, for the workbench

	h        *harness.Harness
	prod     *producer
	gw       *gateway.Gateway
	consumer *consumer

	gwConfig, takFile string
	gwLog, hLog       *os.File

	run *result.Run
}

// startEnv writes the suite, makes the PKI and starts harness, producer
// and gateway. The returned env (also on error) must be closed.
func startEnv(ctx context.Context, dir string, o Options, out *printer) (*env, error) {
	e := &env{o: o, out: out, dir: dir}
	var err error
	if e.work, err = os.MkdirTemp("", "rivgate-demo-work-"); err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	if e.suite, err = writeSuite(dir); err != nil {
		return e, err
	}
	pkiDir := filepath.Join(e.work, "pki")
	if err := os.Mkdir(pkiDir, 0o700); err != nil {
		return e, fmt.Errorf("pki directory: %w", err)
	}
	if e.ca, err = pki.NewCA("rivgate demo CA (test only)"); err != nil {
		return e, err
	}
	server, err := e.ca.IssueServer(pki.Options{CommonName: "rivgate demo"})
	if err != nil {
		return e, err
	}
	if e.cons, err = e.ca.IssueClient(e.suite.Consumer.HSAID, pki.Options{CommonName: "demo consumer"}); err != nil {
		return e, err
	}
	gwClient, err := e.ca.IssueClient(gatewayID, pki.Options{CommonName: "rivgate demo gateway"})
	if err != nil {
		return e, err
	}
	if err := os.WriteFile(filepath.Join(pkiDir, "ca.pem"), e.ca.CertPEM, 0o644); err != nil {
		return e, fmt.Errorf("write CA: %w", err)
	}
	if _, _, err := server.WriteFiles(pkiDir, "gateway"); err != nil {
		return e, err
	}
	if _, _, err := gwClient.WriteFiles(pkiDir, "gateway-client"); err != nil {
		return e, err
	}
	out.linef("test PKI: a CA, one server certificate (127.0.0.1, localhost), client certificates for the consumer %s and the gateway %s", e.suite.Consumer.HSAID, gatewayID)

	serverTLS := &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, ClientCAs: e.ca.Pool(), MinVersion: tls.VersionTLS12}
	if e.hLog, err = os.Create(filepath.Join(dir, "harness.log")); err != nil {
		return e, fmt.Errorf("harness log: %w", err)
	}
	steps := newStepPrinter(out)
	e.consumer = newConsumer(e.cons.TLSCertificate(), &tls.Config{RootCAs: e.ca.Pool(), MinVersion: tls.VersionTLS12}, steps.step)
	e.h, err = harness.New(e.suite, harness.Options{
		TLS:         serverTLS,
		Out:         dir,
		Progress:    &progressFilter{log: e.hLog, steps: steps, verbose: o.Verbose},
		ManualHint:  conformcmd.JudgeHint, // harness.log says how to record a verdict, as `conform run` does
		Await:       e.consumer.await,
		Scenarios:   o.Scenarios,
		ViaPlatform: gatewayID,
	})
	if err != nil {
		return e, fmt.Errorf("harness: %w", err)
	}
	if err := e.h.Start(ctx); err != nil {
		return e, err
	}
	out.linef("conformance harness (plays the producer %s behind the gateway): %s", defaultReceiver, e.h.URL())

	answer, err := e.suite.ReadFile("responses/visits-ok.xml")
	if err != nil {
		return e, fmt.Errorf("demo producer answer: %w", err)
	}
	if e.prod, err = startProducer(serverTLS, answer, e.hLog); err != nil {
		return e, err
	}
	out.linef("demo producer (a real GetVisits producer, %s): %s", secondClinic, e.prod.URL())

	if err := e.startGateway(ctx); err != nil {
		return e, err
	}
	e.consumer.url = "https://" + e.gw.Addr(gateway.HTTPS) + visitsPath
	out.linef("gateway: https://%s/vp (admin http://%s); TAK: %s → the harness, %s → the demo producer", e.gw.Addr(gateway.HTTPS), e.gw.Addr(gateway.Admin), defaultReceiver, secondClinic)

	// One ordinary call first, so the wiring is proven before the suite.
	o1 := e.consumer.getVisits(ctx, secondClinic)
	if o1.Status != 200 || o1.Visits == 0 {
		return e, fmt.Errorf("first call through the gateway to the demo producer failed: %s", o1.Shown)
	}
	out.linef("first call: consumer → gateway → demo producer %s: %s", secondClinic, o1.Shown)
	return e, nil
}

// writeSuite copies the embedded demo suite and its contract into
// dir/fixtures, so results.json names a suite that exists and later
// `rivgate conform report|declare|bundle --out DIR` find it without a
// checkout; then loads it from there.
func writeSuite(dir string) (*scenario.Suite, error) {
	root := filepath.Join(dir, "fixtures")
	src := fixtures.Conformance()
	for _, sub := range []string{fixtures.DemoSuiteDir, fixtures.DemoContractsDir} {
		err := fs.WalkDir(src, sub, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			target := filepath.Join(root, filepath.FromSlash(p))
			if d.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			b, err := fs.ReadFile(src, p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		})
		if err != nil {
			return nil, fmt.Errorf("write demo suite: %w", err)
		}
	}
	s, err := scenario.LoadDir(filepath.Join(root, filepath.FromSlash(fixtures.DemoSuiteDir)))
	if err != nil {
		return nil, fmt.Errorf("demo suite: %w", err)
	}
	return s, nil
}

// takYAML is the demo's TAK: the suite's clinic at clinicURL, the second
// clinic at the demo producer, both open to the demo consumer.
func (e *env) takYAML(clinicURL, clinicNote string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# TAK written by rivgate demo %s (rivgate TAK YAML, see docs/tak.md).\nroutes:\n", time.Now().Format(time.RFC3339))
	route := func(receiver, address, note string) {
		fmt.Fprintf(&b, "  - receiver: %s   # %s\n    contract: %q\n    profile: RIVTABP21\n    address: %q\n", receiver, note, visitsNS, address)
	}
	route(defaultReceiver, clinicURL, clinicNote)
	route(secondClinic, e.prod.URL(), "the demo producer")
	b.WriteString("permissions:\n")
	for _, r := range []string{defaultReceiver, secondClinic} {
		fmt.Fprintf(&b, "  - sender: %s\n    receiver: %s\n    contract: %q\n", e.suite.Consumer.HSAID, r, visitsNS)
	}
	return b.String()
}

// gatewayYAML is the demo gateway's configuration, written to a file and
// loaded the way `rivgate gateway -c` loads it.
func (e *env) gatewayYAML() string {
	contracts, _ := e.suite.ContractsOSDir()
	return fmt.Sprintf(`# gateway.yaml written by rivgate demo (test PKI, loopback only).
# docs/configuration.md documents every key.
instance:
  name: "rivgate demo"
  id: "rivgate-demo"
listen:
  https: "127.0.0.1:0"
  admin: "127.0.0.1:0"
  path_prefix: "/vp"
tls:
  cert: pki/gateway.pem
  key: pki/gateway.key
  client_ca: pki/ca.pem
tak:
  files: [tak.yaml]
  poll: 0s
producers:
  cert: pki/gateway-client.pem
  key: pki/gateway-client.key
  ca: pki/ca.pem
  timeouts:
    %q: %s
contracts:
  dir: %q
shutdown:
  drain: 5s
`, visitsNS, gatewayTimeout, contracts)
}

func (e *env) startGateway(ctx context.Context) error {
	e.takFile = filepath.Join(e.work, "tak.yaml")
	if err := os.WriteFile(e.takFile, []byte(e.takYAML(e.h.URL()+"GetVisits", "the conformance harness plays this producer")), 0o644); err != nil {
		return fmt.Errorf("write TAK: %w", err)
	}
	e.gwConfig = filepath.Join(e.work, "gateway.yaml")
	if err := os.WriteFile(e.gwConfig, []byte(e.gatewayYAML()), 0o644); err != nil {
		return fmt.Errorf("write gateway.yaml: %w", err)
	}
	cfg, err := config.Load(e.gwConfig)
	if err != nil {
		return fmt.Errorf("demo gateway configuration: %w", err)
	}
	if e.gwLog, err = os.Create(filepath.Join(e.dir, "gateway.log")); err != nil {
		return fmt.Errorf("gateway log: %w", err)
	}
	log := zerolog.New(e.gwLog).With().Timestamp().Str("instance", cfg.Instance.ID).Logger()
	if e.gw, err = gateway.New(cfg, gateway.Deps{Logger: log, Version: buildinfo.Get().Version}); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := e.gw.Start(ctx); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}

// runSuite runs the demo suite through the gateway.
func (e *env) runSuite(ctx context.Context) error {
	n := len(e.suite.Scenarios)
	if len(e.o.Scenarios) > 0 {
		n = len(e.o.Scenarios)
	}
	e.out.linef("conformance suite %s (%d scenario(s)) through the gateway; the consumer's view of each step:", e.suite.ID, n)
	run, err := e.h.Run(ctx)
	e.run = run
	if err != nil {
		return fmt.Errorf("conformance run: %w", err)
	}
	if err := e.h.Close(); err != nil {
		e.out.linef("warning: closing the harness: %v", err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", context.Cause(ctx))
	}
	s := run.Summary.Scenarios
	e.out.linef("suite done: %s (%d pass, %d fail, %d manual pending)", run.Status, s.Pass, s.Fail, s.ManualPending)
	return nil
}

// stopServers stops gateway and producer (the harness is closed already).
func (e *env) stopServers() {
	if e.gw != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = e.gw.Shutdown(ctx)
		cancel()
		e.gw = nil
	}
	if e.prod != nil {
		e.prod.close()
		e.prod = nil
	}
}

// close stops everything and removes the working files.
func (e *env) close() {
	if e.h != nil {
		_ = e.h.Close()
	}
	e.stopServers()
	if e.consumer != nil {
		e.consumer.close()
	}
	for _, f := range []*os.File{e.gwLog, e.hLog} {
		if f != nil {
			_ = f.Close()
		}
	}
	if e.work != "" {
		_ = os.RemoveAll(e.work)
	}
}

// progressFilter writes every harness progress line to the log and the
// scenario headings, manual steps and failures to the screen (everything
// with --verbose), in step with the consumer's own lines.
type progressFilter struct {
	log     io.Writer
	steps   *stepPrinter
	verbose bool
	partial []byte
}

func (p *progressFilter) Write(b []byte) (int, error) {
	_, _ = p.log.Write(b)
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		line := string(p.partial[:i])
		p.partial = p.partial[i+1:]
		p.show(line)
	}
	return len(b), nil
}

var (
	headingRe = regexp.MustCompile(`^scenario (\S+) \(\d+/\d+\): `)
	stepRe    = regexp.MustCompile(`^scenario (\S+) step \d+/\d+ (\S+): (.*)$`)
	manualRe  = regexp.MustCompile(`^MANUAL verdict needed: (.*?)(?: \(record it with.*)?$`)
)

// show sends a harness line to the screen when it says something a person
// watching needs. The harness starts each line with a clock time, which
// the screen replaces with the run's elapsed time.
func (p *progressFilter) show(line string) {
	msg := line
	if len(line) > 9 && line[2] == ':' && line[5] == ':' && line[8] == ' ' {
		msg = line[9:]
	}
	if m := headingRe.FindStringSubmatch(msg); m != nil {
		p.steps.heading(m[1], msg)
		return
	}
	if p.verbose {
		p.steps.out.linef("  %s", msg)
		return
	}
	m := stepRe.FindStringSubmatch(msg)
	if m == nil {
		if strings.Contains(msg, "unexpected request") || strings.HasPrefix(msg, "warning") {
			p.steps.out.linef("  %s", msg)
		}
		return
	}
	scenarioID, stepID, rest := m[1], m[2], m[3]
	switch mm := manualRe.FindStringSubmatch(rest); {
	case mm != nil:
		p.steps.step(scenarioID, fmt.Sprintf("  %s/%s → waits for a person's verdict: %s", scenarioID, stepID, mm[1]))
	case strings.HasPrefix(rest, "FAIL"), strings.Contains(rest, " check(s), ") && !strings.HasSuffix(rest, " 0 failed"):
		p.steps.step(scenarioID, fmt.Sprintf("  %s/%s: %s", scenarioID, stepID, rest))
	}
}

// stepPrinter prints a scenario's heading just before its first step line,
// so the consumer's lines (printed when its answer arrived) and the
// harness's (printed when the next step starts) stay grouped.
type stepPrinter struct {
	mu       sync.Mutex
	out      *printer
	headings map[string]string
	printed  map[string]bool
}

func newStepPrinter(out *printer) *stepPrinter {
	return &stepPrinter{out: out, headings: map[string]string{}, printed: map[string]bool{}}
}

func (s *stepPrinter) heading(scenarioID, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.headings[scenarioID] = line
}

func (s *stepPrinter) step(scenarioID, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.headings[scenarioID]; ok && !s.printed[scenarioID] {
		s.out.linef("%s", h)
		s.printed[scenarioID] = true
	}
	s.out.linef("%s", line)
}
