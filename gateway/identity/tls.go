package identity

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"sync/atomic"
	"time"
)

// ServerFiles names the files of the HTTPS listener's TLS material.
type ServerFiles struct {
	Cert, Key, ClientCA string
	CRL                 []string
	// RequireClientCert rejects a missing client certificate in the
	// handshake (VP's needClientAuth); otherwise a missing certificate
	// reaches the handler, which answers VP002.
	RequireClientCert bool
	// MinVersion is tls.VersionTLS12 or tls.VersionTLS13.
	MinVersion uint16
}

// material is one consistent load of the files.
type material struct {
	cert      tls.Certificate
	clientCAs *x509.CertPool
	caCerts   []*x509.Certificate
	revoked   map[string]map[string]bool // issuer RawSubject -> serial (decimal) -> revoked
	notAfter  time.Time
	loaded    time.Time
	crlNext   time.Time // earliest NextUpdate among CRLs (zero if none)
	crls      []crlFile
	// config is what handshakes use while this material is current.
	config *tls.Config
}

// crlFile is one loaded CRL, for the expiry warning.
type crlFile struct {
	path       string
	nextUpdate time.Time // zero: none given
}

// Server holds the HTTPS listener's TLS material behind an atomic pointer:
// Reload validates new files fully and swaps them in, so new handshakes use
// the new certificate, CAs and CRLs; on error the old material stays.
type Server struct {
	files ServerFiles
	cur   atomic.Pointer[material]
}

// NewServer loads the files; an error names the file at fault.
func NewServer(files ServerFiles) (*Server, error) {
	s := &Server{files: files}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload re-reads the files. On error the previous material stays in use.
func (s *Server) Reload() error {
	m, err := loadMaterial(s.files)
	if err != nil {
		return err
	}
	m.config = s.handshakeConfig(m)
	s.cur.Store(m)
	return nil
}

// Info describes the material in use, for /status and metrics.
type Info struct {
	CertNotAfter time.Time `json:"cert_not_after"`
	Loaded       time.Time `json:"loaded"`
	ClientCAs    int       `json:"client_cas"`
	CRLs         int       `json:"crls"`
	CRLNext      time.Time `json:"crl_next_update,omitzero"`
	// Warnings name what is loaded but no longer current: a CRL past its
	// nextUpdate (revocations since then are unknown here). Judged when
	// Info is called, so a CRL that expires while the gateway runs shows.
	Warnings []string `json:"warnings,omitempty"`
}

// Info returns what is loaded now.
func (s *Server) Info() Info {
	m := s.cur.Load()
	return Info{CertNotAfter: m.notAfter, Loaded: m.loaded, ClientCAs: len(m.caCerts), CRLs: len(m.revoked), CRLNext: m.crlNext,
		Warnings: m.crlWarnings(time.Now())}
}

// crlWarnings names the CRLs whose nextUpdate is before now. Such a CRL
// stays in use (what it revokes stays revoked); the warning asks for a
// fresh one.
func (m *material) crlWarnings(now time.Time) []string {
	var out []string
	for _, c := range m.crls {
		if !c.nextUpdate.IsZero() && c.nextUpdate.Before(now) {
			out = append(out, fmt.Sprintf("CRL %s expired at %s (nextUpdate): certificates revoked since then are not known; install a fresh CRL and reload",
				c.path, c.nextUpdate.UTC().Format(time.RFC3339)))
		}
	}
	return out
}

// TLSConfig returns the listener configuration. Certificate, client CAs and
// revocation data are looked up per handshake, so Reload takes effect on the
// next handshake without a restart.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: s.minVersion(),
		NextProtos: []string{"http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return s.cur.Load().config, nil
		},
	}
}

func (s *Server) minVersion() uint16 {
	if s.files.MinVersion == 0 {
		return tls.VersionTLS12
	}
	return s.files.MinVersion
}

// handshakeConfig is the configuration handshakes use while m is current,
// built once per load rather than cloned per handshake.
//
// Session resumption is on (a reconnecting consumer skips the certificate
// signature and chain work) and stays safe across reloads:
//   - tickets are sealed with keys that belong to this configuration alone
//     (Go creates them on first use, rotates them daily and drops them after
//     7 days); a reload builds a new configuration with new keys, so no
//     session from before a CA, CRL or certificate change resumes;
//   - on resumption Go re-checks the stored chain against ClientCAs and the
//     leaf's expiry, and VerifyConnection runs on every handshake, resumed
//     ones included, so revocation is checked each time.
func (s *Server) handshakeConfig(m *material) *tls.Config {
	auth := tls.VerifyClientCertIfGiven
	if s.files.RequireClientCert {
		auth = tls.RequireAndVerifyClientCert
	}
	c := &tls.Config{
		MinVersion:       s.minVersion(),
		ClientAuth:       auth,
		NextProtos:       []string{"http/1.1"},
		Certificates:     []tls.Certificate{m.cert},
		ClientCAs:        m.clientCAs,
		VerifyConnection: func(cs tls.ConnectionState) error { return m.checkRevoked(cs.VerifiedChains) },
		// Full-size records from the first answer on: with dynamic sizing
		// a connection's first record holds one TCP segment (~1.2 KB) and
		// the next ones grow from there, so a connection's first 2 KB
		// answer (often its only one) goes out as two records, two writes.
		DynamicRecordSizingDisabled: true,
	}
	// Without these hooks the listener's own (long-lived) keys would seal
	// the tickets; with them, c's keys do.
	c.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) { return c.EncryptTicket(cs, ss) }
	c.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		return c.DecryptTicket(identity, cs)
	}
	return c
}

