package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil/cannedproducer"
)

// benchAnswer is a 2 KB SOAP answer, the size of the issue's measurements.
var benchAnswer = bytes.Repeat([]byte("<x>0123456789abcdef</x>"), 89)

// rawBenchProducer is a keep-alive producer that allocates nothing per
// call (cannedproducer); with cert it speaks TLS.
func rawBenchProducer(b *testing.B, cert *pki.Cert) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ln.Close() })
	scheme := "http"
	if cert != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}})
		scheme = "https"
	}
	go cannedproducer.Serve(ln, cannedproducer.Answer(benchAnswer))
	return scheme + "://" + ln.Addr().String() + "/producer"
}

// benchWriter is a ResponseWriter that keeps only the status.
type benchWriter struct {
	h      http.Header
	status int
}

func (d *benchWriter) Header() http.Header         { return d.h }
func (d *benchWriter) WriteHeader(code int)        { d.status = code }
func (d *benchWriter) Write(p []byte) (int, error) { return len(p), nil }

// benchmarkForward is one call through Forward per iteration over a
// pooled keep-alive connection: the client's cost per call.
func benchmarkForward(b *testing.B, https bool) {
	opts := TransportOptions{}
	var cert *pki.Cert
	if https {
		ca, err := pki.NewCA("bench CA")
		if err != nil {
			b.Fatal(err)
		}
		if cert, err = ca.IssueServer(pki.Options{}); err != nil {
			b.Fatal(err)
		}
		opts.TLS = TLSSettings{RootCAs: ca.Pool(), VerifyHostname: true}
	}
	target, err := url.Parse(rawBenchProducer(b, cert))
	if err != nil {
		b.Fatal(err)
	}
	f := NewForwarder(NewTransport(opts), 1<<20, nil)
	body := bytes.Repeat([]byte("<req>0123456789abcdef</req>"), 75)
	in := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}, "Soapaction": {`"urn:x"`}, "User-Agent": {"consumer/1"}}
	w := &benchWriter{h: http.Header{}}
	rd := bytes.NewReader(body)
	x := &Exchange{}
	// A consumer's context can end, as net/http's request context: the
	// call wires its end to the producer connection.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	call := func() {
		rd.Reset(body)
		*x = Exchange{Target: target, Body: rd, ContentLength: int64(len(body)), Timeout: 30 * time.Second, Instance: "bench",
			MinRate: MinRate{BytesPerSec: 1000, Grace: time.Second},
			Headers: OutboundHeaders{Sender: "SE-CONS", InstanceID: "rivgate-1", CorrelationID: "corr-1", OriginalConsumer: "SE-CONS",
				RoutingHistory: "SE-CONS#rivgate-1", UserAgent: "rivgate/bench", CorrelationToHTTPS: true}}
		clear(w.h)
		w.status = 0
		f.Forward(w, ctx, in, x)
		if w.status != http.StatusOK {
			b.Fatalf("status %d: %v", w.status, x.Err)
		}
	}
	call()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		call()
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU is this process's user+system CPU time (client and the raw
// producer, which costs little): steadier than wall time on a shared
// machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkForwardHTTP(b *testing.B)  { benchmarkForward(b, false) }
func BenchmarkForwardHTTPS(b *testing.B) { benchmarkForward(b, true) }
