package gateway

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
)

// The client certificate an ingress forwards in a header, over the plain
// listener, in every form a proxy sends it, with the inputs of VP's
// HeaderCertificateHelperImplTest (skltp/vp, certificate package). That
// test's Traefik chains are SITHS certificates not kept in ../shared: the
// same forms are built here from certificates made at test time. Its PEM
// input, cert_ou_is_tp.pem, and client.pem are VP's own files.

// vpCert reads one of VP's test certificates (public certificates only).
func vpCert(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedRivta(t), "samples", "skltp-vp", "certs", name))
	require.NoError(t, err)
	return string(b)
}

// traefikChain is the X-Forwarded-Tls-Client-Cert value of Traefik's
// passTLSClientCert{pem: true}: each certificate's base64 DER without
// PEM lines, URL-escaped, joined by commas, the client's first.
func traefikChain(escape bool, certs ...*pki.Cert) string {
	parts := make([]string, len(certs))
	for i, c := range certs {
		parts[i] = base64.StdEncoding.EncodeToString(c.Cert.Raw)
		if escape {
			parts[i] = url.QueryEscape(parts[i])
		}
	}
	return strings.Join(parts, ",")
}

// caAsCert lets a CA certificate stand in a forwarded chain.
func caAsCert(ca *pki.CA) *pki.Cert { return &pki.Cert{Cert: ca.Cert, CertPEM: ca.CertPEM} }

// postRawHeader sends a call on the plain listener with the header line
// written as given (a folded header cannot be sent through net/http's
// client) and returns the answer.
func postRawHeader(t *testing.T, b *bed, headerLines, correlationID string, body []byte) response {
	t.Helper()
	c, err := net.DialTimeout("tcp", b.gw.Addr(HTTP), 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	_, err = fmt.Fprintf(c, "POST /vp/x HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Length: %d\r\nX-Skltp-Correlation-Id: %s\r\n%sConnection: close\r\n\r\n%s",
		len(body), correlationID, headerLines, body)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: rb}
}

// TestHeaderCertificateForms pins each form of forwarded certificate the
// gateway reads, the VP002 texts VP gives for the ones it cannot use, and
// that no certificate reaches the log: the log is written at debug level
// with payload logging on, and no 24-character piece of any certificate's
// base64 (plain or URL-escaped) may appear in it.
func TestHeaderCertificateForms(t *testing.T) {
	t.Parallel()
	verified := newVPBed(t, func(b *bed) { b.cfg.Logging.Payloads = true })
	// VP never verifies a header certificate; its texts for what it cannot
	// use are pinned on a gateway that does not either.
	asVP := newBed(t, vbTAK(verified), reuseCA(verified.bed), func(b *bed) {
		off := false
		b.cfg.HTTP.VerifyCert = &off
		b.cfg.Logging.Payloads = true
	})
	client, err := verified.ca.IssueClient(consumerID, pki.Options{})
	require.NoError(t, err)
	ca := caAsCert(verified.ca)
	pemText := string(client.CertPEM)
	folded := strings.ReplaceAll(strings.TrimSuffix(pemText, "\n"), "\n", "\r\n\t") // nginx $ssl_client_cert
	ouIsTP, vpClient := vpCert(t, "cert_ou_is_tp.pem"), vpCert(t, "client.pem")
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	body := sample(t, "Rivta21Request.xml", "")
	const name = "x-vp-auth-cert"

	tests := []struct {
		name   string
		b      *bed
		header string // the whole header line(s); "" sends none
		status int
		detail string // the VP002 detail, or VP007's for a sender without permission
		prefix bool   // detail is the start of the detail only
	}{
		// Read: the call reaches the producer (only consumerID may call it).
		{name: "PEM folded over lines (nginx $ssl_client_cert)", b: verified.bed, header: name + ": " + folded + "\r\n", status: 200},
		{name: "PEM flattened onto one line", b: verified.bed, header: name + ": " + flat(pemText) + "\r\n", status: 200},
		{name: "URL-encoded PEM (nginx $ssl_client_escaped_cert)", b: verified.bed, header: name + ": " + url.QueryEscape(pemText) + "\r\n", status: 200},
		{name: "Traefik chain, URL-escaped (VP 2022-12..2023-05)", b: verified.bed, header: name + ": " + traefikChain(true, client, ca) + "\r\n", status: 200},
		{name: "Traefik chain, bare base64 DER (VP since 2023-05)", b: verified.bed, header: name + ": " + traefikChain(false, client, ca) + "\r\n", status: 200},
		{name: "bare base64 DER", b: verified.bed, header: name + ": " + traefikChain(false, client) + "\r\n", status: 200},
		{name: "VP's client.pem, text before the PEM lines", b: asVP, header: name + ": " + flat(vpClient) + "\r\n", status: 500,
			detail: "Authorization missing for serviceNamespace: " + scheduleNS + ", receiverId: RIVTA21REQUEST, senderId: HSASERVICES-100S"},
		// VP002, VP's texts (HeaderCertificateHelperImplTest).
		{name: "no header (nullCertShouldThrowVP002)", b: asVP, status: 500, detail: "No certificate found in httpheader " + name},
		{name: "PEM parse error (pemCertParseErrorShouldThrowVP002)", b: asVP, status: 500,
			header: name + ": -----BEGIN CERTIFICATE-----This string will cause a parse error-----END CERTIFICATE-----\r\n",
			detail: "Exception occured parsing certificate in httpheader " + name},
		{name: "neither PEM nor base64 DER (wrongCertFormatShouldThrowVP002)", b: asVP, header: name + ": CN=Hermione Granger, OU=Harmony\r\n", status: 500,
			detail: "Exception, unkown certificate type found in httpheader " + name},
		{name: "PEM without END line", b: asVP, header: name + ": -----BEGIN CERTIFICATE-----MIIB\r\n", status: 500,
			detail: "Exception, unkown certificate type found in httpheader " + name},
		{name: "certificate without sender (cert_ou_is_tp.pem; VP's default pattern takes SERIALNUMBER)", b: asVP, header: name + ": " + flat(ouIsTP) + "\r\n", status: 500,
			detail: "No senderId found in Certificate"},
		{name: "Traefik chain without the client's certificate", b: asVP, header: name + ": " + traefikChain(true, ca) + "\r\n", status: 500,
			detail: "No senderId found in Certificate"},
		// Ours: VP never verifies a header certificate.
		{name: "certificate from an unknown CA", b: verified.bed, header: name + ": " + flat(ouIsTP) + "\r\n", status: 500,
			detail: "Certificate in httpheader " + name + " is not trusted: ", prefix: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("hdrcert-%d", i)
			r := postRawHeader(t, tt.b, tt.header, id, body)
			assert.Equal(t, tt.status, r.status, string(r.body))
			if tt.status == 200 {
				assert.Equal(t, consumerID, verified.p21.last(t).header.Get("X-Vp-Sender-Id"))
				assert.Empty(t, verified.p21.last(t).header.Get(name), "the certificate header is not sent on")
			} else {
				f := r.fault(t)
				if strings.HasPrefix(tt.detail, "Authorization missing") {
					assert.Equal(t, vpfault.VP007, f.Code)
				} else {
					assert.Equal(t, vpfault.VP002, f.Code)
				}
				assertDetail(t, f, tt.detail, tt.prefix)
			}
			exchangeLine(t, tt.b.logs, id) // the line is written: the log below is complete
		})
	}

	logs := verified.logs.String() + asVP.logs.String()
	require.Contains(t, logs, `"payload_head"`, "payloads are logged: the log is as full as it gets")
	for _, c := range []string{pemText, ouIsTP, vpClient, string(ca.CertPEM)} {
		for _, piece := range certPieces(t, c) {
			require.NotContains(t, logs, piece, "a certificate reached the log")
		}
	}
}

