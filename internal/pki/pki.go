// Package pki makes test certificate authorities and certificates for rivgate:
// a CA, server certificates with SANs, and client certificates whose subject
// SERIALNUMBER (OID 2.5.4.5) holds the consumer's HSA-id, as the national
// platform expects. Tests make their PKI at run time with it, the demo makes
// one per run, and `rivgate pki` writes one to disk for people.
//
// Keys are ECDSA P-256: fast to make (tests create many) and accepted by curl,
// python requests/zeep and nginx.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CA is a certificate authority that can issue certificates.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// CertPEM is the CA certificate in PEM form.
	CertPEM []byte
}

// Cert is an issued certificate with its private key.
type Cert struct {
	Cert     *x509.Certificate
	Key      crypto.Signer
	CertPEM  []byte // leaf only
	KeyPEM   []byte // PKCS#8
	ChainPEM []byte // leaf followed by the issuing CA
}

// Options shape an issued certificate. Zero values give sane defaults:
// valid from one hour ago for 24 hours.
type Options struct {
	CommonName   string
	SerialNumber string // subject SERIALNUMBER, the HSA-id for clients
	Organization string
	DNSNames     []string // server SANs
	IPAddresses  []net.IP // server SANs
	NotBefore    time.Time
	NotAfter     time.Time
	// ExtraSubject is added to the subject as it is, each attribute its own
	// RDN; an attribute here replaces the field with its type (for tests of
	// unusual subjects, e.g. two SERIALNUMBERs).
	ExtraSubject []pkix.AttributeTypeAndValue
}

func (o Options) validity() (time.Time, time.Time) {
	nb, na := o.NotBefore, o.NotAfter
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		na = nb.Add(25 * time.Hour)
	}
	return nb, na
}

// NewCA makes a self-signed CA named name.
func NewCA(name string) (*CA, error) {
	return NewCAWithOptions(Options{CommonName: name})
}

// NewCAWithOptions makes a self-signed CA; Options.NotBefore/NotAfter apply.
func NewCAWithOptions(o Options) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	nb, na := o.validity()
	if o.NotAfter.IsZero() {
		na = nb.Add(10 * 24 * time.Hour)
	}
	cn := o.CommonName
	if cn == "" {
		cn = "rivgate test CA"
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{orDefault(o.Organization, "rivgate test PKI")}},
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key, CertPEM: pemBlock("CERTIFICATE", der)}, nil
}

// Pool returns a certificate pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// IssueServer issues a TLS server certificate. With no names given it covers
// localhost, 127.0.0.1 and ::1.
func (ca *CA) IssueServer(o Options) (*Cert, error) {
	if len(o.DNSNames) == 0 && len(o.IPAddresses) == 0 {
		o.DNSNames = []string{"localhost"}
		o.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	if o.CommonName == "" {
		if len(o.DNSNames) > 0 {
			o.CommonName = o.DNSNames[0]
		} else {
			o.CommonName = o.IPAddresses[0].String()
		}
	}
	return ca.issue(o, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})
}

// IssueClient issues a TLS client certificate with subject SERIALNUMBER =
// hsaID. An empty hsaID gives a certificate without SERIALNUMBER (the VP002
// case).
func (ca *CA) IssueClient(hsaID string, o Options) (*Cert, error) {
	o.SerialNumber = hsaID
	if o.CommonName == "" {
		o.CommonName = orDefault(hsaID, "client without serialNumber")
	}
	return ca.issue(o, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
}

// Issue issues a certificate usable for both server and client
// authentication, e.g. for a gateway that also calls producers with mTLS.
func (ca *CA) Issue(o Options) (*Cert, error) {
	return ca.issue(o, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth})
}

