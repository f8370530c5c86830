// Package config is the gateway's static configuration: the gateway.yaml
// file an operator writes. It decodes strictly (an unknown key is an error
// naming the key and its line), fills a default for every key, and checks
// values, reporting every problem with file, line and field at once.
//
// Static means: a change needs a restart. The routing catalogue (TAK) and the
// certificate files are dynamic and reload on SIGHUP or /resetcache.
package config

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/internal/yamlstrict"

	"github.com/rivgate/rivgate/internal/hostport"
	"github.com/rivgate/rivgate/internal/redact"
)

// Config is gateway.yaml. Each field's comment gives its default.
type Config struct {
	Instance         Instance         `yaml:"instance"`
	Listen           Listen           `yaml:"listen"`
	Admin            Admin            `yaml:"admin"`
	TLS              TLS              `yaml:"tls"`
	HTTP             HTTP             `yaml:"http"`
	TAK              TAK              `yaml:"tak"`
	Producers        Producers        `yaml:"producers"`
	OriginalConsumer OriginalConsumer `yaml:"original_consumer"`
	RoutingHistory   RoutingHistory   `yaml:"routing_history"`
	Contracts        Contracts        `yaml:"contracts"`
	Limits           Limits           `yaml:"limits"`
	Logging          Logging          `yaml:"logging"`
	Platform         Platform         `yaml:"platform"`
	Shutdown         Shutdown         `yaml:"shutdown"`

	// File is the path the config was loaded from ("" when built in code).
	// Relative file paths in the config are resolved against its directory.
	File string `yaml:"-"`
}

// Instance names this gateway.
type Instance struct {
	// Name appears in every VP faultstring: "VP004 [Name] ...". Default "rivgate".
	Name string `yaml:"name"`
	// ID identifies this instance in x-rivta-routing-history (loop detection,
	// VP014) and in x-vp-instance-id towards plain-HTTP producers. Default "rivgate".
	ID string `yaml:"id"`
}

// Listen gives the listener addresses; an empty address turns a listener off.
type Listen struct {
	// HTTPS is the mutual-TLS service listener. Default "127.0.0.1:20000".
	HTTPS string `yaml:"https"`
	// HTTP is the plain listener for use behind a TLS-terminating proxy. Default "" (off).
	HTTP string `yaml:"http"`
	// Admin serves /healthz, /readyz, /status, /metrics, /resetcache (see the
	// admin section). Default "127.0.0.1:20001".
	Admin string `yaml:"admin"`
	// PathPrefix: service calls are accepted under this path only, as VP
	// accepts /vp/*; others get 404. "/" accepts every path. Default "/vp".
	PathPrefix string `yaml:"path_prefix"`
	// ReadHeaderTimeout bounds the TLS handshake and reading a request's
	// line and headers, so slow-header (slowloris) clients are cut off. Default 10s.
	ReadHeaderTimeout yamlstrict.Duration `yaml:"read_header_timeout"`
	// BodyTimeout is the longest wait for more bytes of a request body (no
	// progress); a stalled body gets VP015 and the producer gets no complete
	// call. Default 20s.
	BodyTimeout yamlstrict.Duration `yaml:"body_timeout"`
	// WriteTimeout is the longest a write of the answer to the consumer may
	// wait without progress (a consumer that stops reading); the connection
	// is then closed. Default 20s.
	WriteTimeout yamlstrict.Duration `yaml:"write_timeout"`
	// LingerTime and LingerBytes bound how long and how much of a request
	// body the gateway still reads and discards after it refused the call
	// before reading it all (size or head limits), so a client that writes
	// its whole request before reading gets the fault instead of a reset
	// (nginx's lingering close). Default 10s and 128MiB.
	LingerTime  yamlstrict.Duration `yaml:"linger_time"`
	LingerBytes ByteSize            `yaml:"linger_bytes"`
	// IdleTimeout closes keep-alive connections with no request this long. Default 120s.
	IdleTimeout yamlstrict.Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes bounds a request's line and headers; larger gets HTTP 431. Default 1MiB.
	MaxHeaderBytes ByteSize `yaml:"max_header_bytes"`
}

// Admin guards the admin listener (listen.admin).
type Admin struct {
	// AllowedHosts are host names (port ignored, case-insensitive) accepted
	// in a request's Host header besides IP addresses and "localhost", which
	// are always accepted; any other name is refused with 421, so a web page
	// cannot reach the port through DNS rebinding. Default none.
	AllowedHosts []string `yaml:"allowed_hosts"`
	// Token, when set, is a bearer token every admin request but /healthz
	// and /readyz must send ("Authorization: Bearer <token>"); read from a
	// file or an environment variable at start. Default none.
	Token Secret `yaml:"token"`
	// GetResetCache also reloads on GET /resetcache, as VP does (its
	// tak-monitor calls it so). Default false: reloads need POST.
	GetResetCache bool `yaml:"get_resetcache"`
}

// Secret names where a secret is read from: a file (trailing newlines
// dropped) or an environment variable; never the config file itself, so
// the config can be shown and shared. At most one of the two is set.
type Secret struct {
	// File holds the secret; relative to the config file.
	File string `yaml:"file"`
	// Env is the name of the environment variable holding the secret.
	Env string `yaml:"env"`
}

