// Package soak runs a real gateway process for a long time at a steady
// rate with a mix of good calls, VP faults, producer faults and consumers
// that give up half way, on loopback only, and samples the gateway's
// goroutines, open file descriptors and heap, so that growth without bound
// (a leak) fails the run. scripts/soak.sh is the way in; tools/internal/soak/cmd
// /soak is the command.
//
// The gateway is the rivgate binary (`rivgate gateway -c ...`), so what is
// sampled is the gateway alone; this process plays the producers (the
// bench's producer, tools/internal/benchkit, for good calls) and the consumers.
package soak

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/tools/internal/benchkit"
)

// Options configure a soak run.
type Options struct {
	// Rivgate is the rivgate binary to run as the gateway.
	Rivgate string
	// Duration of the load. Default 10 minutes.
	Duration time.Duration
	// Rate is calls per second, spread over the mix. Default 40.
	Rate float64
	// Sample is the sampling interval. Default 10 s.
	Sample time.Duration
	// Dir holds the PKI, config, TAK file and gateway log; "" makes a
	// temporary directory, removed afterwards unless Keep.
	Dir  string
	Keep bool
	// Progress receives one line per sample; nil is quiet.
	Progress io.Writer
}

func (o *Options) defaults() {
	if o.Duration <= 0 {
		o.Duration = 10 * time.Minute
	}
	if o.Rate <= 0 {
		o.Rate = 40
	}
	if o.Sample <= 0 {
		o.Sample = 10 * time.Second
	}
}

// Sample is one look at the gateway process.
type Sample struct {
	At         time.Duration `json:"at_ns"` // since the load started
	Goroutines int           `json:"goroutines"`
	FDs        int           `json:"fds"`
	HeapBytes  uint64        `json:"heap_bytes"` // Go heap in use (HeapAlloc)
	RSSBytes   int64         `json:"rss_bytes"`
	Calls      int64         `json:"calls"` // calls finished so far
}

// Kind is one sort of call in the mix.
type Kind string

// The mix. Each kind has a weight and an expected outcome.
const (
	Happy     Kind = "happy"      // routed, producer answers 2 KB: 200
	Big       Kind = "big-answer" // producer answers 1 MiB: 200
	NoRoute   Kind = "VP004"      // unknown receiver
	NoPerm    Kind = "VP007"      // no permission
	Malformed Kind = "VP015"      // not well-formed
	Refused   Kind = "refused"    // producer address refuses: VP009
	HTML503   Kind = "html-503"   // producer answers 503 with an HTML page: VP009
	Reset     Kind = "reset"      // producer resets after reading: VP009
	Slow      Kind = "slow"       // producer slower than the contract's timeout: VP009
	Abort     Kind = "abort"      // consumer sends half the body and hangs up
)

type mixEntry struct {
	kind   Kind
	weight int
}

var mixTable = []mixEntry{
	{Happy, 55}, {Big, 3}, {NoRoute, 10}, {NoPerm, 5}, {Malformed, 5},
	{Refused, 5}, {HTML503, 5}, {Reset, 5}, {Slow, 4}, {Abort, 3},
}

// Counts are the outcomes of one kind.
type Counts struct {
	Sent       int64  `json:"sent"`
	Expected   int64  `json:"expected"`
	Unexpected int64  `json:"unexpected"`
	FirstBad   string `json:"first_unexpected,omitempty"`
}

// Report is the result of a run.
type Report struct {
	Duration      time.Duration    `json:"duration_ns"`
	Rate          float64          `json:"rate"`
	Samples       []Sample         `json:"samples"`
	Kinds         map[Kind]*Counts `json:"kinds"`
	NewConns      int64            `json:"new_connections"` // calls made on a fresh TLS connection
	ProducerCalls int64            `json:"producer_calls"`  // good calls the producer answered
	Growth        []Growth         `json:"growth"`
	Problems      []string         `json:"problems"`
	GatewayExit   string           `json:"gateway_exit"`
}

// OK is true when nothing grew without bound, every call had its expected
// outcome and no good call was lost.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

