package identity

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

func sharedDir(t *testing.T) string {
	t.Helper()
	return testutil.Shared(t)
}

func TestDecodeDNValueHexForm(t *testing.T) {
	t.Parallel()
	der, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagPrintableString, Bytes: []byte("SE2321000016-CONS1")})
	require.NoError(t, err)
	tests := []struct {
		name, in, want string
		err            bool
	}{
		{"plain", "SE123-ABC", "SE123-ABC", false},
		{"hex printable", "#" + strings.ToUpper(hexOf(der)), "SE2321000016-CONS1", false},
		{"bad hex", "#zz", "", true},
		{"compound", "#3003020101", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeDNValue(tt.in)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestSerialFromDN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dn, want string
		ok             bool
	}{
		{"rfc2253", "serialNumber=HSASERVICES-100S,CN=vp,OU=VP,C=se", "HSASERVICES-100S", true},
		{"oid", "CN=x,2.5.4.5=#131253453233323130303030313620434f4e5331,O=y", "SE2321000016 CONS1", true},
		{"upper", "SERIALNUMBER=SE1, CN=x", "SE1", true},
		{"none", "CN=SKLTP-TEST,OU=tp,O=SKLTP", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := SerialFromDN(tt.dn)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestHeaderCertForms ports VP's HeaderCertificateHelperImplTest forms with
// VP's own sample certificates: PEM flattened onto one line, PEM with line
// breaks, bare base64, a comma-separated chain, URL-encoded PEM, junk.
func TestHeaderCertForms(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(sharedDir(t), "samples", "skltp-vp", "certs")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return string(b)
	}
	pemText := read("client.pem")
	flat := read("clientPemWithWhiteSpaces.pem")
	c, err := ParseHeaderCert(pemText)
	require.NoError(t, err)
	bare := base64.StdEncoding.EncodeToString(c.Raw)
	tests := []struct {
		name, value, sender string
		wantErr             bool
	}{
		{"pem", pemText, "HSASERVICES-100S", false},
		{"pem on one line with spaces", flat, "", false},
		{"bare base64", bare, "HSASERVICES-100S", false},
		{"bare chain takes first", bare + "," + bare[:40], "HSASERVICES-100S", false},
		{"url encoded pem", strings.NewReplacer("\n", "%0A", " ", "%20", "+", "%2B", "/", "%2F", "=", "%3D").Replace(pemText), "HSASERVICES-100S", false},
		{"empty", "  ", "", true},
		{"junk", "not a cert", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cert, err := ParseHeaderCert(tt.value)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			if tt.sender != "" {
				got, ok := SenderFromCert(cert)
				assert.True(t, ok)
				assert.Equal(t, tt.sender, got)
			}
		})
	}
	for _, v := range []string{"not a cert", "CN=Hermione Granger, OU=Harmony", "-----BEGIN CERTIFICATE-----MIIB"} {
		_, err := ParseHeaderCert(v)
		assert.ErrorIs(t, err, ErrUnknownCertType, "%q is VP's unknown certificate type", v)
	}
	for _, v := range []string{"-----BEGIN CERTIFICATE-----This string will cause a parse error-----END CERTIFICATE-----", "MIIBnot base64"} {
		_, err := ParseHeaderCert(v)
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrUnknownCertType, "%q is a certificate that does not parse", v)
	}
	ou, err := ParseHeaderCert(read("cert_ou_is_tp.pem"))
	require.NoError(t, err)
	_, ok := SenderFromCert(ou)
	assert.False(t, ok, "a certificate with OU but no SERIALNUMBER has no sender (VP002)")
}

