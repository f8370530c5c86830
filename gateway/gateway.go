// Package gateway is the mutual-TLS SOAP routing gateway: it takes RIV-TA
// calls from service consumers, finds sender, contract and receiver the way
// the national service platform (VP) does, asks the catalogue (TAK) for
// route and permission, rewrites RIV-TA 2.0<->2.1 headers when the producer
// needs the other profile, and streams the call to the producer and the
// answer back, answering every failure with VP's own fault.
//
// New builds a gateway from a config; Start opens the listeners; Reload
// re-reads the catalogue and the certificates; Shutdown drains in-flight
// calls. The demo, the platform-service tests and the conformance tests
// start real gateways on 127.0.0.1:0 this way.
package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/wsdlserve"
	"github.com/rivgate/rivgate/gateway/callwatch"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/httpwire"
	"github.com/rivgate/rivgate/gateway/identity"
	"github.com/rivgate/rivgate/gateway/platform"
	"github.com/rivgate/rivgate/gateway/proxy"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/internal/buildinfo"
	"github.com/rivgate/rivgate/internal/ids"
)

// Deps are what the embedding program gives the gateway.
type Deps struct {
	// Logger receives one JSON line per exchange and lifecycle events.
	Logger zerolog.Logger
	// Registry receives the rivgate_* metrics; nil makes a private one.
	Registry *prometheus.Registry
	// Version is shown on /status; "" uses the build's version.
	Version string
}

// Gateway is a running (or ready to run) gateway.
type Gateway struct {
	cfg      *config.Config
	log      zerolog.Logger
	reg      *prometheus.Registry
	metrics  *metrics
	store    *tak.Store        // the catalogue (TAK) and its reloads
	platform *platform.Service // nil: platform services off
	version  string
	started  time.Time
	// sniffers keeps the envelope sniffers' working memory (about 5 KB
	// each): a fresh one per call was a third of the bytes the gateway
	// allocated per call.
	sniffers sync.Pool // of *envelope.Sniffer
	// serviceCalls keeps each service call's memory (serviceCall, about
	// 1.5 KB and its head buffer) for the next call.
	serviceCalls sync.Pool // of *serviceCall
	// uuids makes the correlation ids of calls that came without one.
	uuids   ids.UUIDs
	targets targetCache
	// rewrite is envelope.RewriteProfile. It is a field only so a test can
	// reach VP012: the real rewrite never fails for a head the sniffer read.
	rewrite func(head []byte, info *envelope.Info, to rivta.Profile) ([]byte, error)

	serverTLS *identity.Server // nil without the HTTPS listener
	allow     *identity.AllowList
	transport *proxy.Transport
	forwarder *proxy.Forwarder
	wsdl      *wsdlserve.Server
	timeouts  map[string]time.Duration // lower-cased contract -> timeout
	// Computed once rather than per call: the default User-Agent and the
	// canonical form of the certificate header name (Del would
	// canonicalise, and allocate, on every call).
	defaultUA     string
	certHeaderKey string
	pathDir       string         // listen.path_prefix with one trailing "/"; "" for "/"
	adminToken    string         // admin.token's value; "" = none
	minRate       proxy.MinRate  // limits.min_rate after limits.rate_grace
	consumers     *consumerLimit // limits.max_calls_per_consumer
	// calls keeps recent calls for /explain and the reload comparison;
	// changes compares each reloaded catalogue with the one it replaced.
	calls   *callwatch.Watch
	changes *changeWatcher

	mu        sync.Mutex
	servers   []*http.Server     // the admin listener's
	wires     []*httpwire.Server // the service listeners'
	listeners map[string]net.Listener
	cancel    context.CancelFunc
	bg        sync.WaitGroup
	inFlight  atomic.Int64
	lastLoad  atomic.Pointer[reloadRecord]
}

type reloadRecord struct {
	At     time.Time    `json:"at"`
	Result ReloadResult `json:"result"`
	TLS    string       `json:"tls,omitempty"`
}

