// Package proxy forwards a routed call to its service producer: a pooled
// keep-alive transport for http and https producers (client certificate,
// hostname verification on by default, other TLS settings per producer by
// host, domain or port), per-call timeouts without progress,
// one retry only when the connection failed before any byte was sent, the
// header rules of the platform towards producer and consumer, streaming in
// both directions with a size bound, and producer failures mapped onto VP009
// with VP's detail text.
package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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

// Transport is the producer RoundTripper. The underlying http.Transport is
// swapped atomically by Replace (certificate reload); old pools are closed
// once idle.
type Transport struct {
	cur  atomic.Pointer[transportState]
	mu   sync.Mutex // serialises Replace
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

type transportState struct {
	opts     TransportOptions
	http     *http.Transport   // plain http producers and the default TLS settings
	profiles []*http.Transport // one pool per profile, as opts.Profiles
}

// pick returns the pool for a call to u and the name of its TLS settings
// ("" for plain http). Each profile has its own pool: a connection made
// with one profile's settings never serves another's call.
func (st *transportState) pick(u *url.URL) (string, *http.Transport) {
	if u.Scheme != "https" {
		return "", st.http
	}
	if i := profileIndex(st.opts.Profiles, u); i >= 0 {
		return st.opts.Profiles[i].Name, st.profiles[i]
	}
	return DefaultProfile, st.http
}

func (st *transportState) closeIdle() {
	st.http.CloseIdleConnections()
	for _, p := range st.profiles {
		p.CloseIdleConnections()
	}
}

// NewTransport builds a transport from opts.
func NewTransport(opts TransportOptions) *Transport {
	t := &Transport{}
	t.Replace(opts)
	return t
}

// Replace builds a new pool from opts and retires the old one.
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
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	dial := t.dial
	if dial == nil {
		dial = dialer.DialContext
	}
	st := &transportState{opts: opts}
	st.http = newPool(opts, dial, opts.TLS)
	for _, p := range opts.Profiles {
		st.profiles = append(st.profiles, newPool(opts, dial, p.TLS))
	}
	if old := t.cur.Swap(st); old != nil {
		old.closeIdle()
	}
}

// newPool makes one keep-alive pool with the given TLS settings.
func newPool(opts TransportOptions, dial func(ctx context.Context, network, addr string) (net.Conn, error), s TLSSettings) *http.Transport {
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, &DialError{Addr: addr, Err: err}
			}
			return c, nil
		},
		TLSClientConfig:        tlsConfig(s),
		TLSHandshakeTimeout:    opts.TLSHandshakeTimeout,
		MaxIdleConns:           0,
		MaxIdleConnsPerHost:    opts.MaxIdleConnsPerHost,
		MaxConnsPerHost:        opts.MaxConnsPerHost,
		IdleConnTimeout:        opts.IdleConnTimeout,
		MaxResponseHeaderBytes: opts.MaxResponseHeaderBytes,
		DisableCompression:     true, // VP removes accept-encoding: producers answer uncompressed
		ForceAttemptHTTP2:      false,
		ExpectContinueTimeout:  0,
		WriteBufferSize:        32 << 10,
		ReadBufferSize:         32 << 10,
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
func (t *Transport) CloseIdleConnections() { t.cur.Load().closeIdle() }

// ProfileFor names the TLS settings a call to u uses now (see
// TransportOptions.ProfileFor).
func (t *Transport) ProfileFor(u *url.URL) string { return t.cur.Load().opts.ProfileFor(u) }

// errProducerTimeout is the cancel cause when the producer made no progress
// within the call's timeout.
var errProducerTimeout = errors.New("producer timeout")

// errProducerTooSlow is the cancel cause when the exchange fell behind its
// minimum rate (see WithMinRate).
var errProducerTooSlow = errors.New("producer exchange below its minimum rate")

// timeoutText is VP's message for a producer timeout.
const timeoutText = "Timeout when waiting on response from producer."

// tooSlowText is the message when the exchange fell behind limits.min_rate.
const tooSlowText = "Producer exchange too slow: it fell behind limits.min_rate (time allowed: timeout + limits.rate_grace + bytes / limits.min_rate)."

// timeoutKey carries the per-call timeout in the request context.
type timeoutKey struct{}

// rateKey carries the per-call minimum rate in the request context.
type rateKey struct{}

// WithTimeout sets the longest wait without progress for calls made with ctx.
func WithTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, timeoutKey{}, d)
}

