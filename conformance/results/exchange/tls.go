package exchange

import (
	"crypto/tls"
	"encoding/pem"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// TLSFrom describes a connection state (nil without TLS).
func TLSFrom(cs *tls.ConnectionState) *TLSInfo {
	if cs == nil {
		return nil
	}
	t := &TLSInfo{
		Version:     tls.VersionName(cs.Version),
		CipherSuite: tls.CipherSuiteName(cs.CipherSuite),
		ServerName:  cs.ServerName,
	}
	if len(cs.PeerCertificates) > 0 {
		c := cs.PeerCertificates[0]
		t.PeerSubject = c.Subject.String()
		t.SerialNumber = rivta.SerialNumber(c)
		t.PeerCertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return t
}