// IsSet reports whether a source is named.
func (s Secret) IsSet() bool { return s.File != "" || s.Env != "" }

// Read returns the secret. Errors name the source, never the value.
func (s Secret) Read() (string, error) {
	var v string
	switch {
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("read secret: %w", err)
		}
		v = strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", s.File)
		}
	case s.Env != "":
		v = os.Getenv(s.Env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty or not set", s.Env)
		}
	}
	return v, nil
}

// TLS configures the HTTPS listener.
type TLS struct {
	// Cert and Key are the server certificate (PEM, chain allowed) and key. Required when listen.https is set.
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ClientCA is the PEM bundle client certificates must chain to. Required when listen.https is set.
	ClientCA string `yaml:"client_ca"`
	// CRL lists PEM or DER revocation lists; a revoked client certificate fails the handshake. Default none.
	CRL []string `yaml:"crl"`
	// ClientAuth: "verify_if_given" (default) verifies any certificate sent
	// and answers a call without one with VP002; "require" rejects it in the
	// TLS handshake, as VP does.
	ClientAuth string `yaml:"client_auth"`
	// MinVersion is "1.2" (default) or "1.3".
	MinVersion string `yaml:"min_version"`
}

// HTTP configures the plain listener (behind a TLS-terminating proxy).
type HTTP struct {
	// AllowedCIDRs are the peers allowed to call; others get VP011. An empty
	// list denies every peer (VP's rule). Default ["127.0.0.1/32", "::1/128"].
	AllowedCIDRs []string `yaml:"allowed_cidrs"`
	// CertHeader carries the client certificate (PEM, or bare base64 DER). Default "x-vp-auth-cert";
	// Traefik sends "X-Forwarded-Tls-Client-Cert".
	CertHeader string `yaml:"cert_header"`
	// VerifyCert verifies a header certificate against tls.client_ca when that is set. Default true.
	VerifyCert *bool `yaml:"verify_cert"`
	// InternalSecret, when set, lets a caller assert the sender with
	// x-vp-sender-id if it sends x-vp-instance-id equal to this secret
	// (at least 16 characters, compared in constant time). Default "" (off).
	InternalSecret string `yaml:"internal_secret"`
}

// TAK configures the routing and authorisation catalogue sources.
type TAK struct {
	// Files are TAK files (rivgate YAML, VP local-cache XML or TAK JSON export). Default none.
	Files []string `yaml:"files"`
	// HSAFiles are HSA tree files; the first is master. Default none.
	HSAFiles []string `yaml:"hsa_files"`
	// URL is a live TAK SokVagvalsInfo v2 endpoint, without credentials
	// (they would be shown wherever the URL is). Default "" (none).
	URL string `yaml:"url"`
	// Username and Password are sent to URL as HTTP Basic authentication;
	// the password is read from a file or an environment variable. Default none.
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	// CacheFile is written after each successful URL load and read when TAK is unreachable. Default "".
	CacheFile string `yaml:"cache_file"`
	// Poll is how often sources are re-read; 0 turns polling off. Default 5m.
	Poll yamlstrict.Duration `yaml:"poll"`
	// Timeout bounds one fetch from URL (both calls); Start waits at most
	// this long for TAK before it falls back to the cache file. Default 60s.
	Timeout yamlstrict.Duration `yaml:"timeout"`
	// MaxAnswer bounds one answer from URL; a larger one fails the fetch. Default 256MiB.
	MaxAnswer ByteSize `yaml:"max_answer"`
	// FastDecode reads URL's answers with the scanner that reads VP's cache
	// file instead of the generated SOAP types (same entries, about six
	// times faster on a national-size catalogue; an answer the scanner does
	// not take is still decoded with the generated types). Default false.
	FastDecode bool `yaml:"fast_decode"`
	// Timezone for TAK dates without a zone. Default "Europe/Stockholm".
	Timezone string `yaml:"timezone"`
	// HSALookup toggles the HSA tree walk.
	HSALookup HSALookup `yaml:"hsa_lookup"`
	// DefaultRouting is VP's "VG#VE" receiver form.
	DefaultRouting DefaultRouting `yaml:"default_routing"`
}

// HSALookup toggles the HSA tree walk for routing and authorisation.
type HSALookup struct {
	// Routing enables the tree walk for routing. Default true.
	Routing *bool `yaml:"routing"`
	// Authorization enables the tree walk for authorisation. Default true.
	Authorization *bool `yaml:"authorization"`
	// RoutingExcepted: namespace prefixes for which the routing default is inverted. Default none.
	RoutingExcepted []string `yaml:"routing_excepted"`
	// AuthorizationExcepted: the same for authorisation. Default none.
	AuthorizationExcepted []string `yaml:"authorization_excepted"`
}