const (
	scheduleNS = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
	slowNS     = "urn:riv:soak:SlowResponder:1"
	consumerID = "SE-SOAK-CONSUMER"
)

// Run starts the producers and the gateway, drives the load for
// o.Duration and reports. An error means the run could not be made; a
// leak or a wrong outcome is in Report.Problems.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "rivgate-soak-*")
		if err != nil {
			return nil, fmt.Errorf("work directory: %w", err)
		}
		dir = d
		if !o.Keep {
			defer os.RemoveAll(dir)
		}
	}
	prod, err := startProducers()
	if err != nil {
		return nil, err
	}
	defer prod.close()
	env, err := writeSetup(dir, prod.addr)
	if err != nil {
		return nil, err
	}
	gw, err := startGateway(ctx, o.Rivgate, dir)
	if err != nil {
		return nil, err
	}
	defer gw.stop()

	rep := &Report{Rate: o.Rate, Kinds: map[Kind]*Counts{}}
	for _, m := range mixTable {
		rep.Kinds[m.kind] = &Counts{}
	}
	d := newDriver(gw.https, env.clientTLS, rep)
	defer d.close()

	loadCtx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.run(loadCtx, o.Rate) }()

	tick := time.NewTicker(o.Sample)
	defer tick.Stop()
	sample := func() error {
		s, err := gw.sample()
		if err != nil {
			return err
		}
		s.At, s.Calls = time.Since(start), d.finished.Load()
		rep.Samples = append(rep.Samples, s)
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "%7.0fs  calls %7d  goroutines %4d  fds %4d  heap %6.1f MiB  rss %6.1f MiB\n",
				s.At.Seconds(), s.Calls, s.Goroutines, s.FDs, float64(s.HeapBytes)/(1<<20), float64(s.RSSBytes)/(1<<20))
		}
		return nil
	}
	if err := sample(); err != nil {
		return nil, err
	}
loop:
	for {
		select {
		case <-loadCtx.Done():
			break loop
		case <-tick.C:
			if err := sample(); err != nil {
				return nil, err
			}
		}
	}
	wg.Wait()
	rep.Duration = time.Since(start)
	// One last look once the last calls are done and idle connections had
	// a moment to close on the client side.
	d.close()
	time.Sleep(2 * time.Second)
	if err := sample(); err != nil {
		return nil, err
	}
	rep.NewConns = d.fresh.Load()
	rep.ProducerCalls = prod.bench.Calls.Load()
	rep.GatewayExit = gw.stop()
	rep.judge()
	return rep, nil
}

// judge fills Growth and Problems.
func (r *Report) judge() {
	r.Growth = Judge(r.Samples, r.Duration)
	for _, g := range r.Growth {
		if !g.OK {
			r.Problems = append(r.Problems, fmt.Sprintf("%s grows: %s", g.Metric, g.Detail))
		}
	}
	kinds := make([]string, 0, len(r.Kinds))
	for k := range r.Kinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	good := int64(0)
	for _, k := range kinds {
		c := r.Kinds[Kind(k)]
		if c.Unexpected > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %d of %d calls had an unexpected outcome, first: %s", k, c.Unexpected, c.Sent, c.FirstBad))
		}
		if Kind(k) == Happy || Kind(k) == Big {
			good += c.Expected
		}
	}
	if r.ProducerCalls != good {
		r.Problems = append(r.Problems, fmt.Sprintf("the producer answered %d good calls, consumers got %d answers: calls lost or duplicated", r.ProducerCalls, good))
	}
	if r.GatewayExit != "exit 0" {
		r.Problems = append(r.Problems, "gateway did not stop cleanly on SIGTERM: "+r.GatewayExit)
	}
}

// producers serves every producer behaviour of the mix on one loopback
// listener, by path.
type producers struct {
	addr  string
	srv   *http.Server
	bench *benchkit.Producer
}

