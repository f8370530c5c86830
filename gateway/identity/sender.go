// Package identity answers "who is calling": the consumer's HSA-id from a
// verified client certificate (subject SERIALNUMBER, OID 2.5.4.5, including
// the "#"-hex form RFC 2253 uses for non-string values), the certificate a
// TLS-terminating proxy forwards in a header, the CIDR allow list for the
// plain-HTTP listener, and the server TLS configuration with client CA
// verification, CRL checks and reload of certificates without a restart.
package identity

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// oidSerialNumber is the subject attribute VP takes the sender from.
var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

// SenderFromCert returns the subject SERIALNUMBER of cert, the consumer's
// HSA-id. ok is false when the subject has none (VP002).
func SenderFromCert(cert *x509.Certificate) (string, bool) {
	if cert == nil {
		return "", false
	}
	for _, atv := range cert.Subject.Names {
		if !atv.Type.Equal(oidSerialNumber) {
			continue
		}
		s, ok := atv.Value.(string)
		if !ok {
			continue
		}
		if v, err := DecodeDNValue(s); err == nil && v != "" {
			return v, true
		}
	}
	return "", false
}

// serialPattern is VP's default certificate.senderid.subject.pattern.
var serialPattern = regexp.MustCompile(`(?i)(?:2\.5\.4\.5|SERIALNUMBER)=([^,]+)`)

// SerialFromDN finds the SERIALNUMBER in a textual subject DN (RFC 2253 or
// OpenSSL form), decoding a "#"-hex value.
func SerialFromDN(dn string) (string, bool) {
	m := serialPattern.FindStringSubmatch(dn)
	if m == nil {
		return "", false
	}
	v, err := DecodeDNValue(strings.TrimSpace(m[1]))
	if err != nil || v == "" {
		return "", false
	}
	return v, true
}

// DecodeDNValue returns v unchanged unless it is RFC 2253's "#" followed by
// the hex of a DER value (used for attribute values that are not plain
// strings); then it returns the decoded string content.
func DecodeDNValue(v string) (string, error) {
	if !strings.HasPrefix(v, "#") {
		return v, nil
	}
	der, err := hex.DecodeString(v[1:])
	if err != nil {
		return "", fmt.Errorf("hex DN value %q: %w", v, err)
	}
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(der, &raw)
	if err != nil {
		return "", fmt.Errorf("DER DN value %q: %w", v, err)
	}
	if len(rest) != 0 {
		return "", errors.New("DER DN value has trailing bytes")
	}
	if raw.Class != asn1.ClassUniversal || raw.IsCompound {
		return "", fmt.Errorf("DN value %q is not a string type", v)
	}
	return string(raw.Bytes), nil
}
