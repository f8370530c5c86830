package config

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const minimal = `
instance: {name: "NTjP Test", id: "rivgate-1"}
listen: {https: "127.0.0.1:20000", http: "", admin: "127.0.0.1:20001"}
tls: {cert: server.pem, key: server.key, client_ca: ca.pem, crl: []}
tak: {files: [tak.yaml], hsa_files: [hsa.xml], url: "", cache_file: "", poll: 5m, timezone: Europe/Stockholm}
producers: {cert: "", key: "", ca: "", connect_timeout: 2s, timeout: 29s, timeouts: {"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1": 10s}}
contracts: {dir: ""}
limits: {max_body: 50MiB}
`

// TestIssueExampleLoads guards the key set issue 5 promises operators.
func TestIssueExampleLoads(t *testing.T) {
	t.Parallel()
	c, err := Parse("/etc/rivgate/gateway.yaml", []byte(minimal))
	require.NoError(t, err)
	assert.Equal(t, "NTjP Test", c.Instance.Name)
	assert.Equal(t, "/etc/rivgate/server.pem", c.TLS.Cert, "relative paths resolve against the config file")
	assert.Equal(t, []string{"/etc/rivgate/tak.yaml"}, c.TAK.Files)
	assert.Equal(t, 5*time.Minute, c.TAK.Poll.D())
	assert.Equal(t, ByteSize(50<<20), c.Limits.MaxBody)
	assert.Equal(t, 10*time.Second, c.Producers.TimeoutFor("URN:RIV:CRM:SCHEDULING:GetSubjectOfCareScheduleResponder:1"),
		"per-contract timeouts are keyed case-insensitively")
	assert.Equal(t, 29*time.Second, c.Producers.TimeoutFor("urn:other:1"))
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse("g.yaml", []byte("tls: {cert: a, key: b, client_ca: c}\n"))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:20000", c.Listen.HTTPS)
	assert.Equal(t, "127.0.0.1:20001", c.Listen.Admin)
	assert.Equal(t, "/vp", c.Listen.PathPrefix)
	assert.Equal(t, "verify_if_given", c.TLS.ClientAuth)
	assert.Equal(t, "x-vp-auth-cert", c.HTTP.CertHeader)
	assert.Equal(t, 2*time.Second, c.Producers.ConnectTimeout.D())
	assert.Equal(t, 29*time.Second, c.Producers.Timeout.D())
	assert.Equal(t, 256, c.Producers.MaxIdleConnsPerHost)
	assert.True(t, On(c.Producers.VerifyHostname))
	assert.True(t, On(c.Producers.Retry))
	assert.True(t, On(c.RoutingHistory.Enabled))
	assert.Equal(t, ByteSize(1<<20), c.Limits.MaxHead)
	assert.Equal(t, "rivgate", c.Platform.LogicalAddress)
	// Slow peers and floods (issue 19).
	assert.Equal(t, 20*time.Second, c.Listen.WriteTimeout.D())
	assert.Equal(t, 10*time.Second, c.Listen.LingerTime.D())
	assert.Equal(t, ByteSize(128<<20), c.Listen.LingerBytes)
	assert.Equal(t, ByteSize(4<<10), c.Limits.MinRate)
	assert.Equal(t, 10*time.Second, c.Limits.RateGrace.D())
	assert.Equal(t, 200, c.Limits.MaxCallsPerConsumer)
	assert.Equal(t, ByteSize(1<<20), c.Producers.MaxHeaderBytes)
	assert.Empty(t, c.Producers.PassResponseHeaders)
}

func TestListenerCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	c, err := Parse("g.yaml", []byte("listen: {https: '', http: '127.0.0.1:0', admin: ''}\n"))
	require.NoError(t, err)
	assert.Empty(t, c.Listen.HTTPS)
	assert.Empty(t, c.Listen.Admin)
}

func TestErrorsNameFileLineAndField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown top-level key", "instance: {name: x}\nlisten_typo: 1\n", []string{"g.yaml:2:", `unknown key "listen_typo"`}},
		{"unknown nested key", "tls:\n  cert: a\n  key: b\n  client_ca: c\n  clientca: d\n", []string{"g.yaml:5:", `"clientca"`}},
		{"bad duration", "tls: {cert: a, key: b, client_ca: c}\nproducers:\n  timeout: soon\n", []string{"g.yaml:3:", "producers.timeout", `"soon" is not a duration`}},
		{"bad size", "tls: {cert: a, key: b, client_ca: c}\nlimits:\n  max_body: lots\n", []string{"g.yaml:3:", "limits.max_body", `"lots" is not a size`}},
		{"bad cidr", "tls: {cert: a, key: b, client_ca: c}\nhttp:\n  allowed_cidrs: [10.0.0.0/8, 10.0.0/33]\n", []string{"g.yaml:3:", "http.allowed_cidrs[1]", "not a CIDR"}},
		{"https without certs", "listen: {https: '127.0.0.1:1'}\n", []string{"tls.cert: required", "tls.key: required", "tls.client_ca: required"}},
		{"short secret", "tls: {cert: a, key: b, client_ca: c}\nhttp: {internal_secret: abc}\n", []string{"g.yaml:2:", "http.internal_secret: too short"}},
		{"bad client auth", "tls: {cert: a, key: b, client_ca: c, client_auth: maybe}\n", []string{"tls.client_auth", "maybe"}},
		{"negative call cap", "tls: {cert: a, key: b, client_ca: c}\nlimits: {max_calls_per_consumer: -2}\n", []string{"g.yaml:2:", "limits.max_calls_per_consumer", "-1 for none"}},
		{"duplicate timeout keys", "tls: {cert: a, key: b, client_ca: c}\nproducers:\n  timeouts: {'urn:a:1': 1s, 'URN:A:1': 2s}\n", []string{"case-insensitive"}},
		{"bad timezone", "tls: {cert: a, key: b, client_ca: c}\ntak: {timezone: Mars/Olympus}\n", []string{"tak.timezone"}},
		{"no listener", "listen: {https: '', http: ''}\n", []string{"no service listener"}},
		{"syntax", "tls: [\n", []string{"g.yaml:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("g.yaml", []byte(tt.yaml))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestByteSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want ByteSize
		err  bool
	}{
		{"mib", "50MiB", 50 << 20, false},
		{"mb", "100MB", 100_000_000, false},
		{"plain", "4096", 4096, false},
		{"kib spaced", "64 KiB", 64 << 10, false},
		{"negative", "-1", 0, true},
		{"junk", "ten", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseByteSize(tt.in)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, "50MiB", ByteSize(50<<20).String())
}

// TestExampleConfigInFixtures keeps fixtures/gateway/gateway.yaml valid.
func TestExampleConfigInFixtures(t *testing.T) {
	t.Parallel()
	path := testutil.Fixture(t, "gateway", "gateway.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("example config missing: %v", err)
	}
	c, err := Load(path)
	require.NoError(t, err)
	assert.NotEmpty(t, c.Instance.Name)
	assert.True(t, strings.HasSuffix(c.TLS.Cert, ".pem"))
}