// VerifyClient verifies a certificate received in a header against the
// client CAs and CRLs, as the TLS handshake would.
func (s *Server) VerifyClient(cert *x509.Certificate) error {
	m := s.cur.Load()
	chains, err := cert.Verify(x509.VerifyOptions{Roots: m.clientCAs, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return fmt.Errorf("verify certificate: %w", err)
	}
	return m.checkRevoked(chains)
}

// errRevoked is returned for a revoked certificate.
var errRevoked = errors.New("certificate revoked")

func (m *material) checkRevoked(chains [][]*x509.Certificate) error {
	if len(m.revoked) == 0 {
		return nil
	}
	for _, chain := range chains {
		for i := 0; i+1 < len(chain); i++ {
			set := m.revoked[string(chain[i+1].RawSubject)]
			if set != nil && set[chain[i].SerialNumber.String()] {
				return fmt.Errorf("%w: serial %s issued by %s", errRevoked, chain[i].SerialNumber, chain[i+1].Subject)
			}
		}
	}
	return nil
}

func loadMaterial(f ServerFiles) (*material, error) {
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("load server certificate %s / key %s: %w", f.Cert, f.Key, err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parse server certificate %s: %w", f.Cert, err)
	}
	cert.Leaf = leaf
	m := &material{cert: cert, notAfter: leaf.NotAfter, loaded: time.Now(), clientCAs: x509.NewCertPool(), revoked: map[string]map[string]bool{}}
	caPEM, err := os.ReadFile(f.ClientCA)
	if err != nil {
		return nil, fmt.Errorf("read client CA bundle: %w", err)
	}
	m.caCerts, err = parseCerts(caPEM)
	if err != nil {
		return nil, fmt.Errorf("client CA bundle %s: %w", f.ClientCA, err)
	}
	if len(m.caCerts) == 0 {
		return nil, fmt.Errorf("client CA bundle %s: no certificates", f.ClientCA)
	}
	for _, c := range m.caCerts {
		m.clientCAs.AddCert(c)
	}
	for _, path := range f.CRL {
		if err := m.addCRL(path); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// addCRL loads one CRL, checks its signature against a client CA and
// records its revoked serials.
func (m *material) addCRL(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read CRL: %w", err)
	}
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "X509 CRL" {
			return fmt.Errorf("CRL %s: PEM block is %q, want X509 CRL", path, block.Type)
		}
		data = block.Bytes
	}
	rl, err := x509.ParseRevocationList(data)
	if err != nil {
		return fmt.Errorf("CRL %s: %w", path, err)
	}
	var issuer *x509.Certificate
	for _, c := range m.caCerts {
		if string(c.RawSubject) == string(rl.RawIssuer) && rl.CheckSignatureFrom(c) == nil {
			issuer = c
			break
		}
	}
	if issuer == nil {
		return fmt.Errorf("CRL %s: not signed by any certificate in the client CA bundle", path)
	}
	set := m.revoked[string(issuer.RawSubject)]
	if set == nil {
		set = map[string]bool{}
		m.revoked[string(issuer.RawSubject)] = set
	}
	for _, e := range rl.RevokedCertificateEntries {
		set[new(big.Int).Set(e.SerialNumber).String()] = true
	}
	m.crls = append(m.crls, crlFile{path: path, nextUpdate: rl.NextUpdate})
	if !rl.NextUpdate.IsZero() && (m.crlNext.IsZero() || rl.NextUpdate.Before(m.crlNext)) {
		m.crlNext = rl.NextUpdate
	}
	return nil
}

func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

// LoadPool reads a PEM bundle into a pool (producer CAs).
func LoadPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA bundle: %w", err)
	}
	certs, err := parseCerts(data)
	if err != nil {
		return nil, fmt.Errorf("CA bundle %s: %w", path, err)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("CA bundle %s: no certificates", path)
	}
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p, nil
}