// DefaultRouting configures "VG#VE" receivers.
type DefaultRouting struct {
	// Enabled turns the VG#VE form on. Default true (as VP; VP's own switch does not work).
	Enabled *bool `yaml:"enabled"`
	// Delimiter between the tokens. Default "#".
	Delimiter string `yaml:"delimiter"`
	// AllowedContracts may use it; empty = all. Default none.
	AllowedContracts []string `yaml:"allowed_contracts"`
	// AllowedSenders may use it; empty = all. Default none.
	AllowedSenders []string `yaml:"allowed_senders"`
}

// Producers configures calls to service producers.
type Producers struct {
	// ProducerTLS is how https producers are called. Defaults: no client
	// certificate, the system roots, verify_hostname true (VP's default is
	// false), TLS 1.2 to 1.3.
	ProducerTLS `yaml:",inline"`
	// TLSProfiles give the https producers they match other TLS settings; the first
	// profile that matches wins, the keys above serve the rest. Default none.
	TLSProfiles []ProducerTLSProfile `yaml:"tls_profiles"`
	// ConnectTimeout bounds TCP connect. Default 2s (VP's).
	ConnectTimeout yamlstrict.Duration `yaml:"connect_timeout"`
	// TLSHandshakeTimeout bounds the TLS handshake with a producer. Default 10s.
	TLSHandshakeTimeout yamlstrict.Duration `yaml:"tls_handshake_timeout"`
	// Timeout is the longest wait for the producer without progress (response
	// headers or body bytes). Default 29s (VP's).
	Timeout yamlstrict.Duration `yaml:"timeout"`
	// Timeouts per contract namespace, keyed case-insensitively. Default none.
	Timeouts map[string]yamlstrict.Duration `yaml:"timeouts"`
	// MaxIdleConnsPerHost is the keep-alive pool per producer. Default 256 (Go's default of 2 halves throughput).
	MaxIdleConnsPerHost int `yaml:"max_idle_conns_per_host"`
	// MaxConnsPerHost caps connections per producer (a bulkhead); 0 = unlimited. Default 0.
	MaxConnsPerHost int `yaml:"max_conns_per_host"`
	// IdleConnTimeout closes unused keep-alive connections. Default 90s.
	IdleConnTimeout yamlstrict.Duration `yaml:"idle_conn_timeout"`
	// MaxHeaderBytes bounds a producer answer's status line and headers;
	// larger is VP009. Default 1MiB (as listen.max_header_bytes).
	MaxHeaderBytes ByteSize `yaml:"max_header_bytes"`
	// PassResponseHeaders names producer response headers the gateway
	// otherwise drops (Set-Cookie, Access-Control-*, X-Vp-*) that it
	// passes to consumers anyway; hop-by-hop headers are never passed.
	// Default none.
	PassResponseHeaders []string `yaml:"pass_response_headers"`
	// Retry once when the connection failed before any request byte was sent. Default true.
	Retry *bool `yaml:"retry"`
	// RetryDelay before that retry. Default 0s.
	RetryDelay yamlstrict.Duration `yaml:"retry_delay"`
	// UserAgent sent to producers. Default "rivgate/<version>".
	UserAgent string `yaml:"user_agent"`
	// CorrelationIDToHTTPS sends x-skltp-correlation-id to https producers too. Default true.
	CorrelationIDToHTTPS *bool `yaml:"correlation_id_to_https"`
}

// ProducerTLS is how the gateway talks TLS to https producers: the
// producers section's keys, and a TLS profile's.
type ProducerTLS struct {
	// Cert and Key are the gateway's client certificate, presented when a producer asks.
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// CA is the PEM bundle producer certificates must chain to; "" = the system roots.
	CA string `yaml:"ca"`
	// VerifyHostname checks the producer certificate's name against the URL host.
	VerifyHostname *bool `yaml:"verify_hostname"`
	// TLSMinVersion and TLSMaxVersion bound the TLS versions offered: "1.2" or "1.3".
	TLSMinVersion string `yaml:"tls_min_version"`
	TLSMaxVersion string `yaml:"tls_max_version"`
}

// ProducerTLSProfile is the TLS settings for some https producers. A key
// left out takes the producers section's value (cert and key as a pair).
type ProducerTLSProfile struct {
	// Name appears in the exchange log and in `gateway --check`. Required, unique, not "default".
	Name string `yaml:"name"`
	// Match picks the producers by their TAK address; every key given must hold.
	Match       ProducerMatch `yaml:"match"`
	ProducerTLS `yaml:",inline"`
}

// Effective is the profile's TLS settings with the keys it leaves out
// taken from the producers section: what the gateway uses.
func (p *ProducerTLSProfile) Effective(from *Producers) ProducerTLS {
	t := p.ProducerTLS
	if t.Cert == "" && t.Key == "" {
		t.Cert, t.Key = from.Cert, from.Key
	}
	if t.CA == "" {
		t.CA = from.CA
	}
	if t.VerifyHostname == nil {
		t.VerifyHostname = from.VerifyHostname
	}
	if t.TLSMinVersion == "" {
		t.TLSMinVersion = from.TLSMinVersion
	}
	if t.TLSMaxVersion == "" {
		t.TLSMaxVersion = from.TLSMaxVersion
	}
	return t
}

