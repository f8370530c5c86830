package identity

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// ErrNoCertificate is returned by ParseHeaderCert for an empty header.
var ErrNoCertificate = errors.New("no certificate")

// ErrUnknownCertType is returned by ParseHeaderCert for a value that is
// neither PEM (BEGIN and END lines) nor base64 DER: VP's "unknown
// certificate type", not a certificate that failed to parse.
var ErrUnknownCertType = errors.New("neither a PEM certificate nor base64 DER")

const (
	pemBegin = "-----BEGIN CERTIFICATE-----"
	pemEnd   = "-----END CERTIFICATE-----"
)

// ParseHeaderCert reads the client certificate a TLS-terminating proxy put
// in a header. Accepted forms (VP's, plus URL-encoding, which Traefik and
// nginx's $ssl_client_escaped_cert use): PEM with BEGIN/END lines,
// whitespace and line breaks anywhere (flattened onto one line, or folded
// as nginx's $ssl_client_cert sends it); bare base64 DER ("MII..."), of
// which only the first element of a comma-separated chain is used.
func ParseHeaderCert(v string) (*x509.Certificate, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, ErrNoCertificate
	}
	if strings.Contains(v, "%") {
		if u, err := url.QueryUnescape(v); err == nil {
			v = strings.TrimSpace(u)
		}
	}
	// The END line is looked for after the BEGIN line: the two share their
	// dashes, so "-----BEGIN CERTIFICATE-----END CERTIFICATE-----" would
	// otherwise find END inside BEGIN.
	body, end := "", -1
	if begin := strings.Index(v, pemBegin); begin >= 0 {
		body = v[begin+len(pemBegin):]
		end = strings.Index(body, pemEnd)
	}
	switch {
	case end >= 0:
		v = body[:end]
	case strings.HasPrefix(v, "MI"):
		// A DER certificate is a SEQUENCE with a long-form length: its
		// base64 starts "MI" ("MII" from 256 bytes on, VP's test).
		if i := strings.IndexByte(v, ','); i >= 0 {
			v = v[:i]
		}
	default:
		return nil, ErrUnknownCertType
	}
	v = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, v)
	der, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		if der, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "=")); err != nil {
			return nil, fmt.Errorf("certificate is not valid base64: %w", err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	return cert, nil
}

// AllowList is the set of peers allowed on the plain-HTTP listener.
// Matching is by CIDR (VP matched by string prefix, so "127.0.1" also let in
// 127.0.10.x). An empty list allows nobody, as in VP.
type AllowList struct {
	prefixes []netip.Prefix
}

// NewAllowList parses CIDRs or single addresses.
func NewAllowList(cidrs []string) (*AllowList, error) {
	a := &AllowList{}
	for _, s := range cidrs {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, err
		}
		a.prefixes = append(a.prefixes, p)
	}
	return a, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("allow list entry %q: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("allow list entry %q: %w", s, err)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Allowed reports whether addr is inside one of the prefixes.
func (a *AllowList) Allowed(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range a.prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// AllowedString parses an address (with or without port, IPv6 brackets
// allowed) and checks it; a value that is not an address is not allowed.
func (a *AllowList) AllowedString(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), a.Allowed(ap.Addr())
	}
	addr, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return addr, a.Allowed(addr)
}
