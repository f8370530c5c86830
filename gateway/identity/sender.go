// Package identity answers "who is calling": the consumer's HSA-id from a
// verified client certificate (subject SERIALNUMBER, OID 2.5.4.5), the
// certificate a TLS-terminating proxy forwards in a header, the CIDR allow
// list for the plain-HTTP listener, and the server TLS configuration with
// client CA verification, CRL checks and reload of certificates without a
// restart. A textual subject DN (SerialFromDN) may carry the "#"-hex form
// RFC 2253 uses for non-string values; a certificate's values are decoded
// once, by crypto/x509, and taken as they are.
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

// Why a certificate names no sender; the VP002 detail says which.
var (
	ErrNoSerialNumber   = errors.New("no SERIALNUMBER in the subject")
	ErrTwoSerialNumbers = errors.New("the subject holds more than one SERIALNUMBER")
)

// Sender returns the subject SERIALNUMBER of cert, the consumer's HSA-id,
// exactly as the certificate holds it: crypto/x509 has already decoded
// the DER string, so a value that reads "#0c12..." is that text, not hex
// to decode again (it would name another HSA-id). A subject with no
// SERIALNUMBER (or an empty one) or with two is refused (VP002).
func Sender(cert *x509.Certificate) (string, error) {
	if cert == nil {
		return "", ErrNoSerialNumber
	}
	var found string
	n := 0
	for _, atv := range cert.Subject.Names {
		if !atv.Type.Equal(oidSerialNumber) {
			continue
		}
		n++
		found, _ = atv.Value.(string)
	}
	switch {
	case n > 1:
		return "", ErrTwoSerialNumbers
	case found == "":
		return "", ErrNoSerialNumber
	}
	return found, nil
}

// SenderFromCert is Sender without the reason.
func SenderFromCert(cert *x509.Certificate) (string, bool) {
	s, err := Sender(cert)
	return s, err == nil
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