func startProducers() (*producers, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("producer listener: %w", err)
	}
	p := &producers{addr: ln.Addr().String(), bench: benchkit.NewProducer()}
	mux := http.NewServeMux()
	mux.Handle("/happy/", p.bench)
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "<html><body><h1>503 Service Unavailable</h1></body></html>")
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		c, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write(benchkit.SOAPResponse(benchkit.SmallSize))
	})
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *producers) close() { _ = p.srv.Close() }

type setup struct {
	clientTLS *tls.Config
}

// writeSetup writes the test PKI, the TAK file and gateway.yaml into dir.
func writeSetup(dir, producerAddr string) (*setup, error) {
	ca, err := pki.NewCA("rivgate soak CA")
	if err != nil {
		return nil, err
	}
	srv, err := ca.IssueServer(pki.Options{})
	if err != nil {
		return nil, err
	}
	if _, _, err := srv.WriteFiles(dir, "server"); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write CA: %w", err)
	}
	cc, err := ca.IssueClient(consumerID, pki.Options{})
	if err != nil {
		return nil, err
	}
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pick a closed port: %w", err)
	}
	deadAddr := dead.Addr().String()
	_ = dead.Close()
	p := "http://" + producerAddr
	tak := fmt.Sprintf(`routes:
  - {receiver: HAPPY, contract: %[1]q, profile: RIVTABP21, address: "%[2]s/happy/small"}
  - {receiver: BIG, contract: %[1]q, profile: RIVTABP21, address: "%[2]s/happy/1mb"}
  - {receiver: NOPERM, contract: %[1]q, profile: RIVTABP21, address: "%[2]s/happy/small"}
  - {receiver: DEAD, contract: %[1]q, profile: RIVTABP21, address: "http://%[3]s/dead"}
  - {receiver: HTML, contract: %[1]q, profile: RIVTABP21, address: "%[2]s/html"}
  - {receiver: RESET, contract: %[1]q, profile: RIVTABP21, address: "%[2]s/reset"}
  - {receiver: SLOW, contract: %[4]q, profile: RIVTABP21, address: "%[2]s/slow"}
permissions:
  - {sender: %[5]q, receiver: HAPPY, contract: %[1]q}
  - {sender: %[5]q, receiver: BIG, contract: %[1]q}
  - {sender: %[5]q, receiver: DEAD, contract: %[1]q}
  - {sender: %[5]q, receiver: HTML, contract: %[1]q}
  - {sender: %[5]q, receiver: RESET, contract: %[1]q}
  - {sender: %[5]q, receiver: SLOW, contract: %[4]q}
`, scheduleNS, p, deadAddr, slowNS, consumerID)
	if err := os.WriteFile(filepath.Join(dir, "tak.yaml"), []byte(tak), 0o644); err != nil {
		return nil, fmt.Errorf("write TAK: %w", err)
	}
	cfg := fmt.Sprintf(`# rivgate soak gateway (written by tools/internal/soak)
instance: {name: "rivgate soak", id: "rivgate-soak"}
listen: {https: "127.0.0.1:0", http: "", admin: "127.0.0.1:0", path_prefix: "/vp"}
tls: {cert: server.pem, key: server.key, client_ca: ca.pem}
tak: {files: [tak.yaml], poll: 30s}
producers: {timeout: 10s, timeouts: {%q: 300ms}}
logging: {level: info}
`, slowNS)
	if err := os.WriteFile(filepath.Join(dir, "gateway.yaml"), []byte(cfg), 0o644); err != nil {
		return nil, fmt.Errorf("write gateway config: %w", err)
	}
	tc := cc.TLSCertificate()
	return &setup{clientTLS: &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{tc}}}, nil
}

// gateway is the rivgate process under test.
type gateway struct {
	cmd          *exec.Cmd
	done         chan struct{}
	err          error
	https, admin string
	stopped      string
	stopOnce     sync.Once
}