// New validates cfg and builds the gateway; nothing listens until Start.
func New(cfg *config.Config, deps Deps) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Gateway{
		cfg: cfg, log: deps.Logger, reg: deps.Registry, version: deps.Version, rewrite: envelope.RewriteProfile,
		listeners: map[string]net.Listener{}, timeouts: map[string]time.Duration{},
	}
	g.sniffers.New = func() any { return new(envelope.Sniffer) }
	g.serviceCalls.New = newServiceCall
	g.calls = callwatch.New(callwatch.Options{})
	g.changes = &changeWatcher{calls: g.calls}
	if g.version == "" {
		g.version = buildinfo.Get().Version
	}
	g.defaultUA = "rivgate/" + g.version
	g.certHeaderKey = textproto.CanonicalMIMEHeaderKey(cfg.HTTP.CertHeader)
	if p := cfg.Listen.PathPrefix; p != "/" {
		g.pathDir = strings.TrimSuffix(p, "/") + "/"
	}
	g.minRate = proxy.MinRate{BytesPerSec: int64(cfg.Limits.MinRate), Grace: cfg.Limits.RateGrace.D()}
	g.consumers = newConsumerLimit(cfg.Limits.MaxCallsPerConsumer)
	if g.reg == nil {
		g.reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(g.reg)
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}
	g.metrics = m
	g.metrics.requestBytesMax.Set(float64(cfg.Limits.MaxBody))
	for k, v := range cfg.Producers.Timeouts {
		g.timeouts[strings.ToLower(k)] = v.D()
	}
	if cfg.Listen.HTTPS != "" {
		minV := uint16(tls.VersionTLS12)
		if cfg.TLS.MinVersion == "1.3" {
			minV = tls.VersionTLS13
		}
		g.serverTLS, err = identity.NewServer(identity.ServerFiles{
			Cert: cfg.TLS.Cert, Key: cfg.TLS.Key, ClientCA: cfg.TLS.ClientCA, CRL: cfg.TLS.CRL,
			RequireClientCert: cfg.TLS.ClientAuth == "require", MinVersion: minV,
		})
		if err != nil {
			return nil, fmt.Errorf("https listener: %w", err)
		}
		g.metrics.certNotAfter.Set(float64(g.serverTLS.Info().CertNotAfter.Unix()))
		g.logTLSWarnings()
	}
	if cfg.Admin.Token.IsSet() {
		if g.adminToken, err = cfg.Admin.Token.Read(); err != nil {
			return nil, fmt.Errorf("admin.token: %w", err)
		}
	}
	if g.allow, err = identity.NewAllowList(cfg.HTTP.AllowedCIDRs); err != nil {
		return nil, fmt.Errorf("http.allowed_cidrs: %w", err)
	}
	topts, err := transportOptions(cfg)
	if err != nil {
		return nil, err
	}
	g.transport = proxy.NewTransport(topts)
	g.forwarder = proxy.NewForwarder(g.transport, int64(cfg.Limits.MaxBody), log.New(zerologWriter{g.log}, "", 0))
	if cfg.Contracts.Dir != "" {
		if g.wsdl, err = wsdlserve.New(cfg.Contracts.Dir); err != nil {
			return nil, fmt.Errorf("contracts.dir: %w", err)
		}
	}
	if g.store, err = newStore(cfg, g.log); err != nil {
		return nil, err
	}
	g.platform = newPlatform(cfg, g.store, g.version)
	return g, nil
}

