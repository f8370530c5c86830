package gateway

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/httpwire"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil/cannedproducer"
)

// The per-call overhead of the gateway is the difference between these two:
// the same request and producer, once direct (plain HTTP, keep-alive) and
// once through the gateway's real TLS listener with the real sniffer,
// catalogue and forwarding. Compare with
//   go test -run '^$' -bench 'Direct|ThroughGateway' -benchmem ./gateway/

func benchBed(b *testing.B) (*vpBed, []byte) {
	b.Helper()
	p := newProducer(b, func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		_, _ = w.Write(okResponse)
	})
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", p.srv.URL, "{{P21}}", p.srv.URL, "{{DEAD}}", closedAddr(b), "{{C}}", consumerID)
	bd := newBed(b, y, benchOnly(b))
	return &vpBed{bed: bd, p21: p}, sample(b, "Rivta21Request.xml", "")
}

// benchOnly starts only the HTTPS listener and writes the exchange log to
// a file, as a deployed gateway does: one write per line, not a test
// buffer that grows with every call (its copying would be measured).
func benchOnly(b testing.TB) bedOpt {
	return func(bd *bed) {
		bd.cfg.Listen.HTTP, bd.cfg.Listen.Admin = "", ""
		f, err := os.Create(filepath.Join(b.TempDir(), "exchange.log"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = f.Close() })
		bd.logTo = f
	}
}

func doPost(b *testing.B, c *http.Client, url string, body []byte) {
	resp, err := c.Post(url, "text/xml; charset=UTF-8", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

func BenchmarkDirectProducer(b *testing.B) {
	vb, body := benchBed(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.ReportAllocs()
	for b.Loop() {
		doPost(b, c, vb.p21.srv.URL+"/producer21", body)
	}
}

func BenchmarkThroughGateway(b *testing.B) {
	vb, body := benchBed(b)
	b.ReportAllocs()
	for b.Loop() {
		doPost(b, vb.client, vb.url(HTTPS), body)
	}
}

func BenchmarkThroughGatewayParallel(b *testing.B) {
	vb, body := benchBed(b)
	b.ReportAllocs()
	cpu := processCPU()
	defer func() { reportCPU(b, cpu) }()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			doPost(b, vb.client, vb.url(HTTPS), body)
		}
	})
}

// rawProducer is a keep-alive producer that allocates nothing per call
// (cannedproducer): with it the allocations of BenchmarkPipeline are the
// gateway's own (handler, sniffer, catalogue, headers, the producer
// client and its pool).
func rawProducer(b testing.TB) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ln.Close() })
	go cannedproducer.Serve(ln, cannedproducer.Answer(okResponse))
	return "http://" + ln.Addr().String() + "/producer21"
}

