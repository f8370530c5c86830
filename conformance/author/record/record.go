// Package record is the recording proxy behind `rivgate record`: it sits
// between a consumer and a real platform or producer (mutual TLS on both
// sides), forwards every exchange unchanged, and writes what passed as a
// scenario skeleton (suite.yaml, one scenario, recorded requests and
// responses, byte-exact exchange records) that `rivgate conform run` can
// replay. Personal data (personnummer, samordningsnummer, names in known
// elements) is replaced with consistent pseudonyms before anything is
// written, unless scrubbing is turned off.
package record

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/internal/atomicfile"
	"github.com/rivgate/rivgate/internal/mtls"
)

// Options configure a recording.
type Options struct {
	Listen string // default 127.0.0.1:0
	// Upstream is the platform or producer URL requests are forwarded to.
	Upstream string
	// ServerTLS is the listener's TLS (certificate; ClientCAs to require
	// and verify consumer certificates).
	ServerTLS *tls.Config
	// UpstreamTLS is the client TLS towards Upstream (client certificate,
	// RootCAs).
	UpstreamTLS *tls.Config
	// Out is where the suite skeleton is written.
	Out string
	// Contracts is the contract directory the written suite names
	// (relative to Out, or absolute).
	Contracts string
	// NoScrub keeps personal data (only for synthetic test data).
	NoScrub bool
	// SuiteID and ScenarioID name what is written. Defaults "recorded"
	// and "REC-1".
	SuiteID, ScenarioID string
	// Timeout bounds one upstream call. Default 60s.
	Timeout  time.Duration
	Progress io.Writer
}

// Recorder is a running recording proxy.
type Recorder struct {
	opts     Options
	upstream *url.URL
	client   *http.Client
	scrub    *Scrubber
	store    *exchange.Store
	ln       net.Listener
	srv      *http.Server

	mu    sync.Mutex
	steps []recorded
	hsaID string
}

// recorded is one exchange as it goes into the scenario.
type recorded struct {
	contract, operation, receiver string
	status                        int
	reqFile, respFile             string
	fault                         string
}

// New prepares a recorder.
func New(opts Options) (*Recorder, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.SuiteID == "" {
		opts.SuiteID = "recorded"
	}
	if opts.ScenarioID == "" {
		opts.ScenarioID = "REC-1"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Out == "" {
		return nil, errors.New("record: an output directory is required")
	}
	if opts.ServerTLS == nil || len(opts.ServerTLS.Certificates) == 0 {
		return nil, errors.New("record: a server certificate is required")
	}
	u, err := url.Parse(opts.Upstream)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("record: upstream %q: want an https:// URL", opts.Upstream)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("record: pseudonym key: %w", err)
	}
	tr := &http.Transport{TLSClientConfig: opts.UpstreamTLS, ForceAttemptHTTP2: false, MaxIdleConnsPerHost: 4}
	return &Recorder{
		opts:     opts,
		upstream: u,
		client:   &http.Client{Transport: tr, Timeout: opts.Timeout},
		scrub:    NewScrubber(key),
		store:    exchange.NewStore(opts.Out),
	}, nil
}

// Start listens.
func (r *Recorder) Start(ctx context.Context) error {
	ln, err := mtls.Listen(r.opts.Listen, r.opts.ServerTLS)
	if err != nil {
		return fmt.Errorf("record listen %s: %w", r.opts.Listen, err)
	}
	r.ln = ln
	r.srv = &http.Server{Handler: http.HandlerFunc(r.handle), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	go func() { _ = r.srv.Serve(r.ln) }()
	fmt.Fprintf(r.opts.Progress, "recording: consumers call https://%s/ ; forwarding to %s\n", r.Addr(), r.opts.Upstream)
	return nil
}

// Addr is the listening address.
func (r *Recorder) Addr() string { return r.ln.Addr().String() }

// hopHeaders are not forwarded.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length"}

func (r *Recorder) handle(w http.ResponseWriter, req *http.Request) {
	received := time.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 32<<20))
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	target := *r.upstream
	if target.Path == "" || target.Path == "/" {
		target.Path, target.RawQuery = req.URL.Path, req.URL.RawQuery
	}
	out, err := http.NewRequestWithContext(req.Context(), req.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = req.Header.Clone()
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	resp, callErr := r.client.Do(out)
	var respBody []byte
	status := 0
	var respHeader http.Header
	if callErr == nil {
		respBody, callErr = io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		status, respHeader = resp.StatusCode, resp.Header.Clone()
	}
	if callErr != nil {
		// The consumer sees the failure as the platform would show it.
		http.Error(w, "rivgate record: upstream: "+callErr.Error(), http.StatusBadGateway)
	} else {
		for k, v := range respHeader {
			w.Header()[k] = v
		}
		for _, h := range hopHeaders {
			w.Header().Del(h)
		}
		w.WriteHeader(status)
		_, _ = w.Write(respBody)
	}
	r.save(req, body, received, status, respHeader, respBody, callErr)
}

