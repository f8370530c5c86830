package pki

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A client certificate made here must carry the HSA-id in subject
// SERIALNUMBER and pass a real mutual-TLS handshake against a server
// certificate made here.
func TestMutualTLSRoundTrip(t *testing.T) {
	t.Parallel()
	ca, err := NewCA("test CA")
	require.NoError(t, err)
	srv, err := ca.IssueServer(Options{})
	require.NoError(t, err)
	cli, err := ca.IssueClient("SE2321000016-CONS1", Options{})
	require.NoError(t, err)

	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.TLS.PeerCertificates[0].Subject.SerialNumber)
	}))
	ts.TLS = &tls.Config{
		Certificates: []tls.Certificate{srv.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool(),
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs:      ca.Pool(),
		Certificates: []tls.Certificate{cli.TLSCertificate()},
	}}}
	resp, err := client.Get(ts.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "SE2321000016-CONS1", string(body))
}

func TestWriteAndLoadCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, err := NewCA("disk CA")
	require.NoError(t, err)
	certPath, keyPath, err := ca.WriteFiles(dir, "ca")
	require.NoError(t, err)
	loaded, err := LoadCA(certPath, keyPath)
	require.NoError(t, err)
	leaf, err := loaded.IssueClient("SE123-X", Options{})
	require.NoError(t, err)
	_, err = leaf.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err)

	_, err = LoadCA(filepath.Join(dir, "missing.pem"), keyPath)
	require.ErrorContains(t, err, "missing.pem")
}

func TestRevocationListNamesRevokedSerial(t *testing.T) {
	t.Parallel()
	ca, err := NewCA("crl CA")
	require.NoError(t, err)
	c, err := ca.IssueClient("SE1", Options{})
	require.NoError(t, err)
	crlPEM, err := ca.RevocationList([]*x509.Certificate{c.Cert}, 3600e9)
	require.NoError(t, err)
	rl, err := ParseCRLPEM(crlPEM)
	require.NoError(t, err)
	require.NoError(t, rl.CheckSignatureFrom(ca.Cert))
	require.Len(t, rl.RevokedCertificateEntries, 1)
	require.Equal(t, 0, rl.RevokedCertificateEntries[0].SerialNumber.Cmp(c.Cert.SerialNumber))
}
