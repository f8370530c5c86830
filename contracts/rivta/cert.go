package rivta

import (
	"crypto/x509"
	"encoding/asn1"
)

// oidSerialNumber is the subject attribute that carries an HSA-id.
var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

// SerialNumber returns the subject SERIALNUMBER (OID 2.5.4.5) of c, the
// HSA-id RIV-TA identifies a caller by; "" for nil or none.
func SerialNumber(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oidSerialNumber) {
			if s, ok := n.Value.(string); ok {
				return s
			}
		}
	}
	return c.Subject.SerialNumber
}