// startGateway runs `rivgate gateway -c dir/gateway.yaml`, logging to
// dir/gateway.log, and waits for its listeners (read from the log) and
// /readyz.
func startGateway(ctx context.Context, bin, dir string) (*gateway, error) {
	logPath := filepath.Join(dir, "gateway.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("gateway log: %w", err)
	}
	cmd := exec.Command(bin, "gateway", "-c", filepath.Join(dir, "gateway.yaml"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	g := &gateway{cmd: cmd, done: make(chan struct{})}
	go func() { g.err = cmd.Wait(); logf.Close(); close(g.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && (g.https == "" || g.admin == "") {
		select {
		case <-g.done:
			return nil, fmt.Errorf("gateway exited at start: %v (log %s)", g.err, logPath)
		case <-ctx.Done():
			g.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		g.https, g.admin = listeners(logPath)
	}
	if g.https == "" || g.admin == "" {
		g.stop()
		return nil, fmt.Errorf("gateway listeners not in its log within 60 s (%s)", logPath)
	}
	c := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		resp, err := c.Get("http://" + g.admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return g, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	g.stop()
	return nil, fmt.Errorf("gateway not ready within 60 s (log %s)", logPath)
}

// listeners reads the "listening" lines of the gateway's JSON log.
func listeners(logPath string) (https, admin string) {
	f, err := os.Open(logPath)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct{ Message, Listener, Addr string }
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Message != "listening" {
			continue
		}
		switch l.Listener {
		case "https":
			https = l.Addr
		case "admin":
			admin = l.Addr
		}
	}
	return https, admin
}

// sample reads goroutines and heap from /status, open descriptors from
// /proc/<pid>/fd and RSS from /proc/<pid>/status.
func (g *gateway) sample() (Sample, error) {
	var s Sample
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + g.admin + "/status")
	if err != nil {
		return s, fmt.Errorf("gateway /status: %w", err)
	}
	defer resp.Body.Close()
	var st struct {
		HeapBytes  uint64 `json:"heap_bytes"`
		Goroutines int    `json:"goroutines"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return s, fmt.Errorf("gateway /status: %w", err)
	}
	s.HeapBytes, s.Goroutines = st.HeapBytes, st.Goroutines
	pid := g.cmd.Process.Pid
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, fmt.Errorf("gateway descriptors: %w", err)
	}
	s.FDs = len(fds)
	ps, err := benchkit.ReadProc(pid)
	if err != nil {
		return s, err
	}
	s.RSSBytes = ps.RSS
	return s, nil
}

// stop sends SIGTERM (the gateway drains and exits 0), SIGKILL after 40 s,
// and says how it ended.
func (g *gateway) stop() string {
	g.stopOnce.Do(func() {
		_ = g.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-g.done:
		case <-time.After(40 * time.Second):
			_ = g.cmd.Process.Kill()
			<-g.done
		}
		var ee *exec.ExitError
		switch {
		case g.err == nil:
			g.stopped = "exit 0"
		case errors.As(g.err, &ee):
			g.stopped = ee.String()
		default:
			g.stopped = g.err.Error()
		}
	})
	return g.stopped
}

// driver sends the mix at a fixed rate (open loop: a slow gateway cannot
// slow the schedule down) and checks each outcome.
type driver struct {
	addr     string
	tlsCfg   *tls.Config
	keep     *http.Client // keep-alive connections
	fresh    atomic.Int64
	finished atomic.Int64
	rep      *Report
	mu       sync.Mutex // guards rep.Kinds counts
	bodies   map[Kind][]byte
}

func newDriver(addr string, tlsCfg *tls.Config, rep *Report) *driver {
	d := &driver{addr: addr, tlsCfg: tlsCfg, rep: rep, bodies: map[Kind][]byte{}}
	d.keep = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: 16, IdleConnTimeout: 20 * time.Second}}
	recv := map[Kind]string{Happy: "HAPPY", Big: "BIG", NoRoute: "NOBODY", NoPerm: "NOPERM", Refused: "DEAD", HTML503: "HTML", Reset: "RESET", Abort: "HAPPY"}
	for k, r := range recv {
		d.bodies[k] = benchkit.Request(scheduleNS, r)
	}
	d.bodies[Slow] = benchkit.Request(slowNS, "SLOW")
	d.bodies[Malformed] = []byte(strings.Replace(string(benchkit.Request(scheduleNS, "HAPPY")), "<soapenv:Body>", "<soapenv:Body attr=>", 1))
	return d
}

func (d *driver) close() { d.keep.CloseIdleConnections() }

// run sends calls until ctx ends; at most 64 are in flight (more would
// mean the gateway has stopped answering: those calls count as
// unexpected).
func (d *driver) run(ctx context.Context, rate float64) {
	total := 0
	for _, m := range mixTable {
		total += m.weight
	}
	rng := rand.New(rand.NewPCG(1, 2)) // the same mix every run
	interval := time.Duration(float64(time.Second) / rate)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	next := time.Now()
	for ctx.Err() == nil {
		next = next.Add(interval)
		if wait := time.Until(next); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			break
		}
		n := rng.IntN(total)
		var kind Kind
		for _, m := range mixTable {
			if n < m.weight {
				kind = m.kind
				break
			}
			n -= m.weight
		}
		fresh := rng.IntN(10) == 0 // one call in ten on a new TLS connection
		select {
		case sem <- struct{}{}:
		default:
			d.count(kind, false, "more than 64 calls in flight: the gateway is not keeping up")
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ok, why := d.call(kind, fresh)
			d.count(kind, ok, why)
			d.finished.Add(1)
		}()
	}
	wg.Wait()
}

func (d *driver) count(k Kind, ok bool, why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.rep.Kinds[k]
	c.Sent++
	if ok {
		c.Expected++
		return
	}
	c.Unexpected++
	if c.FirstBad == "" {
		c.FirstBad = why
	}
}

// call makes one call of kind k and reports whether its outcome was the
// expected one.
func (d *driver) call(k Kind, fresh bool) (bool, string) {
	if k == Abort {
		return d.abort()
	}
	client := d.keep
	if fresh {
		d.fresh.Add(1)
		tr := &http.Transport{TLSClientConfig: d.tlsCfg, DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		client = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	req, err := http.NewRequest(http.MethodPost, "https://"+d.addr+"/vp/soak", strings.NewReader(string(d.bodies[k])))
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	resp, err := client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return false, "read answer: " + err.Error()
	}
	want := map[Kind]vpfault.Code{NoRoute: vpfault.VP004, NoPerm: vpfault.VP007, Malformed: vpfault.VP015,
		Refused: vpfault.VP009, HTML503: vpfault.VP009, Reset: vpfault.VP009, Slow: vpfault.VP009}
	switch k {
	case Happy, Big:
		size := benchkit.SmallSize
		if k == Big {
			size = benchkit.OneMB
		}
		if resp.StatusCode != http.StatusOK || len(body) != size {
			return false, fmt.Sprintf("HTTP %d with %d bytes, want 200 with %d", resp.StatusCode, len(body), size)
		}
		return true, ""
	}
	f, err := vpfault.Parse(body)
	if err != nil || resp.StatusCode != http.StatusInternalServerError || f.Code != want[k] {
		return false, fmt.Sprintf("HTTP %d %.200q, want %s", resp.StatusCode, body, want[k])
	}
	detail := map[Kind]string{Refused: "ConnectException", HTML503: "VP_PRODUCER_EXCEPTION_HTTP_STATUS=503", Reset: "Connection reset", Slow: "TimeoutException"}[k]
	if !strings.Contains(f.DetailString, detail) {
		return false, fmt.Sprintf("%s detail %q, want it to name %s", f.Code, f.DetailString, detail)
	}
	return true, ""
}

// abort writes the headers and half the body of a good call on a new
// connection, then closes it: the gateway must let go of it.
func (d *driver) abort() (bool, string) {
	d.fresh.Add(1)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", d.addr, d.tlsCfg)
	if err != nil {
		return false, err.Error()
	}
	defer conn.Close()
	b := d.bodies[Abort]
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "POST /vp/soak HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n", len(b)); err != nil {
		return false, err.Error()
	}
	if _, err := conn.Write(b[:len(b)/2]); err != nil {
		return false, err.Error()
	}
	return true, ""
}