// save writes the exchange (scrubbed) and remembers it as a step.
func (r *Recorder) save(req *http.Request, body []byte, received time.Time, status int, respHeader http.Header, respBody []byte, callErr error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.opts.NoScrub {
		body = r.scrub.Scrub(body)
		respBody = r.scrub.Scrub(respBody)
	}
	st := recorded{status: status}
	if info, err := envelope.SniffBytes(body); err == nil {
		st.contract, st.receiver, st.operation = info.Body.Space, info.Receiver, info.Body.Local
	}
	n := len(r.steps) + 1
	name := st.operation
	if name == "" {
		name = "request"
	}
	st.reqFile = fmt.Sprintf("requests/%03d-%s.xml", n, name)
	st.respFile = fmt.Sprintf("responses/%03d-%s.xml", n, name)
	if callErr != nil {
		st.fault = callErr.Error()
	}
	if c := req.TLS; c != nil && len(c.PeerCertificates) > 0 && r.hsaID == "" {
		r.hsaID = rivta.SerialNumber(c.PeerCertificates[0])
	}
	ex := &exchange.Exchange{Scenario: r.opts.ScenarioID, Step: fmt.Sprintf("%d", n), Role: "record",
		Received: received, Responded: time.Now(), Remote: req.RemoteAddr, TLS: exchange.TLSFrom(req.TLS)}
	uri := req.RequestURI
	if !r.opts.NoScrub {
		uri = r.scrub.ScrubString(uri)
	}
	ex.Request.Method, ex.Request.URI, ex.Request.Proto = req.Method, uri, req.Proto
	ex.Request.Header = r.scrubHeader(req.Header)
	ex.Response.Status, ex.Response.Header = status, r.scrubHeader(respHeader)
	if callErr != nil {
		ex.Error = callErr.Error()
	}
	if err := r.store.Write(ex, body, respBody); err != nil {
		fmt.Fprintf(r.opts.Progress, "recording: ERROR %v\n", err)
	}
	if err := r.put(st.reqFile, body); err != nil {
		fmt.Fprintf(r.opts.Progress, "recording: ERROR %v\n", err)
	}
	if callErr == nil {
		if err := r.put(st.respFile, respBody); err != nil {
			fmt.Fprintf(r.opts.Progress, "recording: ERROR %v\n", err)
		}
	}
	r.steps = append(r.steps, st)
	fmt.Fprintf(r.opts.Progress, "recorded %d: %s to %q -> HTTP %d\n", n, st.operation, st.receiver, status)
}

func (r *Recorder) scrubHeader(h http.Header) http.Header {
	out := h.Clone()
	if r.opts.NoScrub {
		return out
	}
	for k, vs := range out {
		for i := range vs {
			vs[i] = r.scrub.ScrubString(vs[i])
		}
		out[k] = vs
	}
	return out
}

func (r *Recorder) put(rel string, b []byte) error {
	p := filepath.Join(r.opts.Out, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(p, b, 0o644)
}

// Close stops the proxy and writes suite.yaml and the scenario file.
func (r *Recorder) Close() error {
	var err error
	if r.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = r.srv.Shutdown(ctx)
	}
	return errors.Join(err, r.writeSuite())
}

// Count is how many exchanges were recorded so far.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.steps)
}

