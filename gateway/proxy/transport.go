// Package proxy forwards a routed call to its service producer with its
// own HTTP/1.1 client (wire.go, forward.go) over pooled keep-alive
// connections (pool.go) to http and https producers (client certificate,
// hostname verification on by default, other TLS settings per producer by
// host, domain or port), per-call timeouts without progress,
// one retry only when the connection failed before any byte was sent, the
// header rules of the platform towards producer and consumer, streaming in
// both directions with a size bound, and producer failures mapped onto VP009
// with VP's detail text.
package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TransportOptions configure the producer transport. Zero values get the
// defaults noted per field.
type TransportOptions struct {
	// ConnectTimeout bounds the TCP connect. Default 2s, VP's: a dead
	// producer should fail fast, a slow one is covered by Timeout.
	ConnectTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake. Default 10s.
	TLSHandshakeTimeout time.Duration
	// IdleConnTimeout closes unused pooled connections. Default 90s.
	IdleConnTimeout time.Duration
	// MaxIdleConnsPerHost is the keep-alive pool per producer. Default 256:
	// Go's default of 2 makes every burst open (and TIME_WAIT) new sockets,
	// which halved throughput in the reference measurements.
	MaxIdleConnsPerHost int
	// MaxConnsPerHost caps connections per producer, a bulkhead. Default 0 (no cap).
	MaxConnsPerHost int
	// TLS is how https producers are called (DefaultProfile). Default: no
	// client certificate, the system roots, no hostname verification
	// (the gateway turns it on from config).
	TLS TLSSettings
	// Profiles give the https producers they match other TLS settings; the
	// first that matches wins, TLS serves the rest.
	Profiles []TLSProfile
	// Retry once after a failed connect (nothing was sent). Default false
	// here; the gateway sets it from config (default true).
	Retry bool
	// RetryDelay waits before that retry. Default 0.
	RetryDelay time.Duration
	// MaxResponseHeaderBytes bounds a producer answer's status line and
	// headers; a larger one fails the call. Default 1 MiB (net/http's own
	// default is 10 MiB, held per call in memory).
	MaxResponseHeaderBytes int64
}

// DefaultProfile names the TLS settings of TransportOptions itself, used
// for https producers no profile matches.
const DefaultProfile = "default"

// TLSProfile is the TLS settings for the https producers it matches.
type TLSProfile struct {
	Name  string
	Match TLSMatch
	TLS   TLSSettings
}

// TLSSettings are how the gateway talks TLS to a producer.
type TLSSettings struct {
	// ClientCert is presented when the producer asks for one; nil: none.
	ClientCert *tls.Certificate
	// RootCAs verify the producer's certificate; nil: the system roots.
	RootCAs *x509.CertPool
	// VerifyHostname checks the producer certificate against the URL host.
	// VP defaults to off "for backward compatibility"; the gateway's
	// configuration defaults to on.
	VerifyHostname bool
	// MinVersion and MaxVersion bound the TLS versions offered
	// (tls.VersionTLS12...); 0: TLS 1.2, and the newest Go knows.
	MinVersion, MaxVersion uint16
}

// TLSMatch picks producers by their URL. Every criterion given must hold;
// a match with none matches nothing.
type TLSMatch struct {
	// Host is the URL's host name or IP address, compared without case.
	Host string
	// DomainSuffix matches the domain itself and every name under it
	// ("example.se" and ".example.se" both match "example.se" and
	// "a.example.se", not "badexample.se").
	DomainSuffix string
	// Port is the URL's port, 443 when it names none. 0: any port.
	Port int
}

// Matches reports whether a producer at host:port is one of m's.
func (m TLSMatch) Matches(host string, port int) bool {
	if m.Host == "" && m.DomainSuffix == "" && m.Port == 0 {
		return false
	}
	if m.Port != 0 && m.Port != port {
		return false
	}
	host = strings.TrimSuffix(host, ".")
	if m.Host != "" && !strings.EqualFold(m.Host, host) {
		return false
	}
	if d := strings.TrimPrefix(m.DomainSuffix, "."); d != "" && !inDomain(host, d) {
		return false
	}
	return true
}

// inDomain reports whether host is domain or a name under it, by whole
// labels ("a.example.se" is in "example.se", "badexample.se" is not).
func inDomain(host, domain string) bool {
	if strings.EqualFold(host, domain) {
		return true
	}
	n := len(host) - len(domain)
	return n > 1 && host[n-1] == '.' && strings.EqualFold(host[n:], domain)
}

// profileIndex is the index of the first profile matching the https URL u,
// -1 when none does.
func profileIndex(profiles []TLSProfile, u *url.URL) int {
	if len(profiles) == 0 {
		return -1
	}
	port := 443
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return -1
		}
		port = n
	}
	host := u.Hostname()
	for i := range profiles {
		if profiles[i].Match.Matches(host, port) {
			return i
		}
	}
	return -1
}