func TestAllowList(t *testing.T) {
	t.Parallel()
	a, err := NewAllowList([]string{"127.0.0.1", "10.0.0.0/8", "::1/128"})
	require.NoError(t, err)
	tests := []struct {
		name string
		addr string
		want bool
	}{
		{"exact", "127.0.0.1:5555", true},
		{"subnet", "10.200.3.4", true},
		{"prefix string is not a subnet", "127.0.0.10:1", false},
		{"ipv6 loopback", "[::1]:80", true},
		{"mapped v4", "[::ffff:10.1.1.1]:80", true},
		{"outside", "192.168.1.1:80", false},
		{"garbage", "nope", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, ok := a.AllowedString(tt.addr)
			assert.Equal(t, tt.want, ok)
		})
	}
	empty, err := NewAllowList(nil)
	require.NoError(t, err)
	assert.False(t, empty.Allowed(netip.MustParseAddr("127.0.0.1")), "an empty list denies all, as VP")
	_, err = NewAllowList([]string{"10.0.0/33"})
	assert.Error(t, err)
}

type tlsFixture struct {
	ca      *pki.CA
	dir     string
	files   ServerFiles
	srv     *Server
	httpSrv *httptest.Server
}

func newTLSFixture(t *testing.T, require_ bool) *tlsFixture {
	t.Helper()
	ca, err := pki.NewCA("identity test CA")
	require.NoError(t, err)
	srvCert, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	dir := t.TempDir()
	certPath, keyPath, err := srvCert.WriteFiles(dir, "server")
	require.NoError(t, err)
	caPath := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caPath, ca.CertPEM, 0o644))
	files := ServerFiles{Cert: certPath, Key: keyPath, ClientCA: caPath, RequireClientCert: require_}
	s, err := NewServer(files)
	require.NoError(t, err)
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			_, _ = io.WriteString(w, "no-cert")
			return
		}
		id, ok := SenderFromCert(r.TLS.PeerCertificates[0])
		if !ok {
			_, _ = io.WriteString(w, "no-serial")
			return
		}
		_, _ = io.WriteString(w, id)
	}))
	hs.TLS = s.TLSConfig()
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return &tlsFixture{ca: ca, dir: dir, files: files, srv: s, httpSrv: hs}
}

func (f *tlsFixture) client(t *testing.T, cert *pki.Cert) *http.Client {
	t.Helper()
	cfg := &tls.Config{RootCAs: f.ca.Pool()}
	if cert != nil {
		c := cert.TLSCertificate()
		cfg.Certificates = []tls.Certificate{c}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
}

func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestServerTLSSenderAndRevocation runs real handshakes: sender from
// SERIALNUMBER, no SERIALNUMBER, no certificate (reaches the handler in
// verify_if_given mode, fails in require mode), a certificate from another
// CA, and a CRL loaded by Reload that rejects a revoked certificate on the
// next handshake.
func TestServerTLSSenderAndRevocation(t *testing.T) {
	t.Parallel()
	f := newTLSFixture(t, false)
	good, err := f.ca.IssueClient("SE2321000016-CONS1", pki.Options{})
	require.NoError(t, err)
	noSerial, err := f.ca.Issue(pki.Options{CommonName: "no serial"})
	require.NoError(t, err)
	other, err := pki.NewCA("other")
	require.NoError(t, err)
	stranger, err := other.IssueClient("SE-STRANGER", pki.Options{})
	require.NoError(t, err)

	body, err := get(f.client(t, good), f.httpSrv.URL)
	require.NoError(t, err)
	assert.Equal(t, "SE2321000016-CONS1", body)
	body, err = get(f.client(t, noSerial), f.httpSrv.URL)
	require.NoError(t, err)
	assert.Equal(t, "no-serial", body)
	body, err = get(f.client(t, nil), f.httpSrv.URL)
	require.NoError(t, err)
	assert.Equal(t, "no-cert", body)
	sc := stranger.TLSCertificate()
	forced := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{
		RootCAs: f.ca.Pool(),
		// Go clients only send a certificate the server's CA list accepts; force it.
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &sc, nil },
	}}}
	_, err = get(forced, f.httpSrv.URL)
	assert.Error(t, err, "a certificate from an unknown CA fails the handshake")

	crl, err := f.ca.RevocationList([]*x509.Certificate{good.Cert}, 3600e9)
	require.NoError(t, err)
	crlPath := filepath.Join(f.dir, "ca.crl")
	require.NoError(t, os.WriteFile(crlPath, crl, 0o644))
	f.srv.files.CRL = []string{crlPath}
	require.NoError(t, f.srv.Reload())
	_, err = get(f.client(t, good), f.httpSrv.URL)
	assert.Error(t, err, "revoked after reload")
	assert.ErrorIs(t, f.srv.VerifyClient(good.Cert), errRevoked)
	require.NoError(t, f.srv.VerifyClient(noSerial.Cert))

	// A CRL from a CA outside the bundle is refused and the old material stays.
	otherCRL, err := other.RevocationList(nil, 3600e9)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(crlPath, otherCRL, 0o644))
	err = f.srv.Reload()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not signed by any certificate in the client CA bundle")
	_, err = get(f.client(t, good), f.httpSrv.URL)
	assert.Error(t, err, "old CRL still applies after a failed reload")
}