// transportOptions loads the producer client certificates and CA files,
// the producers section's and every TLS profile's.
func transportOptions(cfg *config.Config) (proxy.TransportOptions, error) {
	p := &cfg.Producers
	o := proxy.TransportOptions{
		ConnectTimeout: p.ConnectTimeout.D(), TLSHandshakeTimeout: p.TLSHandshakeTimeout.D(), IdleConnTimeout: p.IdleConnTimeout.D(),
		MaxIdleConnsPerHost: p.MaxIdleConnsPerHost, MaxConnsPerHost: p.MaxConnsPerHost,
		Retry: config.On(p.Retry), RetryDelay: p.RetryDelay.D(),
		MaxResponseHeaderBytes: int64(p.MaxHeaderBytes),
	}
	var err error
	if o.TLS, err = loadProducerTLS("producers.", p.ProducerTLS); err != nil {
		return o, err
	}
	for i := range p.TLSProfiles {
		prof := &p.TLSProfiles[i]
		s, err := loadProducerTLS(fmt.Sprintf("producers.tls_profiles[%d] (%s).", i, prof.Name), prof.Effective(p))
		if err != nil {
			return o, err
		}
		m := prof.Match
		o.Profiles = append(o.Profiles, proxy.TLSProfile{Name: prof.Name, TLS: s,
			Match: proxy.TLSMatch{Host: m.Host, DomainSuffix: m.DomainSuffix, Port: m.Port}})
	}
	return o, nil
}

// loadProducerTLS reads one set of producer TLS settings; field prefixes
// the keys named in errors.
func loadProducerTLS(field string, p config.ProducerTLS) (proxy.TLSSettings, error) {
	s := proxy.TLSSettings{VerifyHostname: config.On(p.VerifyHostname)}
	var err error
	if s.MinVersion, err = config.ParseTLSVersion(p.TLSMinVersion); err != nil {
		return s, fmt.Errorf("%stls_min_version: %w", field, err)
	}
	if s.MaxVersion, err = config.ParseTLSVersion(p.TLSMaxVersion); err != nil {
		return s, fmt.Errorf("%stls_max_version: %w", field, err)
	}
	if p.Cert != "" {
		c, err := tls.LoadX509KeyPair(p.Cert, p.Key)
		if err != nil {
			return s, fmt.Errorf("%scert %s / %skey %s: %w", field, p.Cert, field, p.Key, err)
		}
		s.ClientCert = &c
	}
	if p.CA != "" {
		if s.RootCAs, err = identity.LoadPool(p.CA); err != nil {
			return s, fmt.Errorf("%sca: %w", field, err)
		}
	}
	return s, nil
}

// Listener names for Addr.
const (
	HTTPS = "https"
	HTTP  = "http"
	Admin = "admin"
)

// Start loads the catalogue once, opens the configured listeners and
// serves until Shutdown or Close. A catalogue that fails to load does not
// stop Start: calls get VP008 and /readyz says 503 until a reload works.
func (g *Gateway) Start(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cancel != nil {
		return errors.New("gateway already started")
	}
	g.started = time.Now()
	g.recordReload(g.reloadCatalogue(ctx), "")
	bgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	g.cancel = cancel
	type lc struct {
		name, addr string
		serve      func(net.Listener) error
	}
	errLog := log.New(zerologWriter{g.log}, "", 0)
	service := func(name string, tlsCfg *tls.Config) func(net.Listener) error {
		srv := httpwire.NewServer(httpwire.Options{
			Handler:           g.serviceHandler(name),
			TLS:               tlsCfg,
			ReadHeaderTimeout: g.cfg.Listen.ReadHeaderTimeout.D(), // also bounds the TLS handshake
			IdleTimeout:       g.cfg.Listen.IdleTimeout.D(),
			MaxHeaderBytes:    int(g.cfg.Listen.MaxHeaderBytes),
			BaseContext:       bgCtx,
			ErrorLog:          errLog,
		})
		g.wires = append(g.wires, srv)
		return srv.Serve
	}
	var todo []lc
	if g.cfg.Listen.HTTPS != "" {
		todo = append(todo, lc{HTTPS, g.cfg.Listen.HTTPS, service(HTTPS, g.serverTLS.TLSConfig())})
	}
	if g.cfg.Listen.HTTP != "" {
		todo = append(todo, lc{HTTP, g.cfg.Listen.HTTP, service(HTTP, nil)})
	}
	if g.cfg.Listen.Admin != "" {
		srv := &http.Server{
			Handler:           g.adminHandler(),
			ReadHeaderTimeout: g.cfg.Listen.ReadHeaderTimeout.D(),
			IdleTimeout:       g.cfg.Listen.IdleTimeout.D(),
			MaxHeaderBytes:    int(g.cfg.Listen.MaxHeaderBytes),
			ErrorLog:          errLog,
			BaseContext:       func(net.Listener) context.Context { return bgCtx },
		}
		g.servers = append(g.servers, srv)
		todo = append(todo, lc{Admin, g.cfg.Listen.Admin, srv.Serve})
	}
	for _, l := range todo {
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			g.closeLocked()
			return fmt.Errorf("listen.%s %s: %w", l.name, l.addr, err)
		}
		g.listeners[l.name] = ln
		g.bg.Add(1)
		go func() {
			defer g.bg.Done()
			if err := l.serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				g.log.Error().Err(err).Str("listener", l.name).Msg("listener stopped")
			}
		}()
		g.log.Info().Str("listener", l.name).Str("addr", ln.Addr().String()).Msg("listening")
	}
	g.bg.Add(1)
	go func() {
		defer g.bg.Done()
		g.pollCatalogue(bgCtx)
	}()
	return nil
}