// WithMinRate sets the pace the whole exchange must keep for calls made
// with ctx: request and answer bytes together, counted from the start of
// the call, with the call's timeout added to m.Grace (the producer has its
// timeout to begin answering).
func WithMinRate(ctx context.Context, m MinRate) context.Context {
	return context.WithValue(ctx, rateKey{}, m)
}

// RoundTrip sends the request with the call's timeout and at most one retry
// after a connect failure.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := t.cur.Load()
	body := &trackedBody{r: req.Body}
	realBody := req.Body
	// A body held in memory goes to http.Transport as it is: wrapped, the
	// transport could not tell it is in memory and would write the headers
	// and the body in two writes. Nothing needs tracking: a connect
	// failure sends nothing, and the reader is still at its start.
	inMemory := false
	profile, pool := st.pick(req.URL)
	if x := exchangeOf(req); x != nil {
		_, inMemory = x.Body.(*bytes.Reader)
		x.TLSProfile = profile
	}
	d, _ := req.Context().Value(timeoutKey{}).(time.Duration)
	ctx, cancel := context.WithCancelCause(req.Context())
	var timer *time.Timer
	if d > 0 {
		timer = time.AfterFunc(d, func() { cancel(errProducerTimeout) })
		body.timer, body.d = timer, d
	}
	if rate, _ := req.Context().Value(rateKey{}).(MinRate); rate.On() {
		// The pace is checked as bytes move; silence is the timer's.
		rate.Grace += d
		body.rate, body.start, body.cancel = rate, time.Now(), cancel
		if inMemory {
			body.unread = max(req.ContentLength, 0) // written with the headers, not read through body
		}
	}
	out := req.WithContext(ctx)
	if realBody != nil && !inMemory {
		out.Body = body
	}
	attempts := 1
	if st.opts.Retry {
		attempts = 2
	}
	var resp *http.Response
	var err error
	for i := 0; i < attempts; i++ {
		resp, err = pool.RoundTrip(out)
		var de *DialError
		if err == nil || !errors.As(err, &de) || body.n.Load() != 0 || i+1 == attempts {
			break
		}
		if st.opts.RetryDelay > 0 {
			select {
			case <-time.After(st.opts.RetryDelay):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		if timer != nil {
			timer.Stop()
		}
		err = timeoutErr(ctx, err)
		cancel(nil)
		if realBody != nil {
			_ = realBody.Close()
		}
		return nil, err
	}
	resp.Body = &responseBody{rc: resp.Body, timer: timer, cancel: cancel, ctx: ctx, exchange: body}
	return resp, nil
}

// timeoutErr wraps err as a *TimeoutError when the call's own timers
// canceled it.
func timeoutErr(ctx context.Context, err error) error {
	switch context.Cause(ctx) {
	case errProducerTimeout:
		return &TimeoutError{Err: err}
	case errProducerTooSlow:
		return &TimeoutError{Err: err, TooSlow: true}
	}
	return err
}

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

// trackedBody counts what the transport read and never closes the
// consumer's body, so a retry after a failed connect can still send it.
// It also keeps the exchange's clocks: every read pushes the no-progress
// timer out, and the request and answer bytes together must keep rate.
type trackedBody struct {
	r     io.ReadCloser
	n     atomic.Int64 // request bytes read (sent)
	timer *time.Timer  // nil: no timeout
	d     time.Duration

	rate     MinRate // zero: no pace
	start    time.Time
	unread   int64        // request bytes sent without reading them here
	answered atomic.Int64 // answer bytes read
	cancel   context.CancelCauseFunc
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.n.Add(int64(n))
		b.moved()
	}
	return n, err
}

// moved pushes the no-progress timer out and ends the exchange when it
// has fallen behind its pace.
func (b *trackedBody) moved() {
	if b.timer != nil {
		b.timer.Reset(b.d)
	}
	if b.rate.On() && time.Now().After(b.rate.Deadline(b.start, b.unread+b.n.Load()+b.answered.Load())) {
		b.cancel(errProducerTooSlow)
	}
}

func (b *trackedBody) Close() error { return nil }

// responseBody counts the answer's bytes on the exchange's clocks
// (trackedBody.moved) and releases the call's context when closed.
type responseBody struct {
	rc       io.ReadCloser
	timer    *time.Timer
	cancel   context.CancelCauseFunc
	ctx      context.Context
	exchange *trackedBody
}

func (b *responseBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.exchange.answered.Add(int64(n))
		b.exchange.moved()
	}
	if err != nil && err != io.EOF {
		err = timeoutErr(b.ctx, err)
	}
	return n, err
}

func (b *responseBody) Close() error {
	if b.timer != nil {
		b.timer.Stop()
	}
	err := b.rc.Close()
	b.cancel(nil)
	return err
}
