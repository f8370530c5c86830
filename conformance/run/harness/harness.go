// Package harness plays the national service platform and the producers in
// front of a consumer under test (consumer mode), or drives a producer with
// recorded requests (producer mode, producer.go).
//
// In consumer mode it listens with mutual TLS, runs the suite's scenarios in
// order, triggers the consumer (a command, an HTTP call or an in-process
// hook) or waits for it, answers each request as the step says (recorded
// response, producer or VP fault, delay, no answer, broken connection),
// records every exchange byte-exact and checks it, and writes results.json.
//
// It is embeddable: New, Start, Addr, Run, Close; suites may come from an
// fs.FS (embedded fixtures).
package harness

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/wsdlserve"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/buildinfo"
	"github.com/rivgate/rivgate/internal/mtls"
)

// Defaults for suites that say nothing.
const (
	DefaultWait            = 60 * time.Second
	DefaultConsumerTimeout = 30 * time.Second
	DefaultObserve         = 2 * time.Second
	DefaultTriggerTimeout  = 60 * time.Second
	// DefaultMaxBody bounds a request body the harness reads, checks and
	// records (Options.MaxBody). A larger one is a RIV-SOAP-01 finding; its
	// body is not read when its Content-Length says so up front.
	DefaultMaxBody = 32 << 20
)

// Await tells an in-process consumer that the harness now waits for the
// request of a step (the hook stands in for a trigger).
type Await struct {
	Scenario *scenario.Scenario
	Step     *scenario.Step
	Index    int // 0-based step index
}

// Options configure a consumer-mode harness.
type Options struct {
	// Listen is the address to listen on. Default 127.0.0.1:0.
	Listen string
	// TLS is the server TLS configuration: certificate, client CAs. The
	// harness requires and verifies a client certificate when ClientCAs is
	// set, and requires any client certificate otherwise (the checks then
	// report it).
	TLS *tls.Config
	// Out is the run's output directory (results.json, exchanges/). Empty:
	// results are only returned.
	Out string
	// Contracts and Validator default to the suite's contract directory and
	// the pure-Go XSD validator.
	Contracts *contracts.Set
	Validator xsd.Validator
	// MaxBody is the largest request body the harness reads, checks and
	// records. Default DefaultMaxBody (32 MiB).
	MaxBody int64
	// Progress receives one line per event (what is awaited, what arrived).
	Progress io.Writer
	// ManualHint says how a person records the verdict of a manual step;
	// it follows the step's progress line in parentheses. The command line
	// names its judge command here. Nil: nothing follows.
	ManualHint func(scenarioID, stepID string) string
	// Await is called when a step without a trigger starts waiting; tests
	// and the demo drive their consumer with it. It runs in its own
	// goroutine; an error is noted on the step.
	Await func(ctx context.Context, a Await) error
	// Scenarios limits the run to these ids (in suite order). Empty: all,
	// unless Selection says otherwise.
	Scenarios []string
	// Selection is recorded in results.json: what the run sets out to run
	// and what it leaves out, and why (risk.Plan.Selection). When
	// Scenarios is empty its selected scenarios run. Nil: the selection is
	// Scenarios (or every scenario).
	Selection *result.Selection
	// Now is the clock (tests may freeze it). Default time.Now.
	Now func() time.Time
	// ViaPlatform is the HSA-id in the client certificate of a platform
	// or gateway in front of the harness (the harness then plays the
	// producers behind it); such calls are attributed to the consumer
	// named in x-rivta-original-serviceconsumer-hsaid.
	ViaPlatform string
	// PlatformLog is the JSON exchange log the gateway in front writes
	// (ViaPlatform required): the runner follows it from its end at New,
	// and the consumer's calls the gateway refused (which never reach the
	// harness) are findings of the scenario they fall in (platformlog.go).
	PlatformLog string
}