func TestRequireModeRejectsMissingCertInHandshake(t *testing.T) {
	t.Parallel()
	f := newTLSFixture(t, true)
	_, err := get(f.client(t, nil), f.httpSrv.URL)
	assert.Error(t, err)
}

// TestReloadServesNewCertificateOnNextHandshake guards hot reload.
func TestReloadServesNewCertificateOnNextHandshake(t *testing.T) {
	t.Parallel()
	f := newTLSFixture(t, false)
	seen := func() *x509.Certificate {
		conn, err := tls.Dial("tcp", f.httpSrv.Listener.Addr().String(), &tls.Config{RootCAs: f.ca.Pool(), ServerName: "localhost"})
		require.NoError(t, err)
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0]
	}
	first := seen()
	next, err := f.ca.IssueServer(pki.Options{CommonName: "renewed"})
	require.NoError(t, err)
	_, _, err = next.WriteFiles(f.dir, "server")
	require.NoError(t, err)
	require.NoError(t, f.srv.Reload())
	second := seen()
	assert.NotEqual(t, first.SerialNumber, second.SerialNumber)
	assert.Equal(t, "renewed", second.Subject.CommonName)
	assert.Equal(t, second.NotAfter, f.srv.Info().CertNotAfter)
}

func TestSenderFromCertIgnoresOtherAttributes(t *testing.T) {
	t.Parallel()
	c := &x509.Certificate{Subject: pkix.Name{CommonName: "x", OrganizationalUnit: []string{"tp"}}}
	_, ok := SenderFromCert(c)
	assert.False(t, ok)
	_, ok = SenderFromCert(nil)
	assert.False(t, ok)
}

// TestSenderDecodesOnce: a SERIALNUMBER is taken as the certificate holds
// it. One that reads "#0c..." (the RFC 2253 hex form of another HSA-id) is
// that text, not decoded a second time into the other HSA-id; two
// SERIALNUMBERs are refused, whatever they say.
func TestSenderDecodesOnce(t *testing.T) {
	t.Parallel()
	ca, err := pki.NewCA("sender CA")
	require.NoError(t, err)
	der, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte("SE-VICTIM")})
	require.NoError(t, err)
	hexForm := "#" + hexOf(der)
	serial := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: oidSerialNumber, Value: v}
	}
	tests := []struct {
		name   string
		serial string
		extra  []pkix.AttributeTypeAndValue
		want   string
		err    error
	}{
		{"plain", "SE-CONSUMER-1", nil, "SE-CONSUMER-1", nil},
		{"literal hex text stays text", hexForm, nil, hexForm, nil},
		{"two serial numbers", "", []pkix.AttributeTypeAndValue{serial("SE-A"), serial("SE-B")}, "", ErrTwoSerialNumbers},
		{"two, one in hex form", "", []pkix.AttributeTypeAndValue{serial("SE-A"), serial(hexForm)}, "", ErrTwoSerialNumbers},
		{"none", "", nil, "", ErrNoSerialNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ca.IssueClient(tt.serial, pki.Options{CommonName: "c", ExtraSubject: tt.extra})
			require.NoError(t, err)
			got, err := Sender(c.Cert)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.NotEqual(t, "SE-VICTIM", got)
		})
	}
}