// ProducerMatch picks producers by the host and port of their address.
type ProducerMatch struct {
	// Host is the address's host name or IP address (case-insensitive).
	Host string `yaml:"host"`
	// DomainSuffix matches that domain and every name under it ("example.se"
	// matches example.se and a.example.se, not badexample.se).
	DomainSuffix string `yaml:"domain_suffix"`
	// Port is the address's port (443 when it names none); 0 = any.
	Port int `yaml:"port"`
}

// OriginalConsumer governs x-rivta-original-serviceconsumer-hsaid.
type OriginalConsumer struct {
	// Allowed senders may set the header; empty = all. Default none.
	Allowed []string `yaml:"allowed"`
	// Enforce answers VP013 for others; false only logs a warning (VP's default). Default false.
	Enforce bool `yaml:"enforce"`
}

// RoutingHistory governs x-rivta-routing-history.
type RoutingHistory struct {
	// Enabled appends this instance to the header and answers VP014 on a loop. Default true.
	Enabled *bool `yaml:"enabled"`
}

// Contracts points at the service contract directory.
type Contracts struct {
	// Dir holds WSDL/XSD files served at ?wsdl and ?xsd=. Default "" (no WSDL serving).
	Dir string `yaml:"dir"`
	// PublicURL is scheme://host[:port] consumers reach the gateway at; the
	// WSDL's soap:address and its schema locations are built on it. Default
	// "": the address the request arrived at (never its Host header).
	PublicURL string `yaml:"public_url"`
}

// Limits bounds what one call may cost.
type Limits struct {
	// MaxBody is the largest request body and the largest producer response. Default 50MiB.
	MaxBody ByteSize `yaml:"max_body"`
	// MaxHead is the most the sniffer reads before the first Body child. Default 1MiB.
	MaxHead ByteSize `yaml:"max_head"`
	// MinRate is the slowest average transfer, in bytes per second, of a
	// request body, an answer to the consumer and the whole exchange with
	// the producer, after a grace of RateGrace: a transfer that falls
	// behind (a drip) is cut, one that keeps the pace is never cut, however
	// large. Default 4KiB (per second): a 50 MiB answer may take 3.5 hours.
	MinRate ByteSize `yaml:"min_rate"`
	// RateGrace is the time a transfer has before MinRate applies; for the
	// producer it comes on top of the contract's timeout, for the
	// producer's answer to begin. Default 10s.
	RateGrace yamlstrict.Duration `yaml:"rate_grace"`
	// MaxCallsPerConsumer caps the calls one sender (HSA-id) has in flight;
	// more get HTTP 503 with the RG001 fault. -1 = no cap. Default 200.
	MaxCallsPerConsumer int `yaml:"max_calls_per_consumer"`
}

// Logging configures the exchange log (JSON lines on stderr).
type Logging struct {
	// Level: debug, info, warn, error. Default info.
	Level string `yaml:"level"`
	// Payloads logs the request head (up to the first Body child). Default false.
	Payloads bool `yaml:"payloads"`
	// FlushInterval is the longest a line waits in memory before it is
	// written: lines are written in batches (32 KiB, or this long after a
	// batch's first line; warnings and errors at once), and lines still
	// waiting are lost if the process is killed. 0 writes every line at
	// once. Default 100ms.
	FlushInterval yamlstrict.Duration `yaml:"flush_interval"`
}

// Platform configures the platform services the gateway answers itself.
type Platform struct {
	// Enabled answers PingForConfiguration, GetLogicalAddresseesByServiceContract and
	// GetSupportedServiceContracts addressed to LogicalAddress. Default true.
	Enabled *bool `yaml:"enabled"`
	// LogicalAddress of the platform. Default: instance.id.
	LogicalAddress string `yaml:"logical_address"`
}

// Shutdown configures SIGTERM handling.
type Shutdown struct {
	// Drain is the longest wait for in-flight calls. Default 30s.
	Drain yamlstrict.Duration `yaml:"drain"`
}

// Default returns a configuration with every default filled in, the
// listener addresses included; callers building a config in code (demo,
// tests) change what they need, typically to 127.0.0.1:0.
func Default() *Config {
	c := &Config{}
	c.setPresenceDefaults(nil)
	c.SetDefaults()
	return c
}

func boolp(b bool) *bool { return &b }

// On reports a tri-state bool (nil = default already filled by SetDefaults).
func On(b *bool) bool { return b != nil && *b }

