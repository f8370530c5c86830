package identity

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/internal/pki"
)

// FuzzParseHeaderCert (issue 11): the certificate header a TLS-terminating
// proxy sends (PEM, one-line PEM, URL-encoded, bare base64 DER, a comma
// chain) is attacker-controlled on the plain listener. Parsing never
// panics; what parses yields a certificate whose sender can be read.
//
//	go test -run '^$' -fuzz '^FuzzParseHeaderCert$' -fuzztime 1m ./gateway/identity
func FuzzParseHeaderCert(f *testing.F) {
	ca, err := pki.NewCA("fuzz CA")
	if err != nil {
		f.Fatal(err)
	}
	c, err := ca.IssueClient("SE2321000016-F00Z", pki.Options{})
	if err != nil {
		f.Fatal(err)
	}
	pemText := string(c.CertPEM)
	b64 := base64.StdEncoding.EncodeToString(c.Cert.Raw)
	for _, s := range []string{
		pemText,
		strings.ReplaceAll(pemText, "\n", " "),
		url.QueryEscape(pemText),
		b64,
		b64 + "," + b64,
		strings.TrimRight(b64, "="),
		"-----BEGIN CERTIFICATE-----",
		"%zz",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		cert, err := ParseHeaderCert(v)
		if err != nil {
			if cert != nil {
				t.Fatalf("certificate and error both returned: %v", err)
			}
			return
		}
		if cert == nil {
			t.Fatal("no certificate and no error")
		}
		if s, ok := SenderFromCert(cert); ok && s == "" {
			t.Fatal("empty sender reported as found")
		}
	})
}

// FuzzDecodeDNValue: RFC 2253 "#"-hex values (and textual subject DNs)
// decode without panics; a value without "#" comes back unchanged.
func FuzzDecodeDNValue(f *testing.F) {
	for _, s := range []string{"#130f5345323332313030303031362d41", "SE2321000016-A", "#", "#zz", "#0c00", "#3000", "#130f53", "SERIALNUMBER=#130353453132,CN=x", "2.5.4.5=SE1, O=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		out, err := DecodeDNValue(v)
		if err == nil && !strings.HasPrefix(v, "#") && out != v {
			t.Fatalf("plain value changed: %q -> %q", v, out)
		}
		if err == nil && len(out) > len(v) {
			t.Fatalf("decoded %q is longer than %q", out, v)
		}
		if s, ok := SerialFromDN(v); ok && s == "" {
			t.Fatal("empty serial reported as found")
		}
	})
}
