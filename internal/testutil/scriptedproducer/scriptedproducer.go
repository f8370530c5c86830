// Package scriptedproducer is a service producer on a raw loopback
// listener that runs a script on every connection, so a test can make it
// reset, drip, stall, lie about lengths or answer in any framing, and
// counts what it saw: connections accepted and still open, requests read
// whole, and their bodies.
package scriptedproducer

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rivgate/rivgate/internal/pki"
)

// Script serves one connection; br reads from c.
type Script func(p *Producer, c net.Conn, br *bufio.Reader)

// Producer is a running scripted producer.
type Producer struct {
	// URL is http://127.0.0.1:port, or https:// with a certificate.
	URL      string
	Accepted atomic.Int64 // connections accepted
	Open     atomic.Int64 // connections not yet closed
	Requests atomic.Int64 // requests read whole

	mu     sync.Mutex
	bodies []string
}

// New listens on 127.0.0.1 (TLS with cert when it is not nil) and runs
// script on every accepted connection until the test ends, which waits
// for every script to return.
func New(t testing.TB, cert *pki.Cert, script Script) *Producer {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Producer{URL: "http://" + raw.Addr().String()}
	ln := raw
	if cert != nil {
		ln = tls.NewListener(raw, &tls.Config{Certificates: []tls.Certificate{cert.TLSCertificate()}})
		p.URL = "https://" + raw.Addr().String()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.Accepted.Add(1)
			p.Open.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer p.Open.Add(-1)
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // no script outlives the test
				script(p, c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() { _ = raw.Close(); wg.Wait() })
	return p
}

// ReadRequest reads one request whole and keeps its body; false when the
// connection ended or the request was broken.
func (p *Producer) ReadRequest(br *bufio.Reader) bool {
	req, err := http.ReadRequest(br)
	if err != nil {
		return false
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return false
	}
	p.mu.Lock()
	p.bodies = append(p.bodies, string(b))
	p.mu.Unlock()
	p.Requests.Add(1)
	return true
}

// Bodies are the bodies of the requests read whole, in order.
func (p *Producer) Bodies() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.bodies...)
}

// Reset closes c with an RST (SO_LINGER 0), under TLS too.
func Reset(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