// pipelineServer serves the gateway's HTTPS service handler with httpwire
// on a plain loopback listener, each request carrying a verified client
// certificate as the TLS handshake would have left it: the call path
// without the consumer's TLS. It returns the address.
func pipelineServer(b testing.TB, bd *bed) string {
	b.Helper()
	client, err := bd.ca.IssueClient(consumerID, pki.Options{})
	if err != nil {
		b.Fatal(err)
	}
	state := &tls.ConnectionState{HandshakeComplete: true, PeerCertificates: []*x509.Certificate{client.Cert}}
	h := bd.gw.serviceHandler(HTTPS)
	// The listener's limits as Start sets them: each is a deadline, whose
	// changes per call are part of the cost.
	l := bd.gw.cfg.Listen
	srv := httpwire.NewServer(httpwire.Options{Handler: func(w *httpwire.ResponseWriter, r *httpwire.Request) {
		r.TLS = state
		h(w, r)
	}, ReadHeaderTimeout: l.ReadHeaderTimeout.D(), IdleTimeout: l.IdleTimeout.D(), MaxHeaderBytes: int(l.MaxHeaderBytes)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// rawCaller is a keep-alive consumer that allocates nothing per call: it
// writes a canned request and reads the answer's head and body.
type rawCaller struct {
	conn net.Conn
	br   *bufio.Reader
	req  []byte
}

func newRawCaller(b testing.TB, addr string, body []byte) *rawCaller {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close() })
	req := "POST /vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21 HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/xml; charset=UTF-8\r\n" +
		"SOAPAction: \"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule\"\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
	return &rawCaller{conn: conn, br: bufio.NewReaderSize(conn, 16<<10), req: []byte(req)}
}

// call sends one request and reports the answer's status (-1: failed).
func (c *rawCaller) call() int {
	if _, err := c.conn.Write(c.req); err != nil {
		return -1
	}
	status, length := -1, -1
	for first := true; ; first = false {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return -1
		}
		if first && len(line) > 12 {
			status, _ = strconv.Atoi(string(line[9:12]))
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if length < 0 {
		return -1
	}
	if _, err := c.br.Discard(length); err != nil {
		return -1
	}
	return status
}

// BenchmarkPipeline is the gateway's hot path without the consumer's TLS:
// a keep-alive loopback consumer, the gateway's server (httpwire) and
// service handler with a verified client certificate, the real sniffer,
// catalogue, header rules, ReverseProxy and keep-alive transport to a
// producer that allocates nothing. allocs/op are the gateway's own per
// call.
func BenchmarkPipeline(b *testing.B) {
	c := pipelineCaller(b)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if s := c.call(); s != http.StatusOK {
			b.Fatalf("status %d", s)
		}
	}
	reportCPU(b, cpu)
}

// pipelineCaller sets up BenchmarkPipeline's gateway, producer and
// consumer and makes one call.
func pipelineCaller(t testing.TB) *rawCaller {
	t.Helper()
	producerURL := rawProducer(t)
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", producerURL, "{{P21}}", producerURL, "{{DEAD}}", closedAddr(t), "{{C}}", consumerID)
	bd := newBed(t, y, benchOnly(t))
	c := newRawCaller(t, pipelineServer(t, bd), sample(t, "Rivta21Request.xml", ""))
	if s := c.call(); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	return c
}

// maxCallAllocs pins the heap allocations of one forwarded call in the
// steady state (BenchmarkPipeline's allocs/op, the whole process): the
// request head's string and its body reader (httpwire), the routing
// history and the Info's strings.
// The producer answer's header values are interned per pooled call
// state (proxy). The call's own memory (serviceCall, the sniffer's
// Info and head buffer) is pooled, the consumer's going away reaches the
// producer connection through httpwire's per-connection hook
// (Request.AfterGone), and a correlation id made for a consumer that sent
// none comes from a batch of 64 (ids.UUIDs).
const maxCallAllocs = 4

// TestCallPathAllocations fails when a change adds a heap allocation to
// the forwarded call (see maxCallAllocs); a change that removes one
// lowers the pin.
func TestCallPathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates too; counted without -race")
	}
	c := pipelineCaller(t)
	for range 50 { // the pools fill
		if s := c.call(); s != http.StatusOK {
			t.Fatalf("status %d", s)
		}
	}
	got := testing.AllocsPerRun(500, func() {
		if s := c.call(); s != http.StatusOK {
			t.Fatalf("status %d", s)
		}
	})
	if got > maxCallAllocs {
		t.Fatalf("a forwarded call allocates %v times, the pin is %d: find the new allocation with "+
			"go test -run '^$' -bench 'Pipeline$' -memprofile mem.out ./gateway/", got, maxCallAllocs)
	}
}

// processCPU is this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op: CPU time of the whole process (gateway,
// transport and the raw producer, which costs little) per call, steadier
// than wall time on a shared machine because waiting costs nothing.
func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(processCPU()-since)/float64(b.N), "cpu-ns/op")
}

// BenchmarkPipelineParallel is BenchmarkPipeline from GOMAXPROCS
// goroutines, each a keep-alive consumer of its own.
func BenchmarkPipelineParallel(b *testing.B) {
	producerURL := rawProducer(b)
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", producerURL, "{{P21}}", producerURL, "{{DEAD}}", closedAddr(b), "{{C}}", consumerID)
	bd := newBed(b, y, benchOnly(b))
	addr := pipelineServer(b, bd)
	body := sample(b, "Rivta21Request.xml", "")
	b.ReportAllocs()
	cpu := processCPU()
	defer func() { reportCPU(b, cpu) }()
	b.RunParallel(func(pb *testing.PB) {
		c := newRawCaller(b, addr, body)
		for pb.Next() {
			if s := c.call(); s != http.StatusOK {
				b.Errorf("status %d", s)
				return
			}
		}
	})
}

// BenchmarkStages is the pipeline's decisions alone (stages.go): identity
// from a verified certificate, sniff, catalogue, profile and the producer
// call set up, without the HTTP server, the forward or the log line. The rest of
// BenchmarkPipeline is the HTTP layer and the forward, what another HTTP
// engine would replace.
func BenchmarkStages(b *testing.B) {
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", "http://127.0.0.1:1", "{{P21}}", "http://127.0.0.1:1", "{{DEAD}}", closedAddr(b), "{{C}}", consumerID)
	bd := newBed(b, y, benchOnly(b))
	client, err := bd.ca.IssueClient(consumerID, pki.Options{})
	if err != nil {
		b.Fatal(err)
	}
	body := sample(b, "Rivta21Request.xml", "")
	maxBody := int64(bd.cfg.Limits.MaxBody)
	b.ReportAllocs()
	for b.Loop() {
		c := &call{listener: HTTPS, start: time.Now(), correlationID: "bench", kind: "service", req: consumerRequest{
			ctx: b.Context(), peerCert: client.Cert, contentType: "text/xml; charset=UTF-8", contentLength: int64(len(body)),
		}}
		c.body = &bodyReader{r: bytes.NewReader(body), left: maxBody, max: maxBody}
		bd.gw.runStages(c)
		bd.gw.release(c) // else limits.max_calls_per_consumer refuses the calls after the first few
		if c.fault != nil || c.exchange == nil {
			b.Fatalf("not ready to forward: fault %v, status %d", c.fault, c.status)
		}
	}
}