type outSuite struct {
	ID           string      `yaml:"id"`
	Title        string      `yaml:"title"`
	Contracts    string      `yaml:"contracts"`
	Consumer     outConsumer `yaml:"consumer"`
	Defaults     outDefaults `yaml:"defaults,omitempty"`
	Requirements []outReq    `yaml:"requirements"`
	Scenarios    []string    `yaml:"scenarios"`
}
type outConsumer struct {
	HSAID string `yaml:"hsa_id"`
}
type outDefaults struct {
	Receiver string `yaml:"receiver,omitempty"`
}
type outReq struct {
	ID     string `yaml:"id"`
	Text   string `yaml:"text"`
	Impact int    `yaml:"impact"`
}
type outScenario struct {
	ID           string    `yaml:"id"`
	Title        string    `yaml:"title"`
	Requirements []string  `yaml:"requirements"`
	Likelihood   int       `yaml:"likelihood"`
	Steps        []outStep `yaml:"steps"`
}
type outStep struct {
	ID      string     `yaml:"id"`
	Expect  outExpect  `yaml:"expect"`
	Request string     `yaml:"request"`
	Respond outRespond `yaml:"respond"`
}
type outExpect struct {
	Contract string `yaml:"contract,omitempty"`
	Receiver string `yaml:"receiver,omitempty"`
}
type outRespond struct {
	File    string `yaml:"file,omitempty"`
	Status  int    `yaml:"status,omitempty"`
	VPFault string `yaml:"vp_fault,omitempty"`
	Detail  string `yaml:"detail,omitempty"`
}

func (r *Recorder) writeSuite() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	hsa := r.hsaID
	if hsa == "" {
		hsa = "CHANGE-ME-consumer-HSA-id"
	}
	contractsDir := r.opts.Contracts
	if contractsDir == "" {
		contractsDir = "CHANGE-ME-contract-directory"
	} else if filepath.IsAbs(contractsDir) {
		contractsDir = suitePath(r.opts.Out, contractsDir)
	}
	reqID := r.opts.ScenarioID + "-R1"
	sc := outScenario{ID: r.opts.ScenarioID, Title: fmt.Sprintf("Recorded %s (%d exchanges)", time.Now().UTC().Format(time.RFC3339), len(r.steps)),
		Requirements: []string{reqID}, Likelihood: 3}
	for i, st := range r.steps {
		step := outStep{ID: fmt.Sprintf("%d-%s", i+1, strings.ToLower(orDefault(st.operation, "request"))),
			Expect: outExpect{Contract: st.contract, Receiver: strings.TrimSpace(st.receiver)}, Request: st.reqFile}
		switch {
		case st.fault != "":
			step.Respond = outRespond{VPFault: "VP009", Detail: st.fault}
		default:
			step.Respond = outRespond{File: st.respFile}
			if st.status != 200 {
				step.Respond.Status = st.status
			}
		}
		sc.Steps = append(sc.Steps, step)
	}
	s := outSuite{ID: r.opts.SuiteID, Title: "Recorded by rivgate record", Contracts: contractsDir,
		Consumer:     outConsumer{HSAID: hsa},
		Requirements: []outReq{{ID: reqID, Text: "The consumer behaves as in the recording (edit this text).", Impact: 3}},
		Scenarios:    []string{"scenarios/" + strings.ToLower(r.opts.ScenarioID) + ".yaml"}}
	head := "# Written by `rivgate record`; personal data scrubbed: " + fmt.Sprint(!r.opts.NoScrub) + ".\n# Edit requirements, impacts, likelihood and add matchers; see docs/conformance-suites.md.\n"
	sb, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Errorf("write suite: %w", err)
	}
	if err := r.put("suite.yaml", append([]byte(head), sb...)); err != nil {
		return fmt.Errorf("write suite: %w", err)
	}
	if len(sc.Steps) == 0 {
		return errors.New("record: nothing was recorded; the scenario has no steps")
	}
	cb, err := yaml.Marshal(sc)
	if err != nil {
		return fmt.Errorf("write scenario: %w", err)
	}
	return r.put(s.Scenarios[0], append([]byte(head), cb...))
}

// suitePath is how a suite written to out names the absolute directory
// dir: relative to out when the two are on the same volume, else absolute
// (suites take both).
func suitePath(out, dir string) string {
	if absOut, err := filepath.Abs(out); err == nil {
		if rel, err := filepath.Rel(absOut, dir); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(dir)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