// Harness is a consumer-mode run in progress.
type Harness struct {
	suite *scenario.Suite
	opts  Options
	env   *check.Env
	store *exchange.Store

	ln       net.Listener
	srv      *http.Server
	incoming chan *pending
	serveErr chan error
	closeMu  sync.Mutex
	closed   bool
	wg       sync.WaitGroup // handlers writing exchanges
	cleanup  func()         // removes a temporary contract copy
	notes    []string       // put in the results (partly loaded contracts)
	triggers sync.WaitGroup // triggers and hooks still running

	// tlsErrs collects failed handshakes (a consumer with the wrong
	// certificate never gets as far as a request), so a step that waits
	// in vain can say why.
	tlsMu   sync.Mutex
	tlsErrs []string

	// conns counts accepted connections and requests the requests read:
	// a run where nothing ever connected was aborted (the consumer or its
	// environment is unreachable), one where something did but failed is
	// a finding.
	conns    atomic.Int64
	requests atomic.Int64
	awaited  bool // the runner has awaited a request (start_timeout is over)
	// held are requests that arrived while a step was being answered,
	// oldest first, for the scenario's later steps (runner only).
	held []*pending

	// After Run (or Serve) returns, drain answers what still comes and
	// keeps its findings in late; Close adds them to run.
	lateMu    sync.Mutex
	run       *result.Run
	late      []result.Check
	drainStop chan struct{}
	drained   chan struct{}
	closing   bool // Close has begun: no drain starts

	// wsdl serves ?wsdl and ?xsd= from the suite's contracts.
	wsdl *wsdlserve.Server

	// progressMu keeps progress lines whole: they come from the runner and
	// from the handlers (?wsdl, late requests, server errors) at once.
	progressMu sync.Mutex

	// recording holds, per exchange being answered, a channel closed once
	// its files are written: results.json is written only after every
	// exchange it names is on disk, so a run killed at any moment never
	// leaves results that point at missing files.
	recMu     sync.Mutex
	recording map[string]chan struct{}
	// startErr is why Start could not listen; Run then reports an aborted
	// run instead of running.
	startErr error

	// The runner's view of the run for the platform log: the run, its
	// scenarios so far and each one's last step that awaited a request.
	plog         *platformLog
	cur          *result.Run
	ran          []*scenario.Scenario
	lastAwaiting []*result.Step
}

// serverLog receives net/http's own error lines: TLS handshake failures are
// kept for the findings and shown as progress; the rest only shown.
type serverLog struct{ h *Harness }

func (l serverLog) Write(b []byte) (int, error) {
	line := strings.TrimSpace(string(b))
	if i := strings.Index(line, "TLS handshake error"); i >= 0 {
		l.h.tlsMu.Lock()
		if len(l.h.tlsErrs) < 100 {
			l.h.tlsErrs = append(l.h.tlsErrs, line[i:])
		}
		l.h.tlsMu.Unlock()
		l.h.progress("%s", line[i:])
		return len(b), nil
	}
	l.h.progress("server: %s", line)
	return len(b), nil
}

// takeTLSErrors returns and forgets the handshake failures seen so far.
func (h *Harness) takeTLSErrors() []string {
	h.tlsMu.Lock()
	defer h.tlsMu.Unlock()
	out := h.tlsErrs
	h.tlsErrs = nil
	return out
}

// New prepares a harness for suite. It loads the contracts when none are
// given.
func New(suite *scenario.Suite, opts Options) (*Harness, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.TLS == nil || len(opts.TLS.Certificates) == 0 && opts.TLS.GetCertificate == nil {
		return nil, errors.New("harness: a server certificate is required (TLS.Certificates)")
	}
	var plog *platformLog
	if opts.PlatformLog != "" {
		if opts.ViaPlatform == "" {
			return nil, errPlatformLogAlone
		}
		var err error
		if plog, err = openPlatformLog(opts.PlatformLog); err != nil {
			return nil, err
		}
	}
	dir, cleanup, err := contractsOnDisk(suite)
	if err != nil {
		return nil, err
	}
	set := opts.Contracts
	var notes []string
	if set == nil {
		set, err = loadContracts(suite, dir)
		if set == nil {
			cleanup()
			return nil, err
		}
		if err != nil {
			// Partly loaded: run, and say so in the results.
			notes = append(notes, err.Error())
			fmt.Fprintln(opts.Progress, "warning:", err)
		}
	}
	warnAnchors(opts.Progress, set)
	v := opts.Validator
	if v == nil {
		v = xsd.New(set)
	}
	if err := CheckResponses(suite, set, v); err != nil {
		cleanup()
		return nil, err
	}
	wsdl, err := wsdlserve.New(dir)
	if err != nil {
		// The run goes on; a consumer fetching ?wsdl is told there is none.
		notes = append(notes, "the contracts cannot be served at ?wsdl: "+err.Error())
		fmt.Fprintln(opts.Progress, "warning:", err)
	}
	h := &Harness{
		suite:    suite,
		opts:     opts,
		env:      &check.Env{Suite: suite, Contracts: set, Validator: v, ViaPlatform: opts.ViaPlatform},
		incoming: make(chan *pending),
		serveErr: make(chan error, 1),
		cleanup:  cleanup,
		notes:    notes,
		wsdl:     wsdl,
		plog:     plog,

		recording: map[string]chan struct{}{},
	}
	if opts.Out != "" {
		h.store = exchange.NewStore(opts.Out)
	}
	return h, nil
}

