package gateway

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

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
	bd := newBed(b, y, func(bd *bed) { bd.cfg.Listen.HTTP, bd.cfg.Listen.Admin = "", "" })
	// Keep the benchmark's log cheap: the exchange line is still built.
	return &vpBed{bed: bd, p21: p}, sample(b, "Rivta21Request.xml", "")
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
func rawProducer(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ln.Close() })
	go cannedproducer.Serve(ln, cannedproducer.Answer(okResponse))
	return "http://" + ln.Addr().String() + "/producer21"
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(code int)        { d.status = code }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkPipeline is the gateway's hot path without the consumer's TLS:
// the service handler called directly with a verified client certificate,
// the real sniffer, catalogue, header rules, producer client and keep-alive
// transport to a producer that allocates nothing. allocs/op are the
// gateway's own per call.
func BenchmarkPipeline(b *testing.B) {
	producerURL := rawProducer(b)
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", producerURL, "{{P21}}", producerURL, "{{DEAD}}", closedAddr(b), "{{C}}", consumerID)
	bd := newBed(b, y, func(bd *bed) { bd.cfg.Listen.HTTP, bd.cfg.Listen.Admin = "", "" })
	client, err := bd.ca.IssueClient(consumerID, pki.Options{})
	if err != nil {
		b.Fatal(err)
	}
	body := sample(b, "Rivta21Request.xml", "")
	h := bd.gw.serviceHandler(HTTPS)
	state := &tls.ConnectionState{HandshakeComplete: true, PeerCertificates: []*x509.Certificate{client.Cert}}
	w := &discardWriter{h: http.Header{}}
	call := func() {
		r := httptest.NewRequest(http.MethodPost, "https://gateway/vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21", bytes.NewReader(body))
		r.Header.Set("Content-Type", "text/xml; charset=UTF-8")
		r.Header.Set("SOAPAction", `"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"`)
		r.TLS = state
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	call()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		call()
	}
	reportCPU(b, cpu)
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

// BenchmarkPipelineParallel is BenchmarkPipeline from GOMAXPROCS goroutines.
func BenchmarkPipelineParallel(b *testing.B) {
	producerURL := rawProducer(b)
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", producerURL, "{{P21}}", producerURL, "{{DEAD}}", closedAddr(b), "{{C}}", consumerID)
	bd := newBed(b, y, func(bd *bed) { bd.cfg.Listen.HTTP, bd.cfg.Listen.Admin = "", "" })
	client, err := bd.ca.IssueClient(consumerID, pki.Options{})
	if err != nil {
		b.Fatal(err)
	}
	body := sample(b, "Rivta21Request.xml", "")
	h := bd.gw.serviceHandler(HTTPS)
	state := &tls.ConnectionState{HandshakeComplete: true, PeerCertificates: []*x509.Certificate{client.Cert}}
	b.ReportAllocs()
	cpu := processCPU()
	defer func() { reportCPU(b, cpu) }()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "https://gateway/vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21", bytes.NewReader(body))
			r.Header.Set("Content-Type", "text/xml; charset=UTF-8")
			r.TLS = state
			clear(w.h)
			w.status = 0
			h.ServeHTTP(w, r)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
}

// BenchmarkStages is the pipeline's decisions alone (stages.go): identity
// from a verified certificate, sniff, catalogue, profile and the producer
// call set up, without net/http, the forward or the log line. The rest of
// BenchmarkPipeline is the HTTP layer and the forward, what another HTTP
// engine would replace.
func BenchmarkStages(b *testing.B) {
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", "http://127.0.0.1:1", "{{P21}}", "http://127.0.0.1:1", "{{DEAD}}", closedAddr(b), "{{C}}", consumerID)
	bd := newBed(b, y, func(bd *bed) { bd.cfg.Listen.HTTP, bd.cfg.Listen.Admin = "", "" })
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
		if c.fault != nil || c.exchange.Target == nil {
			b.Fatalf("not ready to forward: %v", c.fault)
		}
	}
}