// assertDetail checks a fault's detail: all of it, or (prefix) its start.
func assertDetail(t *testing.T, f *vpfault.Parsed, want string, prefix bool) {
	t.Helper()
	if prefix {
		assert.True(t, strings.HasPrefix(f.DetailString, want), "detail %q, want %q...", f.DetailString, want)
		return
	}
	assert.Equal(t, want, f.DetailString)
}

// certPieces cuts a PEM certificate's base64, plain and URL-escaped, into
// 24-character pieces.
func certPieces(t *testing.T, pemText string) []string {
	t.Helper()
	i, j := strings.Index(pemText, "-----BEGIN CERTIFICATE-----"), strings.Index(pemText, "-----END CERTIFICATE-----")
	require.True(t, i >= 0 && j > i)
	b64 := strings.Join(strings.Fields(pemText[i+len("-----BEGIN CERTIFICATE-----"):j]), "")
	var out []string
	for _, s := range []string{b64, url.QueryEscape(b64)} {
		for k := 0; k+24 <= len(s); k += 24 {
			out = append(out, s[k:k+24])
		}
	}
	return out
}

// TestMTOMWithoutEnvelope: a multipart (MTOM/XOP) call whose parts hold no
// SOAP envelope gets VP015 with VP's detail for it
// (RequestReaderProcessorXMLEventReader); a malformed envelope inside the
// multipart keeps the parser's message.
func TestMTOMWithoutEnvelope(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	const ct = `multipart/related; type="application/xop+xml"; boundary="MIMEBoundary_1"; start="<root>"; start-info="text/xml"`
	part := func(content string) string {
		return "--MIMEBoundary_1\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\nContent-ID: <root>\r\n\r\n" +
			content + "\r\n--MIMEBoundary_1--\r\n"
	}
	tests := []struct {
		name, body, detail string
		prefix             bool // detail is the start of the detail only
	}{
		{"no boundary in the body", "This will fail", mtomNoEnvelope, false},
		{"root part without an envelope", part("This will fail"), mtomNoEnvelope, false},
		{"root part with another document", part(`<?xml version="1.0"?><doc><a/></doc>`), mtomNoEnvelope, false},
		{"malformed envelope in the root part", part(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a x="1' y></a></soap:Body></soap:Envelope>`),
			"The request could not be read properly. ", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := vb.post(t, vb.client, HTTPS, []byte(tt.body), http.Header{"Content-Type": {ct}})
			assert.Equal(t, http.StatusInternalServerError, r.status)
			f := r.fault(t)
			assert.Equal(t, vpfault.VP015, f.Code)
			assert.Equal(t, "VP015 ["+instanceName+"] "+vpfault.VP015.Text(), f.FaultString)
			assertDetail(t, f, tt.detail, tt.prefix)
		})
	}
	assert.Equal(t, 0, vb.p21.count(), "the producer saw nothing")
}