// SetDefaults fills every zero-valued key with its default.
func (c *Config) SetDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defb := func(b **bool, v bool) {
		if *b == nil {
			*b = boolp(v)
		}
	}
	defd := func(d *yamlstrict.Duration, v time.Duration) {
		if *d == 0 {
			*d = yamlstrict.Duration(v)
		}
	}
	def(&c.Instance.Name, "rivgate")
	def(&c.Instance.ID, "rivgate")
	def(&c.Listen.PathPrefix, "/vp")
	defd(&c.Listen.ReadHeaderTimeout, 10*time.Second)
	defd(&c.Listen.BodyTimeout, 20*time.Second)
	defd(&c.Listen.WriteTimeout, 20*time.Second)
	defd(&c.Listen.LingerTime, 10*time.Second)
	if c.Listen.LingerBytes == 0 {
		c.Listen.LingerBytes = 128 << 20
	}
	defd(&c.Listen.IdleTimeout, 120*time.Second)
	if c.Listen.MaxHeaderBytes == 0 {
		c.Listen.MaxHeaderBytes = 1 << 20
	}
	def(&c.TLS.ClientAuth, "verify_if_given")
	def(&c.TLS.MinVersion, "1.2")
	if c.HTTP.AllowedCIDRs == nil {
		c.HTTP.AllowedCIDRs = []string{"127.0.0.1/32", "::1/128"}
	}
	def(&c.HTTP.CertHeader, rivta.HeaderVPAuthCert)
	defb(&c.HTTP.VerifyCert, true)
	def(&c.TAK.Timezone, "Europe/Stockholm")
	defd(&c.TAK.Timeout, 60*time.Second)
	if c.TAK.MaxAnswer == 0 {
		c.TAK.MaxAnswer = 256 << 20
	}
	defb(&c.TAK.HSALookup.Routing, true)
	defb(&c.TAK.HSALookup.Authorization, true)
	defb(&c.TAK.DefaultRouting.Enabled, true)
	def(&c.TAK.DefaultRouting.Delimiter, "#")
	defb(&c.Producers.VerifyHostname, true)
	def(&c.Producers.TLSMinVersion, "1.2")
	def(&c.Producers.TLSMaxVersion, "1.3")
	defd(&c.Producers.ConnectTimeout, 2*time.Second)
	defd(&c.Producers.TLSHandshakeTimeout, 10*time.Second)
	defd(&c.Producers.Timeout, 29*time.Second)
	if c.Producers.MaxIdleConnsPerHost == 0 {
		c.Producers.MaxIdleConnsPerHost = 256
	}
	defd(&c.Producers.IdleConnTimeout, 90*time.Second)
	if c.Producers.MaxHeaderBytes == 0 {
		c.Producers.MaxHeaderBytes = 1 << 20
	}
	defb(&c.Producers.Retry, true)
	defb(&c.Producers.CorrelationIDToHTTPS, true)
	defb(&c.RoutingHistory.Enabled, true)
	if c.Limits.MaxBody == 0 {
		c.Limits.MaxBody = 50 << 20
	}
	if c.Limits.MaxHead == 0 {
		c.Limits.MaxHead = 1 << 20
	}
	if c.Limits.MinRate == 0 {
		c.Limits.MinRate = 4 << 10
	}
	defd(&c.Limits.RateGrace, 10*time.Second)
	if c.Limits.MaxCallsPerConsumer == 0 {
		c.Limits.MaxCallsPerConsumer = 200
	}
	def(&c.Logging.Level, "info")
	defb(&c.Platform.Enabled, true)
	def(&c.Platform.LogicalAddress, c.Instance.ID)
	defd(&c.Shutdown.Drain, 30*time.Second)
}

// setPresenceDefaults applies the defaults of keys whose zero value
// means something of its own, only when the key is absent: "https: ”"
// turns the listener off, "flush_interval: 0s" the log's batching.
func (c *Config) setPresenceDefaults(present map[string]bool) {
	if !present["listen.https"] {
		c.Listen.HTTPS = "127.0.0.1:20000"
	}
	if !present["listen.admin"] {
		c.Listen.Admin = "127.0.0.1:20001"
	}
	if !present["logging.flush_interval"] {
		c.Logging.FlushInterval = yamlstrict.Duration(DefaultLogFlushInterval)
	}
}

// DefaultLogFlushInterval is logging.flush_interval's default.
const DefaultLogFlushInterval = 100 * time.Millisecond

// FieldError is one problem in the config file.
type FieldError struct {
	File   string
	Line   int    // 0 when neither the key nor its section is in the file
	Column int    // 0 for a key left out: Line is then its section's
	Field  string // dotted key path, e.g. "http.allowed_cidrs[1]"
	Msg    string
}

func (e *FieldError) Error() string {
	loc := e.File
	if loc == "" {
		loc = "config"
	}
	if e.Line > 0 {
		loc += fmt.Sprintf(":%d", e.Line)
		if e.Column > 0 {
			loc += fmt.Sprintf(":%d", e.Column)
		}
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, yamlstrict.OneLine(e.Field), yamlstrict.OneLine(e.Msg))
	}
	return fmt.Sprintf("%s: %s", loc, yamlstrict.OneLine(e.Msg))
}

