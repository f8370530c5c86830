// Package mtls opens the mutual-TLS listeners of rivgate's stand-in
// servers: the conformance harness and the recorder (in a producer's
// place), the demo producer and the benchmarks' reference proxy.
// (The gateway's listener is not one of them: its TLS configuration comes
// per handshake from gateway/identity, with the operator's client_auth
// policy, revocation checks and reloadable certificates.)
package mtls

import (
	"crypto/tls"
	"net"
)

// Listen listens on the TCP address addr and speaks TLS with a copy of
// cfg that requires a client certificate: verified against cfg.ClientCAs
// when cfg has them; without, any certificate is taken and the caller
// judges it (the harness reports a consumer's untrusted certificate rather
// than refusing the handshake). ALPN offers HTTP/1.1 only: SOAP consumers
// speak it, and the servers hijack connections to inject faults. An error
// is net.Listen's.
func Listen(addr string, cfg *tls.Config) (net.Listener, error) {
	c := cfg.Clone()
	if c.ClientCAs != nil {
		c.ClientAuth = tls.RequireAndVerifyClientCert
	} else {
		c.ClientAuth = tls.RequireAnyClientCert
	}
	c.NextProtos = []string{"http/1.1"}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return tls.NewListener(ln, c), nil
}
