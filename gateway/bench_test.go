package gateway

import (
	"bytes"
	"io"
	"net/http"
	"testing"
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
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			doPost(b, vb.client, vb.url(HTTPS), body)
		}
	})
}
