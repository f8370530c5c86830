package httpwire

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
)

// tlsPair is a server configuration requiring client certificates of ca,
// and a client configuration with one.
func tlsPair(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	ca, err := pki.NewCA("httpwire test")
	require.NoError(t, err)
	sc, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	cc, err := ca.IssueClient("SE0000000000-TEST", pki.Options{})
	require.NoError(t, err)
	server = &tls.Config{Certificates: []tls.Certificate{sc.TLSCertificate()}, ClientCAs: ca.Pool(),
		ClientAuth: tls.RequireAndVerifyClientCert, NextProtos: []string{"http/1.1"}}
	client = &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{cc.TLSCertificate()}, ServerName: "localhost"}
	return server, client
}

// TestTLS: the handler sees the verified client certificate; a slow or
// wrong handshake is closed and logged in net/http's words.
func TestTLS(t *testing.T) {
	t.Parallel()
	scfg, ccfg := tlsPair(t)
	logs := &syncbuf.Buffer{}
	addr, _ := serve(t, func(w *ResponseWriter, r *Request) {
		_, _ = io.WriteString(w, r.TLS.PeerCertificates[0].Subject.SerialNumber)
	}, Options{TLS: scfg, ReadHeaderTimeout: 300 * time.Millisecond, ErrorLog: log.New(logs, "", 0)})

	t.Run("mutual TLS", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: ccfg}}
		defer c.CloseIdleConnections()
		for range 2 {
			resp, err := c.Get("https://" + addr + "/x")
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, "SE0000000000-TEST", string(body))
			assert.Equal(t, "HTTP/1.1", resp.Proto)
		}
	})
	t.Run("no handshake", func(t *testing.T) {
		c, br := dial(t, addr)
		got, err := io.ReadAll(br)
		require.NoError(t, err, "closed at the handshake timeout")
		assert.Empty(t, got)
		_ = c.Close()
		require.Eventually(t, func() bool { return strings.Contains(logs.String(), "http: TLS handshake error from 127.0.0.1:") }, 5*time.Second, 10*time.Millisecond)
	})
	t.Run("plain HTTP to the TLS listener", func(t *testing.T) {
		c, br := dial(t, addr)
		_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
	t.Run("no client certificate", func(t *testing.T) {
		noCert := ccfg.Clone()
		noCert.Certificates = nil
		c, err := tls.Dial("tcp", addr, noCert)
		if err == nil {
			_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			_, err = http.ReadResponse(bufio.NewReader(c), nil)
			_ = c.Close()
		}
		assert.Error(t, err, "refused in the handshake")
	})
}

// BenchmarkServerTLS is BenchmarkServer over mutual TLS (one handshake,
// then keep-alive calls).
func BenchmarkServerTLS(b *testing.B) {
	scfg, ccfg := tlsPair(b)
	addr, _ := serve(b, benchHandler, Options{TLS: scfg, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute})
	runBench(b, benchCallOver(b, func() (net.Conn, error) { return tls.Dial("tcp", addr, ccfg) }))
}

// BenchmarkNetHTTPServerTLS is BenchmarkServerTLS against net/http's server.
func BenchmarkNetHTTPServerTLS(b *testing.B) {
	scfg, ccfg := tlsPair(b)
	addr := netHTTPServer(b, scfg)
	runBench(b, benchCallOver(b, func() (net.Conn, error) { return tls.Dial("tcp", addr, ccfg) }))
}

// TestShutdownSparesNewConnections: a connection through its handshake
// that has not sent its first request yet is not closed by Shutdown (as
// net/http spares StateNew for 5 s); its request is answered.
func TestShutdownSparesNewConnections(t *testing.T) {
	t.Parallel()
	scfg, ccfg := tlsPair(t)
	addr, s := serve(t, func(w *ResponseWriter, r *Request) { _, _ = io.WriteString(w, "done") }, Options{TLS: scfg})
	c, err := tls.Dial("tcp", addr, ccfg)
	require.NoError(t, err)
	defer c.Close()
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	_, err = io.WriteString(c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err, "the new connection's first request is answered during shutdown")
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, "done", string(body))
	require.NoError(t, <-shut)
}