// Addr is the bound address of a listener (HTTPS, HTTP or Admin); "" when
// it is not open. With no name it is the HTTPS listener, else HTTP.
func (g *Gateway) Addr(name ...string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := HTTPS
	if len(name) > 0 {
		n = name[0]
	} else if g.listeners[HTTPS] == nil {
		n = HTTP
	}
	if ln := g.listeners[n]; ln != nil {
		return ln.Addr().String()
	}
	return ""
}

// Registry is where the gateway's metrics live.
func (g *Gateway) Registry() *prometheus.Registry { return g.reg }

// Shutdown stops accepting calls and waits for in-flight ones until ctx ends.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	servers, wires := g.servers, g.wires
	g.mu.Unlock()
	var errs []error
	for _, s := range wires {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	g.mu.Lock()
	g.closeLocked()
	g.mu.Unlock()
	g.bg.Wait()
	g.changes.close()
	return errors.Join(errs...)
}

// Close stops everything at once.
func (g *Gateway) Close() error {
	g.mu.Lock()
	g.closeLocked()
	g.mu.Unlock()
	g.bg.Wait()
	g.changes.close()
	return nil
}

func (g *Gateway) closeLocked() {
	for _, s := range g.servers {
		_ = s.Close()
	}
	for _, s := range g.wires {
		_ = s.Close()
	}
	g.servers, g.wires = nil, nil
	for _, ln := range g.listeners {
		_ = ln.Close()
	}
	if g.cancel != nil {
		g.cancel()
	}
	g.transport.CloseIdleConnections()
}

// ReloadReport is what Reload did.
type ReloadReport struct {
	Catalogue ReloadResult `json:"catalogue"`
	TLS       string       `json:"tls"`
	Producers string       `json:"producers"`
}

// Reload re-reads the catalogue, the listener certificates, client CAs and
// CRLs, and the producer client certificate. Each part keeps its old state
// when its new one fails; new certificates apply to new handshakes.
func (g *Gateway) Reload(ctx context.Context) ReloadReport {
	rep := ReloadReport{Catalogue: g.reloadCatalogue(ctx), TLS: "not configured", Producers: "ok"}
	if g.serverTLS != nil {
		if err := g.serverTLS.Reload(); err != nil {
			rep.TLS = "failed, old certificates kept: " + err.Error()
		} else {
			rep.TLS = "ok"
			g.metrics.certNotAfter.Set(float64(g.serverTLS.Info().CertNotAfter.Unix()))
			g.logTLSWarnings()
		}
	}
	if o, err := transportOptions(g.cfg); err != nil {
		rep.Producers = "failed, old producer certificates kept: " + err.Error()
	} else {
		g.transport.Replace(o)
	}
	g.recordReload(rep.Catalogue, rep.TLS)
	ev := g.log.Info()
	if !rep.Catalogue.OK {
		ev = g.log.Warn()
	}
	ev.Bool("catalogue_ok", rep.Catalogue.OK).Str("catalogue", rep.Catalogue.Message).Str("tls", rep.TLS).Str("producers", rep.Producers).Msg("reload")
	return rep
}