// ProfileFor names the TLS settings a call to the producer at u uses:
// DefaultProfile, a profile's name, or "" for a plain http producer.
func (o *TransportOptions) ProfileFor(u *url.URL) string {
	if !strings.EqualFold(u.Scheme, "https") {
		return ""
	}
	if i := profileIndex(o.Profiles, u); i >= 0 {
		return o.Profiles[i].Name
	}
	return DefaultProfile
}

// DialError is a connect failure: nothing of the request was sent, so a
// retry cannot duplicate a non-idempotent call.
type DialError struct {
	Addr string
	Err  error
}

func (e *DialError) Error() string { return fmt.Sprintf("connect to %s: %v", e.Addr, e.Err) }
func (e *DialError) Unwrap() error { return e.Err }

// Transport holds the producer connection pools. Replace swaps them
// atomically (certificate reload); old pools are closed once idle.
type Transport struct {
	cur  atomic.Pointer[transportState]
	mu   sync.Mutex // serialises Replace
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// noProbe skips the check of a pooled connection for a close by the
	// producer (tests: the close then shows on use).
	noProbe bool
}

type transportState struct {
	opts     TransportOptions
	plain    *connPool   // http producers
	tls      *connPool   // https producers no profile matches
	profiles []*connPool // one pool per profile, as opts.Profiles
}

// pick returns the pool for a call to u and the name of its TLS settings
// ("" for plain http). Each profile has its own pool: a connection made
// with one profile's settings never serves another's call.
func (st *transportState) pick(u *url.URL) (string, *connPool) {
	if u.Scheme != "https" {
		return "", st.plain
	}
	if i := profileIndex(st.opts.Profiles, u); i >= 0 {
		return st.opts.Profiles[i].Name, st.profiles[i]
	}
	return DefaultProfile, st.tls
}

func (st *transportState) pools() []*connPool {
	return append([]*connPool{st.plain, st.tls}, st.profiles...)
}

// NewTransport builds a transport from opts.
func NewTransport(opts TransportOptions) *Transport {
	t := &Transport{}
	t.Replace(opts)
	return t
}

// Replace builds new pools from opts and retires the old ones: their idle
// connections are closed now, busy ones when their call ends.
func (t *Transport) Replace(opts TransportOptions) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = 2 * time.Second
	}
	if opts.TLSHandshakeTimeout == 0 {
		opts.TLSHandshakeTimeout = 10 * time.Second
	}
	if opts.IdleConnTimeout == 0 {
		opts.IdleConnTimeout = 90 * time.Second
	}
	if opts.MaxIdleConnsPerHost == 0 {
		opts.MaxIdleConnsPerHost = 256
	}
	if opts.MaxResponseHeaderBytes == 0 {
		opts.MaxResponseHeaderBytes = 1 << 20
	}
	dial := t.dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	st := &transportState{opts: opts}
	st.plain = newConnPool(&st.opts, dial, nil, t.noProbe)
	st.tls = newConnPool(&st.opts, dial, tlsConfig(opts.TLS), t.noProbe)
	for _, p := range opts.Profiles {
		st.profiles = append(st.profiles, newConnPool(&st.opts, dial, tlsConfig(p.TLS), t.noProbe))
	}
	if old := t.cur.Swap(st); old != nil {
		for _, p := range old.pools() {
			p.retire()
		}
	}
}

// tlsConfig is the client TLS configuration for settings s.
func tlsConfig(s TLSSettings) *tls.Config {
	cfg := &tls.Config{MinVersion: s.MinVersion, MaxVersion: s.MaxVersion, RootCAs: s.RootCAs}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if s.ClientCert != nil {
		cert := s.ClientCert
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	if !s.VerifyHostname {
		// Verify the chain but not the name: the documented opt-out for
		// producers whose certificates do not name their address.
		roots := s.RootCAs
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("producer sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	}
	return cfg
}

// CloseIdleConnections closes pooled connections (shutdown).
func (t *Transport) CloseIdleConnections() {
	for _, p := range t.cur.Load().pools() {
		p.closeIdle()
	}
}

// ProfileFor names the TLS settings a call to u uses now (see
// TransportOptions.ProfileFor).
func (t *Transport) ProfileFor(u *url.URL) string { return t.cur.Load().opts.ProfileFor(u) }

// timeoutText is VP's message for a producer timeout.
const timeoutText = "Timeout when waiting on response from producer."

// tooSlowText is the message when the exchange fell behind limits.min_rate.
const tooSlowText = "Producer exchange too slow: it fell behind limits.min_rate (time allowed: timeout + limits.rate_grace + bytes / limits.min_rate)."

// TimeoutError is a call that got no progress from the producer in time,
// or (TooSlow) whose exchange fell behind its minimum rate.
type TimeoutError struct {
	Err     error
	TooSlow bool
}

func (e *TimeoutError) Error() string {
	if e.TooSlow {
		return tooSlowText
	}
	return timeoutText
}
func (e *TimeoutError) Unwrap() error { return e.Err }