// Load reads, decodes strictly, fills defaults and validates the file.
// Every problem found is returned, joined.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for bytes already read; name is used in messages and to
// resolve relative paths.
func Parse(name string, data []byte) (c *Config, err error) {
	// The checks below walk the syntax tree of a hostile file too; a
	// panic there is bad input, not a crash (yamlstrict guards go-yaml).
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, &FieldError{File: name, Msg: fmt.Sprintf("the YAML tree of this input could not be read: %v", r)}
		}
	}()
	c = &Config{File: name}
	// Every problem comes in one run: the unknown keys and bad values the
	// decoder finds, then what validate finds in the rest of the file.
	file, probs := yamlstrict.DecodeProblems(data, c)
	errs := make([]error, 0, len(probs))
	for _, p := range probs {
		errs = append(errs, decodeError(name, file, p))
	}
	if !yamlstrict.Complete(probs) {
		if len(errs) == 1 {
			return nil, errs[0]
		}
		return nil, errors.Join(errs...)
	}
	present := map[string]bool{}
	for _, k := range []string{"listen.https", "listen.admin", "logging.flush_interval"} {
		if n := yamlstrict.Find(file, "$."+k); n != nil {
			present[k] = true
		}
	}
	c.setPresenceDefaults(present)
	c.SetDefaults()
	c.resolvePaths()
	// A value the decoder refused is left zero: a check of it would
	// report the same place again.
	refused := map[[2]int]bool{}
	for _, p := range probs {
		refused[[2]int{p.Line, p.Column}] = true
	}
	for _, e := range c.problems(file) {
		var fe *FieldError
		if errors.As(e, &fe) && fe.Line > 0 && refused[[2]int{fe.Line, fe.Column}] {
			continue
		}
		errs = append(errs, e)
	}
	sortByPlace(errs)
	if len(errs) == 1 {
		return nil, errs[0]
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// sortByPlace puts problems in document order, those without a line last.
func sortByPlace(errs []error) {
	line := func(e error) (int, int) {
		var fe *FieldError
		if errors.As(e, &fe) && fe.Line > 0 {
			return fe.Line, fe.Column
		}
		return math.MaxInt, 0
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		la, ca := line(a)
		lb, cb := line(b)
		return cmp.Or(cmp.Compare(la, lb), cmp.Compare(ca, cb))
	})
}

// decodeError makes a decoding problem a *FieldError naming the key's
// dotted path ("tls.clientca") and, for an unknown key, the known key it
// is a near miss of.
func decodeError(name string, file *ast.File, p yamlstrict.Problem) *FieldError {
	fe := &FieldError{File: name, Line: p.Line, Column: p.Column, Msg: p.Msg}
	if p.Unknown {
		fe.Msg = fmt.Sprintf("unknown key %q", p.Field)
		if p.Suggest != "" {
			fe.Msg += fmt.Sprintf(" (did you mean %s?)", p.Suggest)
		}
	}
	if file != nil && fe.Line > 0 {
		fe.Field = keyAt(file, fe.Line, fe.Column)
	}
	return fe
}

// keyAt names the key whose value sits at line:col ("producers.timeout"),
// so a bad value is reported with its field as well as its position.
func keyAt(file *ast.File, line, col int) string {
	var walk func(n ast.Node, path string) string
	at := func(n ast.Node) bool {
		tk := n.GetToken()
		return tk != nil && tk.Position != nil && tk.Position.Line == line && tk.Position.Column == col
	}
	walk = func(n ast.Node, path string) string {
		switch v := n.(type) {
		case *ast.DocumentNode:
			if v.Body != nil {
				return walk(v.Body, path)
			}
		case *ast.MappingNode:
			for _, mv := range v.Values {
				if r := walk(mv, path); r != "" {
					return r
				}
			}
		case *ast.MappingValueNode:
			p := strings.TrimPrefix(path+"."+v.Key.GetToken().Value, ".")
			if at(v.Value) || at(v.Key) {
				return p
			}
			return walk(v.Value, p)
		case *ast.SequenceNode:
			for i, e := range v.Values {
				p := fmt.Sprintf("%s[%d]", path, i)
				if at(e) {
					return p
				}
				if r := walk(e, p); r != "" {
					return r
				}
			}
		}
		return ""
	}
	for _, d := range file.Docs {
		if r := walk(d, ""); r != "" {
			return r
		}
	}
	return ""
}

// resolvePaths makes relative file paths relative to the config file.
func (c *Config) resolvePaths() {
	if c.File == "" {
		return
	}
	dir := filepath.Dir(c.File)
	res := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for _, p := range []*string{&c.TLS.Cert, &c.TLS.Key, &c.TLS.ClientCA, &c.TAK.CacheFile,
		&c.Producers.Cert, &c.Producers.Key, &c.Producers.CA, &c.Contracts.Dir, &c.TAK.Password.File, &c.Admin.Token.File} {
		res(p)
	}
	for i := range c.Producers.TLSProfiles {
		p := &c.Producers.TLSProfiles[i]
		for _, f := range []*string{&p.Cert, &p.Key, &p.CA} {
			res(f)
		}
	}
	for _, l := range [][]string{c.TLS.CRL, c.TAK.Files, c.TAK.HSAFiles} {
		for i := range l {
			res(&l[i])
		}
	}
}

// MinInternalSecret is the shortest accepted http.internal_secret.
const MinInternalSecret = 16

// Validate checks a config built in code (no file positions).
func (c *Config) Validate() error { return errors.Join(c.problems(nil)...) }

