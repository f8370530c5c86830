package mtls

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/internal/pki"
)

// TestListen: with ClientCAs only a certificate they issued gets through;
// without, any certificate does; a client without one never does; ALPN
// settles on HTTP/1.1; the caller's configuration is left as it was.
func TestListen(t *testing.T) {
	t.Parallel()
	ca, err := pki.NewCA("trusted CA")
	require.NoError(t, err)
	other, err := pki.NewCA("other CA")
	require.NoError(t, err)
	server, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	trusted, err := ca.IssueClient("SE-TRUSTED", pki.Options{})
	require.NoError(t, err)
	stranger, err := other.IssueClient("SE-STRANGER", pki.Options{})
	require.NoError(t, err)
	tests := []struct {
		name      string
		clientCAs bool
		client    *pki.Cert // nil: the client sends no certificate
		ok        bool
	}{
		{"verified: trusted client", true, trusted, true},
		{"verified: client of another CA", true, stranger, false},
		{"verified: no client certificate", true, nil, false},
		{"any: client of another CA", false, stranger, true},
		{"any: no client certificate", false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, MinVersion: tls.VersionTLS12}
			if tt.clientCAs {
				cfg.ClientCAs = ca.Pool()
			}
			ln, err := Listen("127.0.0.1:0", cfg)
			require.NoError(t, err)
			t.Cleanup(func() { _ = ln.Close() })
			if cfg.ClientAuth != tls.NoClientCert || cfg.NextProtos != nil {
				t.Error("Listen changed the caller's configuration")
			}
			served := make(chan error, 1)
			go func() { served <- serveOne(ln) }()

			ccfg := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", NextProtos: []string{"h2", "http/1.1"}}
			if tt.client != nil {
				ccfg.Certificates = []tls.Certificate{tt.client.TLSCertificate()}
			}
			conn, err := tls.Dial("tcp", ln.Addr().String(), ccfg)
			var got []byte
			if err == nil {
				// TLS 1.3 clients learn of a refused certificate on their first read.
				got, err = io.ReadAll(conn)
				if err == nil && conn.ConnectionState().NegotiatedProtocol != "http/1.1" {
					t.Errorf("ALPN %q, want http/1.1", conn.ConnectionState().NegotiatedProtocol)
				}
				_ = conn.Close()
			}
			serr := <-served
			if tt.ok {
				if err != nil || string(got) != "ok" || serr != nil {
					t.Errorf("refused: client %v (read %q), server %v", err, got, serr)
				}
				return
			}
			if err == nil && string(got) == "ok" {
				t.Error("the connection was accepted")
			}
			if serr == nil {
				t.Error("the server saw a good handshake")
			}
		})
	}
}

// serveOne accepts one connection, completes its handshake and answers ok.
func serveOne(ln net.Listener) error {
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	tc, ok := c.(*tls.Conn)
	if !ok {
		return errors.New("not a TLS connection")
	}
	if err := tc.Handshake(); err != nil {
		return err
	}
	_, err = tc.Write([]byte("ok"))
	return err
}
