package benchkit

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/internal/pki"
)

// wellFormed reads every token of an XML document.
func wellFormed(t *testing.T, r io.Reader) {
	t.Helper()
	d := xml.NewDecoder(r)
	for {
		_, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err)
	}
}

func TestSOAPResponseHasExactSizeAndIsWellFormed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		size int
	}{{"2 KB", SmallSize}, {"odd size", 5000}, {"1 MB", OneMB}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := SOAPResponse(tc.size)
			require.Len(t, b, tc.size)
			wellFormed(t, bytes.NewReader(b))
			info, err := envelope.SniffBytes(b)
			require.NoError(t, err)
			assert.Equal(t, "GetSubjectOfCareScheduleResponse", info.Body.Local)
		})
	}
}

func TestRequestsRouteAndHaveExactSize(t *testing.T) {
	t.Parallel()
	small := Request(BenchContract, "SE2321000016-B000050")
	wellFormed(t, bytes.NewReader(small))
	for _, tc := range []struct {
		name string
		size int64
	}{{"small", 2000}, {"odd", 1<<20 + 7}, {"3 MB", 3 << 20}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := io.ReadAll(LargeRequest(BenchContract, "SE2321000016-B000050", tc.size))
			require.NoError(t, err)
			require.Len(t, b, int(tc.size))
			wellFormed(t, bytes.NewReader(b))
			info, err := envelope.SniffBytes(b)
			require.NoError(t, err)
			assert.Equal(t, BenchContract, info.Body.Space)
			assert.Equal(t, "SE2321000016-B000050", info.Receiver)
		})
	}
}

// mtlsProducer serves the bench producer over TLS that requires a client
// certificate from ca, as the gateway and nginx do.
func mtlsProducer(t *testing.T) (*httptest.Server, *tls.Config) {
	t.Helper()
	ca, err := pki.NewCA("benchkit test CA")
	require.NoError(t, err)
	srvCert, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	client, err := ca.IssueClient(BenchSender, pki.Options{})
	require.NoError(t, err)
	s := httptest.NewUnstartedServer(NewProducer())
	s.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert.TLSCertificate()}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool()}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s, &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{client.TLSCertificate()}, ServerName: "127.0.0.1"}
}

func TestLoadGeneratorAgainstPlainAndMutualTLS(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(NewProducer())
	t.Cleanup(plain.Close)
	tlsSrv, clientTLS := mtlsProducer(t)
	body := Request(BenchContract, "SE2321000016-B000050")
	for _, tc := range []struct {
		name   string
		target Target
	}{
		{"plain", Target{Name: "direct", Addr: plain.Listener.Addr().String(), Path: "/bench/small", Body: body}},
		{"mutual TLS", Target{Name: "tls", Addr: tlsSrv.Listener.Addr().String(), Path: "/bench/small", Body: body, TLS: clientTLS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			n, err := Probe(ctx, tc.target)
			require.NoError(t, err)
			assert.EqualValues(t, SmallSize, n)

			var started, ended bool
			r, err := MaxRate(ctx, tc.target, 2, 50*time.Millisecond, 200*time.Millisecond, Window{Start: func() { started = true }, End: func() { ended = true }})
			require.NoError(t, err)
			assert.True(t, started && ended, "window callbacks")
			assert.Zero(t, r.Errors, r.FirstErr)
			assert.Positive(t, r.Requests)
			assert.InDelta(t, 0.2, r.Duration.Seconds(), 0.15)

			f, err := FixedRate(ctx, tc.target, 2, 200, 50*time.Millisecond, 300*time.Millisecond, Window{})
			require.NoError(t, err)
			assert.Zero(t, f.Errors, f.FirstErr)
			// 200/s for 0.3 s: 60 scheduled calls in the measured window.
			assert.InDelta(t, 60, len(f.Latencies), 3)
			assert.LessOrEqual(t, f.Quantile(0.5), f.Quantile(0.99))
		})
	}
}

func TestLoadGeneratorCountsErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	target := Target{Name: "failing", Addr: srv.Listener.Addr().String(), Path: "/", Body: []byte("<x/>")}
	_, err := Probe(context.Background(), target)
	require.ErrorContains(t, err, "HTTP 500")
	r, err := MaxRate(context.Background(), target, 1, 0, 100*time.Millisecond, Window{})
	require.NoError(t, err)
	assert.Zero(t, r.Requests)
	assert.Positive(t, r.Errors)
	assert.Equal(t, "HTTP 500", r.FirstErr)
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	var xs []time.Duration
	for i := 1; i <= 1000; i++ {
		xs = append(xs, time.Duration(i))
	}
	for _, tc := range []struct {
		name string
		q    float64
		want time.Duration
	}{{"p50", 0.5, 500}, {"p99", 0.99, 990}, {"p99.9", 0.999, 999}, {"max", 1, 1000}, {"min", 0, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Quantile(xs, tc.q))
		})
	}
	assert.Zero(t, Quantile(nil, 0.5))
}

func TestReadProcSeesCPUAndChildren(t *testing.T) {
	t.Parallel()
	st, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, st.PeakRSS)
	assert.GreaterOrEqual(t, st.PeakRSS, st.RSS)
	// Burn ~100 ms of CPU: the tick counter must move.
	deadline := time.Now().Add(100 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	st2, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, st2.CPU, st.CPU, "spun %d times", x)

	cmd := exec.Command("sleep", "5")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	assert.Contains(t, Children(os.Getpid()), cmd.Process.Pid)
	g := Group{Name: "sleep", PIDs: []int{cmd.Process.Pid}}
	gs, err := g.Read()
	require.NoError(t, err)
	assert.Positive(t, gs.PeakRSS)
	_, err = ReadProc(1 << 30)
	assert.Error(t, err)
}

func TestCatalogueRoutesTheBenchCalls(t *testing.T) {
	t.Parallel()
	loc, err := takdata.LoadZone("")
	require.NoError(t, err)
	d := Catalogue(1000, "http://127.0.0.1:9/bench", loc)
	require.Len(t, d.Routes, 1002)
	require.Len(t, d.Permissions, 1002)
	for _, f := range []takformat.Format{takformat.YAML, takformat.Cache, takformat.JSON} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			require.NoError(t, takformat.Write(&b, f, d, takformat.Options{Location: loc}))
			back, err := takformat.Read("gen."+string(f), b.Bytes(), takformat.Options{Location: loc})
			require.NoError(t, err)
			c := tak.Build(back, nil, tak.BuildOptions{})
			at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			for _, tc := range []struct{ receiver, address string }{
				{BenchReceiver(1000), "http://127.0.0.1:9/bench/small"},
				{LargeReceiver, "http://127.0.0.1:9/bench/100mb"},
				{OneMBReceiver, "http://127.0.0.1:9/bench/1mb"},
			} {
				dec := c.Decide(tak.Query{Contract: BenchContract, Receiver: tc.receiver, Sender: BenchSender, At: at})
				require.Nil(t, dec.Fault, "%s: %v", tc.receiver, dec.Fault)
				require.NotNil(t, dec.Route)
				assert.Equal(t, tc.address, dec.Route.Address)
			}
		})
	}
}

func TestNginxConfigIsAccepted(t *testing.T) {
	t.Parallel()
	nginx := "/usr/sbin/nginx"
	if _, err := os.Stat(nginx); err != nil {
		t.Skip("nginx missing: apt-get install -y nginx-light (scripts/test.sh installs it)")
	}
	ca, err := pki.NewCA("benchkit nginx CA")
	require.NoError(t, err)
	srv, err := ca.IssueServer(pki.Options{})
	require.NoError(t, err)
	dir := t.TempDir()
	cert, key, err := srv.WriteFiles(dir, "server")
	require.NoError(t, err)
	caPath := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caPath, ca.CertPEM, 0o644))
	conf, err := NginxConfig{Dir: dir, Listen: "127.0.0.1:1", Upstream: "127.0.0.1:2", Workers: 1, Cert: cert, Key: key, ClientCA: caPath}.Write()
	require.NoError(t, err)
	out, err := exec.Command(nginx, "-t", "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.True(t, strings.Contains(string(out), "test is successful"), "%s", out)
}