func (g *Gateway) recordReload(res ReloadResult, tlsMsg string) {
	if res.OK {
		g.metrics.reloads.WithLabelValues("ok").Inc()
		g.metrics.lastReloadOK.Set(1)
	} else {
		g.metrics.reloads.WithLabelValues("failed").Inc()
		g.metrics.lastReloadOK.Set(0)
	}
	g.lastLoad.Store(&reloadRecord{At: time.Now(), Result: res, TLS: tlsMsg})
}

// zerologWriter sends the standard library's server messages (TLS
// handshake errors and the like) to the gateway's logger.
type zerologWriter struct{ l zerolog.Logger }

func (w zerologWriter) Write(p []byte) (int, error) {
	// TLS handshake failures (unknown CA, revoked, no certificate in
	// require mode) land here: operators need them to diagnose consumers.
	w.l.Info().Str("source", "net/http").Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}

// CheckCatalogue loads the catalogue sources once, for `gateway --check`.
func (g *Gateway) CheckCatalogue(ctx context.Context) ReloadResult { return g.reloadCatalogue(ctx) }

// ProducerEndpoint is one producer host and port of the catalogue and the
// TLS settings calls to it use.
type ProducerEndpoint struct {
	Endpoint  string // scheme://host:port
	Profile   string // proxy.DefaultProfile, a producers.tls_profiles name, or "" for plain http
	Addresses int    // catalogue addresses at this endpoint
}

// ProducerTLS lists the producer endpoints of the loaded catalogue, sorted,
// with the TLS settings each gets (for `gateway --check`). Addresses that
// are not http(s) URLs are left out: `tak lint` names them.
func (g *Gateway) ProducerTLS() []ProducerEndpoint {
	cat := g.store.Catalogue()
	if cat == nil {
		return nil
	}
	byEndpoint := map[string]*ProducerEndpoint{}
	for _, r := range cat.Data().Routes {
		u, err := url.Parse(r.Address)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		key := u.Scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
		e := byEndpoint[key]
		if e == nil {
			e = &ProducerEndpoint{Endpoint: key, Profile: g.transport.ProfileFor(u)}
			byEndpoint[key] = e
		}
		e.Addresses++
	}
	out := make([]ProducerEndpoint, 0, len(byEndpoint))
	for _, e := range byEndpoint {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b ProducerEndpoint) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	return out
}

// CheckAddresses lists the routes of the loaded catalogue whose producer
// address the gateway will not call (VP009: not http(s) with a host, or
// with credentials), each naming where it was read; for `gateway --check`.
func (g *Gateway) CheckAddresses() []error {
	cat := g.store.Catalogue()
	if cat == nil {
		return nil
	}
	return cat.Data().CheckAddresses()
}

// Warnings are what is loaded but needs an operator (an expired CRL), as
// /status shows them; for `gateway --check`.
func (g *Gateway) Warnings() []string {
	if g.serverTLS == nil {
		return nil
	}
	return g.serverTLS.Info().Warnings
}

// logTLSWarnings logs each warning about the listener's TLS material.
func (g *Gateway) logTLSWarnings() {
	for _, w := range g.Warnings() {
		g.log.Warn().Str("tls", w).Msg("TLS material needs attention")
	}
}
