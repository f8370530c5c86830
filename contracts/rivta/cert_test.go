package rivta

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

func TestSerialNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cert *x509.Certificate
		want string
	}{
		{"no certificate", nil, ""},
		{"none in the subject", &x509.Certificate{Subject: pkix.Name{CommonName: "x"}}, ""},
		{"parsed subject attribute", &x509.Certificate{Subject: pkix.Name{Names: []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "cn"},
			{Type: asn1.ObjectIdentifier{2, 5, 4, 5}, Value: "SE2321000016-A"},
		}}}, "SE2321000016-A"},
		{"subject field only", &x509.Certificate{Subject: pkix.Name{SerialNumber: "SE2321000016-B"}}, "SE2321000016-B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := SerialNumber(tc.cert); got != tc.want {
				t.Fatalf("SerialNumber = %q, want %q", got, tc.want)
			}
		})
	}
}