// problems checks the values; each problem is placed at its key's value,
// or, for a key left out, at the line of the section that should hold it.
func (c *Config) problems(file *ast.File) []error {
	var errs []error
	addAt := func(field, shown string, msg string) {
		fe := &FieldError{File: c.File, Field: shown, Msg: msg}
		line, col, found := yamlstrict.Place(file, "$."+field)
		fe.Line = line
		if found {
			fe.Column = col
		}
		errs = append(errs, fe)
	}
	add := func(field, format string, args ...any) {
		addAt(field, field, fmt.Sprintf(format, args...))
	}
	// required reports a required key that is empty: at its value when
	// it is in the file, else as missing from its section. when follows
	// "required" ("when listen.https is set", "(it names ...)").
	required := func(field, when string) {
		if yamlstrict.Find(file, "$."+field) != nil {
			add(field, "required %s", when)
			return
		}
		i := strings.LastIndexByte(field, '.')
		addAt(field, field[:i], fmt.Sprintf("missing required key %q %s", field[i+1:], when))
	}
	checkAddr := func(field, v string) {
		if v == "" {
			return
		}
		if err := hostport.CheckListen(v); err != nil {
			add(field, "%v", err)
		}
	}
	checkAddr("listen.https", c.Listen.HTTPS)
	checkAddr("listen.http", c.Listen.HTTP)
	checkAddr("listen.admin", c.Listen.Admin)
	if c.Listen.HTTPS == "" && c.Listen.HTTP == "" {
		add("listen", "no service listener: set listen.https and/or listen.http")
	}
	if !strings.HasPrefix(c.Listen.PathPrefix, "/") {
		add("listen.path_prefix", "%q must start with /", c.Listen.PathPrefix)
	}
	if c.Listen.HTTPS != "" {
		for _, f := range []struct{ field, v string }{{"tls.cert", c.TLS.Cert}, {"tls.key", c.TLS.Key}, {"tls.client_ca", c.TLS.ClientCA}} {
			if f.v == "" {
				required(f.field, "when listen.https is set")
			}
		}
	}
	for i, f := range c.TLS.CRL {
		if f == "" {
			add(fmt.Sprintf("tls.crl[%d]", i), "empty file name")
		}
	}
	switch c.TLS.ClientAuth {
	case "verify_if_given", "require":
	default:
		add("tls.client_auth", "%q: want verify_if_given or require", c.TLS.ClientAuth)
	}
	switch c.TLS.MinVersion {
	case "1.2", "1.3":
	default:
		add("tls.min_version", "%q: want 1.2 or 1.3", c.TLS.MinVersion)
	}
	for i, s := range c.HTTP.AllowedCIDRs {
		if _, err := ParsePrefix(s); err != nil {
			add(fmt.Sprintf("http.allowed_cidrs[%d]", i), "%v", err)
		}
	}
	if c.HTTP.InternalSecret != "" {
		if len(c.HTTP.InternalSecret) < MinInternalSecret {
			add("http.internal_secret", "too short: at least %d characters (it must not be guessable)", MinInternalSecret)
		}
		if c.HTTP.InternalSecret == c.Instance.ID || c.HTTP.InternalSecret == c.Instance.Name {
			add("http.internal_secret", "must differ from instance.id and instance.name (those are sent to producers)")
		}
	}
	if strings.TrimSpace(c.HTTP.CertHeader) == "" {
		add("http.cert_header", "empty header name")
	}
	if c.TAK.Timezone != "" {
		if _, err := time.LoadLocation(c.TAK.Timezone); err != nil {
			add("tak.timezone", "%q: %v", c.TAK.Timezone, err)
		}
	}
	if c.TAK.URL != "" {
		if err := checkHTTPURL(c.TAK.URL); err != nil {
			add("tak.url", "%v", err)
		}
	}
	checkSecret(add, "tak.password", c.TAK.Password)
	if c.TAK.Password.IsSet() != (c.TAK.Username != "") {
		add("tak.username", "tak.username and tak.password go together")
	}
	checkSecret(add, "admin.token", c.Admin.Token)
	for i, h := range c.Admin.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/@ \t") {
			add(fmt.Sprintf("admin.allowed_hosts[%d]", i), "%q is not a host name", h)
		}
	}
	if c.Contracts.PublicURL != "" {
		if err := checkPublicURL(c.Contracts.PublicURL); err != nil {
			add("contracts.public_url", "%v", err)
		}
	}
	if c.TAK.DefaultRouting.Delimiter == "" {
		add("tak.default_routing.delimiter", "empty delimiter")
	}
	if (c.Producers.Cert == "") != (c.Producers.Key == "") {
		add("producers.cert", "producers.cert and producers.key go together")
	}
	c.validateProducerTLS(add, required)
	if c.Producers.MaxIdleConnsPerHost < 0 {
		add("producers.max_idle_conns_per_host", "must not be negative")
	}
	if c.Producers.MaxConnsPerHost < 0 {
		add("producers.max_conns_per_host", "must not be negative")
	}
	seen := map[string]string{}
	keys := make([]string, 0, len(c.Producers.Timeouts))
	for k := range c.Producers.Timeouts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if c.Producers.Timeouts[k] <= 0 {
			add("producers.timeouts."+k, "timeout must be positive")
		}
		if prev, ok := seen[strings.ToLower(k)]; ok {
			add("producers.timeouts."+k, "same contract as %q (keys are case-insensitive)", prev)
		}
		seen[strings.ToLower(k)] = k
	}
	if c.Limits.MaxCallsPerConsumer < -1 {
		add("limits.max_calls_per_consumer", "%d: want a positive cap or -1 for none", c.Limits.MaxCallsPerConsumer)
	}
	if c.Limits.MaxHead > c.Limits.MaxBody {
		add("limits.max_head", "%s is larger than limits.max_body %s", c.Limits.MaxHead, c.Limits.MaxBody)
	}
	switch c.Logging.Level {
	case "debug", "info", "warn", "error":
	default:
		add("logging.level", "%q: want debug, info, warn or error", c.Logging.Level)
	}
	if c.Instance.ID == "" || strings.ContainsAny(c.Instance.ID, "#, ") {
		add("instance.id", "%q must be non-empty without '#', ',' or spaces (it is a routing-history token)", c.Instance.ID)
	}
	return errs
}