// warnAnchors says how the contracts' patterns written ^...$ are read, one
// line per contract.
func warnAnchors(w io.Writer, set *contracts.Set) {
	for _, a := range set.PatternAnchors() {
		fmt.Fprintln(w, "warning:", a)
	}
}

// anchorWarnings are the pattern-anchor warnings of set, one per contract,
// as results.json keeps them.
func anchorWarnings(set *contracts.Set) []result.PatternAnchors {
	var out []result.PatternAnchors
	for _, a := range set.PatternAnchors() {
		w := result.PatternAnchors{Contract: a.Contract, Strict: a.Strict, Warning: a.String(), Patterns: []result.PatternFacet{}}
		for _, p := range a.Patterns {
			w.Patterns = append(w.Patterns, result.PatternFacet{Pattern: p.Pattern, Owner: p.Owner, File: a.Rel(p.File), Line: p.Line})
		}
		out = append(out, w)
	}
	return out
}

// LoadContracts loads the suite's contract directory (reading XSD patterns
// as the suite's strict_xsd says). Suites on disk load
// in place; suites in another fs.FS (embedded) are copied to a temporary
// directory first, because the contract loader reads OS paths and the
// validator compiles schemas from them lazily. cleanup removes that copy;
// call it when the set is no longer used. A set with an error means some
// WSDLs did not load (the error names each); nil set means nothing did.
func LoadContracts(suite *scenario.Suite) (set *contracts.Set, cleanup func(), err error) {
	dir, cleanup, err := contractsOnDisk(suite)
	if err != nil {
		return nil, cleanup, err
	}
	set, err = loadContracts(suite, dir)
	if set == nil {
		cleanup()
		return nil, func() {}, err
	}
	return set, cleanup, err
}

// contractsOnDisk is the suite's contract directory on disk: in place, or
// a temporary copy for a suite in another fs.FS, which cleanup removes.
func contractsOnDisk(suite *scenario.Suite) (dir string, cleanup func(), err error) {
	if dir, onDisk := suite.ContractsOSDir(); onDisk {
		return dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "rivgate-contracts-")
	if err != nil {
		return "", func() {}, fmt.Errorf("contracts: %w", err)
	}
	cleanup = func() { os.RemoveAll(tmp) }
	if err := copyFS(suite.FS, suite.ContractsDir(), tmp); err != nil {
		cleanup()
		return "", func() {}, fmt.Errorf("suite %s: copy contracts: %w", suite.ID, err)
	}
	return tmp, cleanup, nil
}

// loadContracts loads the contracts in dir, the suite's on disk.
func loadContracts(suite *scenario.Suite, dir string) (*contracts.Set, error) {
	set, err := contracts.LoadDirWith(dir, contracts.LoadOptions{StrictXSD: suite.StrictXSD})
	if set == nil {
		return nil, fmt.Errorf("suite %s: contracts %s: %w", suite.ID, suite.Contracts, err)
	}
	if err != nil {
		err = fmt.Errorf("suite %s: some contracts in %s did not load: %w", suite.ID, suite.Contracts, err)
	}
	return set, err
}

func copyFS(fsys fs.FS, dir, to string) error {
	return fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := p[len(dir):]
		target := filepath.Join(to, filepath.FromSlash(rel))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// Start listens. Requests are held until Run reads them.
func (h *Harness) Start(ctx context.Context) error {
	ln, err := mtls.Listen(h.opts.Listen, h.opts.TLS)
	if err != nil {
		h.startErr = fmt.Errorf("harness listen %s: %w", h.opts.Listen, err)
		return h.startErr
	}
	h.ln = ln
	h.srv = &http.Server{
		Handler:           http.HandlerFunc(h.handle),
		ReadHeaderTimeout: 10 * time.Second,
		// SOAP consumers speak HTTP/1.1; connection faults need hijacking.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				h.conns.Add(1)
			}
		},
		ErrorLog: log.New(serverLog{h}, "", 0),
	}
	go func() { h.serveErr <- h.srv.Serve(h.ln) }()
	return nil
}

// Addr is the listening address ("127.0.0.1:port").
func (h *Harness) Addr() string {
	if h.ln == nil {
		return ""
	}
	return h.ln.Addr().String()
}

// URL is the endpoint consumers call.
func (h *Harness) URL() string { return "https://" + h.Addr() + "/" }

// Close stops the listener and waits for handlers to finish recording.
// Requests that came after Run (or Serve) returned are added to its run
// as unexpected, and results.json is rewritten with them.
func (h *Harness) Close() error {
	h.closeMu.Lock()
	if h.closed {
		h.closeMu.Unlock()
		return nil
	}
	h.closed = true
	h.closeMu.Unlock()
	defer h.cleanup()
	if h.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := h.srv.Shutdown(ctx)
	if err != nil {
		err = h.srv.Close()
	}
	h.wg.Wait()
	return errors.Join(err, h.closeRun())
}