func (ca *CA) issue(o Options, usage []x509.ExtKeyUsage) (*Cert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	nb, na := o.validity()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject: pkix.Name{
			CommonName:   o.CommonName,
			SerialNumber: o.SerialNumber,
			Organization: []string{orDefault(o.Organization, "rivgate test PKI")},
			ExtraNames:   o.ExtraSubject,
		},
		NotBefore:   nb,
		NotAfter:    na,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: usage,
		DNSNames:    o.DNSNames,
		IPAddresses: o.IPAddresses,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("create certificate %q: %w", o.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate %q: %w", o.CommonName, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	certPEM := pemBlock("CERTIFICATE", der)
	return &Cert{
		Cert:     cert,
		Key:      key,
		CertPEM:  certPEM,
		KeyPEM:   pemBlock("PRIVATE KEY", keyDER),
		ChainPEM: append(append([]byte{}, certPEM...), ca.CertPEM...),
	}, nil
}

// RevocationList makes a CRL signed by the CA that revokes the given
// certificates. nextUpdate is relative to now.
func (ca *CA) RevocationList(revoked []*x509.Certificate, nextUpdate time.Duration) ([]byte, error) {
	now := time.Now()
	tmpl := &x509.RevocationList{
		Number:     randomSerial(),
		ThisUpdate: now.Add(-time.Minute),
		NextUpdate: now.Add(nextUpdate),
	}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber:   c.SerialNumber,
			RevocationTime: now.Add(-time.Minute),
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("create CRL: %w", err)
	}
	return pemBlock("X509 CRL", der), nil
}

// TLSCertificate returns the certificate and key as a tls.Certificate, with
// the chain up to (and including) the CA.
func (c *Cert) TLSCertificate() tls.Certificate {
	return tls.Certificate{
		Certificate: [][]byte{c.Cert.Raw},
		PrivateKey:  c.Key,
		Leaf:        c.Cert,
	}
}

// WriteFiles writes cert (leaf), key and chain PEMs as <dir>/<name>.pem,
// <name>.key and <name>-chain.pem. The key file is mode 0600.
func (c *Cert) WriteFiles(dir, name string) (certPath, keyPath string, err error) {
	certPath = filepath.Join(dir, name+".pem")
	keyPath = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, c.CertPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("write %s: %w", certPath, err)
	}
	if err := os.WriteFile(keyPath, c.KeyPEM, 0o600); err != nil {
		return "", "", fmt.Errorf("write %s: %w", keyPath, err)
	}
	chain := filepath.Join(dir, name+"-chain.pem")
	if err := os.WriteFile(chain, c.ChainPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("write %s: %w", chain, err)
	}
	return certPath, keyPath, nil
}

// WriteFiles writes the CA certificate as <dir>/<name>.pem and its key as
// <dir>/<name>.key (0600), so `rivgate pki issue` can sign with it later.
func (ca *CA) WriteFiles(dir, name string) (certPath, keyPath string, err error) {
	certPath = filepath.Join(dir, name+".pem")
	keyPath = filepath.Join(dir, name+".key")
	keyDER, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		return "", "", fmt.Errorf("marshal CA key: %w", err)
	}
	if err := os.WriteFile(certPath, ca.CertPEM, 0o644); err != nil {
		return "", "", fmt.Errorf("write %s: %w", certPath, err)
	}
	if err := os.WriteFile(keyPath, pemBlock("PRIVATE KEY", keyDER), 0o600); err != nil {
		return "", "", fmt.Errorf("write %s: %w", keyPath, err)
	}
	return certPath, keyPath, nil
}

// LoadCA reads a CA certificate and its PKCS#8 (or EC/RSA) key from PEM files.
func LoadCA(certPath, keyPath string) (*CA, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("read CA certificate: %w", err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM CERTIFICATE block", certPath)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certPath, err)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("%s: certificate %q is not a CA", certPath, cert.Subject.CommonName)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("read CA key: %w", err)
	}
	key, err := ParsePrivateKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	return &CA{Cert: cert, Key: key, CertPEM: pem.EncodeToMemory(block)}, nil
}

// ParsePrivateKey reads the first private key in PEM data (PKCS#8, EC or
// PKCS#1 RSA).
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PEM private key block")
		}
		var k any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", block.Type, err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%s is not a signing key", block.Type)
		}
		return s, nil
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return n.Add(n, big.NewInt(1))
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ParseCRLPEM parses a PEM (or DER) certificate revocation list.
func ParseCRLPEM(data []byte) (*x509.RevocationList, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "X509 CRL" {
			return nil, fmt.Errorf("PEM block is %q, want X509 CRL", block.Type)
		}
		data = block.Bytes
	}
	rl, err := x509.ParseRevocationList(data)
	if err != nil {
		return nil, fmt.Errorf("parse CRL: %w", err)
	}
	return rl, nil
}