// validateProducerTLS checks producers' TLS versions and tls_profiles.
func (c *Config) validateProducerTLS(add func(field, format string, args ...any), required func(field, when string)) {
	versions := func(field, lo, hi string) {
		minV, err1 := ParseTLSVersion(lo)
		if err1 != nil {
			add(field+"tls_min_version", "%v", err1)
		}
		maxV, err2 := ParseTLSVersion(hi)
		if err2 != nil {
			add(field+"tls_max_version", "%v", err2)
		}
		if err1 == nil && err2 == nil && minV > maxV {
			add(field+"tls_min_version", "%s is above tls_max_version %s", lo, hi)
		}
	}
	versions("producers.", c.Producers.TLSMinVersion, c.Producers.TLSMaxVersion)
	names := map[string]int{}
	for i := range c.Producers.TLSProfiles {
		p := &c.Producers.TLSProfiles[i]
		field := fmt.Sprintf("producers.tls_profiles[%d].", i)
		switch name := strings.ToLower(strings.TrimSpace(p.Name)); {
		case name == "":
			required(field+"name", "(it names the profile in the exchange log)")
		case name == "default":
			add(field+"name", "%q is the name of the producers section's own settings", p.Name)
		default:
			if j, ok := names[name]; ok {
				add(field+"name", "%q is also the name of tls_profiles[%d]", p.Name, j)
			}
			names[name] = i
		}
		m := p.Match
		switch {
		case m.Host == "" && m.DomainSuffix == "" && m.Port == 0:
			add(field+"match", "give host, domain_suffix and/or port")
		case m.Host != "" && m.DomainSuffix != "":
			add(field+"match", "host and domain_suffix exclude each other")
		}
		for _, kv := range [][2]string{{"host", m.Host}, {"domain_suffix", m.DomainSuffix}} {
			if v := kv[1]; strings.ContainsAny(v, ":/@ ") && net.ParseIP(v) == nil {
				add(field+"match."+kv[0], "%q: a host name or IP address only, no scheme, port or path", v)
			}
		}
		if m.Port < 0 || m.Port > 65535 {
			add(field+"match.port", "%d is not a port", m.Port)
		}
		if (p.Cert == "") != (p.Key == "") {
			add(field+"cert", "cert and key go together")
		}
		e := p.Effective(&c.Producers)
		versions(field, e.TLSMinVersion, e.TLSMaxVersion)
	}
}

// ParseTLSVersion reads "1.2" or "1.3".
func ParseTLSVersion(s string) (uint16, error) {
	switch s {
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("%q: want 1.2 or 1.3", s)
}

// checkHTTPURL wants an http(s) URL with a host and no credentials in it;
// messages show the URL with its userinfo masked.
func checkHTTPURL(s string) error {
	shown := redact.URL(s)
	if redact.HasUserinfo(s) {
		return fmt.Errorf("%q carries credentials (user:password@), which would be shown wherever the URL is: use tak.username and tak.password", shown)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", shown, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("%q: want http:// or https:// with a host", shown)
	}
	if err := hostport.CheckURLPort(u); err != nil {
		return fmt.Errorf("%q: %w", shown, err)
	}
	return nil
}

// checkPublicURL wants scheme://host[:port] and nothing else.
func checkPublicURL(s string) error {
	if redact.HasUserinfo(s) {
		return fmt.Errorf("%q: no credentials in a public URL", redact.URL(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q: want scheme://host[:port] (http or https, no path)", s)
	}
	if err := hostport.CheckURLPort(u); err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	return nil
}

// envName is what a shell accepts as a variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkSecret(add func(field, format string, args ...any), field string, s Secret) {
	if s.File != "" && s.Env != "" {
		add(field, "give file or env, not both")
	}
	if s.Env != "" && !envName.MatchString(s.Env) {
		add(field+".env", "%q is not an environment variable name", s.Env)
	}
}

// ParsePrefix reads a CIDR ("10.0.0.0/8") or a single address ("10.1.2.3").
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR: %w", s, err)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// TimeoutFor returns the producer timeout for a contract namespace, matching
// producers.timeouts keys case-insensitively.
func (p *Producers) TimeoutFor(ns string) time.Duration {
	for k, v := range p.Timeouts {
		if strings.EqualFold(k, ns) {
			return v.D()
		}
	}
	return p.Timeout.D()
}