// manualHint is Options.ManualHint in parentheses after a space, or "".
func (h *Harness) manualHint(scenarioID, stepID string) string {
	if h.opts.ManualHint == nil {
		return ""
	}
	return " (" + h.opts.ManualHint(scenarioID, stepID) + ")"
}

func (h *Harness) progress(format string, args ...any) {
	h.progressMu.Lock()
	defer h.progressMu.Unlock()
	fmt.Fprintf(h.opts.Progress, "%s "+format+"\n", append([]any{h.opts.Now().Format("15:04:05")}, args...)...)
}

func (h *Harness) newRun() *result.Run {
	bi := buildinfo.Get()
	return &result.Run{
		Tool:           result.Tool{Name: "rivgate", Version: bi.Version},
		Mode:           "consumer",
		Suite:          result.SuiteRef{ID: h.suite.ID, Title: h.suite.Title, Dir: h.suite.DisplayDir()},
		Started:        h.opts.Now(),
		Target:         h.URL(),
		ExpectedHSAID:  h.suite.Consumer.HSAID,
		ViaPlatform:    h.opts.ViaPlatform,
		StrictXSD:      h.env.Contracts.StrictXSD(),
		PatternAnchors: anchorWarnings(h.env.Contracts),
		Requirements:   h.suite.AllRequirements(),
		Selection:      selectionFor(h.suite, h.opts.Scenarios, h.opts.Selection),
		Notes:          h.notes,
	}
}

// selectionFor is the selection a run records.
func selectionFor(s *scenario.Suite, ids []string, sel *result.Selection) *result.Selection {
	if sel != nil {
		return sel
	}
	return result.NewSelection(s, ids)
}

// selected returns the scenarios to run.
func (h *Harness) selected() ([]*scenario.Scenario, error) {
	ids := h.opts.Scenarios
	if len(ids) == 0 && h.opts.Selection != nil {
		ids = h.opts.Selection.IDs()
		if len(ids) == 0 {
			return nil, nil // the selection runs nothing: not "everything"
		}
	}
	if len(ids) == 0 {
		return h.suite.Scenarios, nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var out []*scenario.Scenario
	for _, sc := range h.suite.Scenarios {
		if want[sc.ID] {
			out = append(out, sc)
			delete(want, sc.ID)
		}
	}
	for id := range want {
		return nil, fmt.Errorf("scenario %q is not in suite %s", id, h.suite.ID)
	}
	return out, nil
}

// writeResults writes results.json when an output directory is set,
// atomically and only once every exchange it names is recorded. A run
// that has not finished has no finished time: readers (report, bundle,
// verify) treat it as incomplete.
func (h *Harness) writeResults(run *result.Run) error {
	if err := h.writePlatformLog(run); err != nil {
		return err
	}
	if h.opts.Out == "" {
		run.Recompute()
		return nil
	}
	h.waitRecorded(run)
	return result.Write(h.opts.Out, run)
}

// writeStep writes results.json between steps, so a reader (the
// workbench) follows a run step by step. It never holds the run up: while
// an exchange the run names is still being recorded (an answer held back)
// it leaves the write to a later step or the scenario's end, and a failed
// write is only reported, as the scenario's end writes again and stops the
// run if that fails too.
func (h *Harness) writeStep(run *result.Run) {
	if h.opts.Out == "" || !h.recorded(run) {
		return
	}
	if err := result.Write(h.opts.Out, run); err != nil {
		h.progress("WARNING: results.json not written after a step: %v", err)
	}
}

// recorded reports, without waiting, whether every exchange run names is
// on disk.
func (h *Harness) recorded(run *result.Run) bool {
	h.recMu.Lock()
	defer h.recMu.Unlock()
	for _, id := range run.ExchangeIDs() {
		if done := h.recording[id]; done != nil {
			select {
			case <-done:
			default:
				return false
			}
		}
	}
	return true
}

// waitRecorded waits until the exchanges run names are on disk, at most as
// long as the harness holds an answer and then some.
func (h *Harness) waitRecorded(run *result.Run) {
	limit := h.suite.Defaults.ConsumerTimeout.Or(DefaultConsumerTimeout)
	deadline := time.NewTimer(limit + grace(limit) + 10*time.Second)
	defer deadline.Stop()
	for _, id := range run.ExchangeIDs() {
		h.recMu.Lock()
		done := h.recording[id]
		h.recMu.Unlock()
		if done == nil {
			continue
		}
		select {
		case <-done:
		case <-deadline.C:
			h.progress("WARNING: exchange %s is still not recorded; results.json names it anyway", id)
			return
		}
	}
}
