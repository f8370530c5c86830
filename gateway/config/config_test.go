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
	assert.Equal(t, 100*time.Millisecond, c.Logging.FlushInterval.D())
	assert.Equal(t, 100*time.Millisecond, Default().Logging.FlushInterval.D())
}

func TestLogFlushInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml    string
		want    time.Duration
		problem string
	}{
		{yaml: "logging: {level: info}", want: DefaultLogFlushInterval},
		{yaml: "logging: {flush_interval: 0s}", want: 0},
		{yaml: "logging: {flush_interval: 2s}", want: 2 * time.Second},
		{yaml: "logging: {flush_interval: -1s}", problem: `g.yaml:2:27: logging.flush_interval: "-1s" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			c, err := Parse("g.yaml", []byte("tls: {cert: a, key: b, client_ca: c}\n"+tt.yaml+"\n"))
			if tt.problem != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.problem)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Logging.FlushInterval.D())
		})
	}
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
		{"https without certs", "listen: {https: '127.0.0.1:1'}\n", []string{`g.yaml: tls: missing required key "cert" when listen.https is set`, `tls: missing required key "key"`, `tls: missing required key "client_ca"`}},
		{"https with empty certs", "listen: {https: '127.0.0.1:1'}\ntls: {cert: '', key: k}\n", []string{`g.yaml:2:13: tls.cert: required when listen.https is set`, `g.yaml:2: tls: missing required key "client_ca" when listen.https is set`}},
		{"short secret", "tls: {cert: a, key: b, client_ca: c}\nhttp: {internal_secret: abc}\n", []string{"g.yaml:2:", "http.internal_secret: too short"}},
		{"bad client auth", "tls: {cert: a, key: b, client_ca: c, client_auth: maybe}\n", []string{"tls.client_auth", "maybe"}},
		{"negative call cap", "tls: {cert: a, key: b, client_ca: c}\nlimits: {max_calls_per_consumer: -2}\n", []string{"g.yaml:2:", "limits.max_calls_per_consumer", "-1 for none"}},
		{"duplicate timeout keys", "tls: {cert: a, key: b, client_ca: c}\nproducers:\n  timeouts: {'urn:a:1': 1s, 'URN:A:1': 2s}\n", []string{"case-insensitive"}},
		{"bad timezone", "tls: {cert: a, key: b, client_ca: c}\ntak: {timezone: Mars/Olympus}\n", []string{"tak.timezone"}},
		{"no listener", "listen: {https: '', http: ''}\n", []string{"no service listener"}},
		{"syntax", "tls: [\n", []string{"g.yaml:"}},
		{"every unknown key, in document order", "zeta: 1\ntls: {cert: a, key: b, client_ca: c, colour: red}\n", []string{"g.yaml:1:1: zeta: unknown key \"zeta\"\ng.yaml:2:38: tls.colour: unknown key \"colour\""}},
		{"an empty file's problems name it", "", []string{`g.yaml: tls: missing required key "cert"`}},
		{"credentials in tak.url, masked", "tls: {cert: a, key: b, client_ca: c}\ntak:\n  url: 'https://svc:s3cret@tak.example/v2'\n", []string{"g.yaml:3:", "tak.url", `"https://xxxxx@tak.example/v2" carries credentials`, "tak.username and tak.password"}},
		{"tak.url not http", "tls: {cert: a, key: b, client_ca: c}\ntak: {url: 'ftp://tak.example/v2'}\n", []string{"tak.url", "want http:// or https://"}},
		{"password without username", "tls: {cert: a, key: b, client_ca: c}\ntak: {password: {env: TAK_PW}}\n", []string{"tak.username and tak.password go together"}},
		{"secret from file and env", "tls: {cert: a, key: b, client_ca: c}\nadmin: {token: {file: t, env: T}}\n", []string{"admin.token", "not both"}},
		{"bad env name", "tls: {cert: a, key: b, client_ca: c}\nadmin: {token: {env: 'A-B'}}\n", []string{"admin.token.env", `"A-B"`}},
		{"bad allowed host", "tls: {cert: a, key: b, client_ca: c}\nadmin: {allowed_hosts: ['http://x/']}\n", []string{"admin.allowed_hosts[0]"}},
		{"public url with a path", "tls: {cert: a, key: b, client_ca: c}\ncontracts: {public_url: 'https://gw.example/vp'}\n", []string{"g.yaml:2:", "contracts.public_url", "no path"}},
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

// TestAllProblemsInOneRun: unknown keys (with the known key they are a
// near miss of), bad values, missing required keys (at their section's
// line) and values out of range come together, in document order: no
// problem hides another.
func TestAllProblemsInOneRun(t *testing.T) {
	t.Parallel()
	const file = `instance: {name: x, id: gw-1}
listen:
  https: "127.0.0.1:99999"
  admn: "127.0.0.1:20001"
tls: {cert: a, key: b, clientca: c}
producers:
  timeout: soon
  Max_Conns_Per_Host: 2
logging: {level: loud}
`
	_, err := Parse("g.yaml", []byte(file))
	require.Error(t, err)
	want := `g.yaml:3:10: listen.https: "127.0.0.1:99999": port 99999 is out of range 0-65535
g.yaml:4:3: listen.admn: unknown key "admn" (did you mean admin?)
g.yaml:5: tls: missing required key "client_ca" when listen.https is set
g.yaml:5:24: tls.clientca: unknown key "clientca" (did you mean client_ca?)
g.yaml:7:12: producers.timeout: "soon" is not a duration (want e.g. 2s, 500ms, 5m)
g.yaml:8:3: producers.Max_Conns_Per_Host: unknown key "Max_Conns_Per_Host" (did you mean max_conns_per_host?)
g.yaml:9:18: logging.level: "loud": want debug, info, warn or error`
	assert.Equal(t, want, err.Error())

	// A value the decoder refused is left zero, and not reported again
	// by the check that it is given.
	_, err = Parse("g.yaml", []byte("tls: {cert: [a], key: b, client_ca: c}\n"))
	assert.EqualError(t, err, "g.yaml:1:13: tls.cert: cannot unmarshal []interface {} into Go value of type string")
}

// TestAddressesAndPorts: listen addresses, tak.url and contracts.public_url
// are checked when the file loads: a port out of range, a malformed
// host:port, a host that is no host, each named with file:line.
func TestAddressesAndPorts(t *testing.T) {
	t.Parallel()
	const base = "tls: {cert: a, key: b, client_ca: c}\n"
	tests := []struct {
		name, yaml, want string // want "" = loads
	}{
		{"port out of range", "listen: {https: '127.0.0.1:99999'}", `g.yaml:2:17: listen.https: "127.0.0.1:99999": port 99999 is out of range 0-65535`},
		{"admin port out of range", "listen: {admin: ':70000'}", `g.yaml:2:17: listen.admin: ":70000": port 70000 is out of range 0-65535`},
		{"http port not a number", "listen: {http: 'localhost:http'}", `g.yaml:2:16: listen.http: "localhost:http": port "http" is not a number`},
		{"negative port", "listen: {http: '127.0.0.1:-1'}", `listen.http: "127.0.0.1:-1": port "-1" is not a number`},
		{"no port", "listen: {https: '127.0.0.1'}", `g.yaml:2:17: listen.https: "127.0.0.1" is not host:port: address 127.0.0.1: missing port in address`},
		{"empty port", "listen: {https: '127.0.0.1:'}", `listen.https: "127.0.0.1:": no port`},
		{"bad host", "listen: {https: 'gw host:443'}", `listen.https: "gw host:443": host "gw host" is not a host name or IP address`},
		{"unclosed bracket", "listen: {https: '[::1:443'}", `listen.https: "[::1:443" is not host:port`},
		{"tak.url port", "tak: {url: 'https://tak.example:99999/v2'}", `g.yaml:2:12: tak.url: "https://tak.example:99999/v2": port 99999 is out of range 1-65535`},
		{"tak.url port zero", "tak: {url: 'https://tak.example:0/v2'}", `tak.url: "https://tak.example:0/v2": port 0 is out of range 1-65535`},
		{"tak.url without a host", "tak: {url: 'https://:8443/v2'}", `tak.url: "https://:8443/v2": want http:// or https:// with a host`},
		{"public url port", "contracts: {public_url: 'https://gw.example:65536'}", `g.yaml:2:25: contracts.public_url: "https://gw.example:65536": port 65536 is out of range 1-65535`},
		{"ephemeral and all interfaces", "listen: {https: ':0', http: '[::1]:8080', admin: 'localhost:65535'}", ""},
		{"tak.url port in range", "tak: {url: 'https://tak.example:8443/v2'}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("g.yaml", []byte(base+tt.yaml+"\n"))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestSecrets: secrets come from a file (relative to the config, trailing
// newline dropped) or an environment variable, never the config itself;
// errors name the source, never the value.
func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(dir+"/tak-password", []byte("pw-from-file\n"), 0o600))
	require.NoError(t, os.WriteFile(dir+"/empty", nil, 0o600))
	t.Setenv("RIVGATE_TEST_TOKEN", "token-from-env")
	c, err := Parse(dir+"/g.yaml", []byte("tls: {cert: a, key: b, client_ca: c}\n"+
		"tak: {url: 'https://tak.example/v2', username: svc, password: {file: tak-password}}\n"+
		"admin: {token: {env: RIVGATE_TEST_TOKEN}, allowed_hosts: [gw-admin.example]}\n"+
		"contracts: {public_url: 'https://gw.example:443'}\n"))
	require.NoError(t, err)
	pw, err := c.TAK.Password.Read()
	require.NoError(t, err)
	assert.Equal(t, "pw-from-file", pw)
	tok, err := c.Admin.Token.Read()
	require.NoError(t, err)
	assert.Equal(t, "token-from-env", tok)

	for _, s := range []Secret{{File: dir + "/empty"}, {File: dir + "/missing"}, {Env: "RIVGATE_TEST_UNSET"}} {
		_, err := s.Read()
		assert.Error(t, err, "%+v", s)
	}
	assert.False(t, Secret{}.IsSet())
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

// TestProducerTLSProfiles: profiles load with their paths resolved, take
// the keys they leave out from the producers section, and every mistake
// is named by its key.
func TestProducerTLSProfiles(t *testing.T) {
	t.Parallel()
	const base = "tls: {cert: a, key: b, client_ca: c}\n"
	good := base + `producers:
  cert: gw.pem
  key: gw.key
  ca: roots.pem
  tls_profiles:
    - name: legacy
      match: {domain_suffix: .legacy.example.se, port: 8443}
      ca: legacy-ca.pem
      verify_hostname: false
      tls_max_version: "1.2"
    - name: partner
      match: {host: partner.example.se}
      cert: partner.pem
      key: partner.key
`
	c, err := Parse("/etc/rivgate/gateway.yaml", []byte(good))
	require.NoError(t, err)
	assert.Equal(t, "1.2", c.Producers.TLSMinVersion)
	assert.Equal(t, "1.3", c.Producers.TLSMaxVersion)
	require.Len(t, c.Producers.TLSProfiles, 2)
	legacy := c.Producers.TLSProfiles[0].Effective(&c.Producers)
	assert.Equal(t, ProducerMatch{DomainSuffix: ".legacy.example.se", Port: 8443}, c.Producers.TLSProfiles[0].Match)
	assert.Equal(t, "/etc/rivgate/legacy-ca.pem", legacy.CA)
	assert.Equal(t, "/etc/rivgate/gw.pem", legacy.Cert, "cert and key are inherited as a pair")
	assert.Equal(t, "/etc/rivgate/gw.key", legacy.Key)
	assert.False(t, On(legacy.VerifyHostname))
	assert.Equal(t, "1.2", legacy.TLSMinVersion)
	assert.Equal(t, "1.2", legacy.TLSMaxVersion)
	partner := c.Producers.TLSProfiles[1].Effective(&c.Producers)
	assert.Equal(t, "/etc/rivgate/partner.pem", partner.Cert)
	assert.Equal(t, "/etc/rivgate/roots.pem", partner.CA)
	assert.True(t, On(partner.VerifyHostname))

	tests := []struct {
		name, profiles string
		want           []string
	}{
		{"unknown key", "- {name: a, match: {port: 1}, crt: x.pem}", []string{"g.yaml:4:", `unknown key "crt"`}},
		{"no name", "- {match: {port: 1}}", []string{`g.yaml:4: producers.tls_profiles[0]: missing required key "name" (it names the profile in the exchange log)`}},
		{"empty name", "- {name: '', match: {port: 1}}", []string{"g.yaml:4:14: producers.tls_profiles[0].name: required (it names the profile in the exchange log)"}},
		{"default is taken", "- {name: Default, match: {port: 1}}", []string{"producers.tls_profiles[0].name", `"Default"`}},
		{"duplicate name", "- {name: a, match: {port: 1}}\n    - {name: A, match: {port: 2}}", []string{"g.yaml:5:", "producers.tls_profiles[1].name", "tls_profiles[0]"}},
		{"no match", "- {name: a}", []string{"producers.tls_profiles[0].match: give host"}},
		{"host and suffix", "- {name: a, match: {host: x.se, domain_suffix: se}}", []string{"producers.tls_profiles[0].match: host and domain_suffix"}},
		{"host with port", "- {name: a, match: {host: 'x.se:443'}}", []string{"producers.tls_profiles[0].match.host", "no scheme, port or path"}},
		{"bad port", "- {name: a, match: {port: 70000}}", []string{"producers.tls_profiles[0].match.port", "70000"}},
		{"cert without key", "- {name: a, match: {port: 1}, cert: c.pem}", []string{"producers.tls_profiles[0].cert: cert and key go together"}},
		{"bad version", "- {name: a, match: {port: 1}, tls_min_version: '1.1'}", []string{"producers.tls_profiles[0].tls_min_version", `"1.1": want 1.2 or 1.3`}},
		{"min above max", "- {name: a, match: {port: 1}, tls_min_version: '1.3', tls_max_version: '1.2'}", []string{"producers.tls_profiles[0].tls_min_version: 1.3 is above"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("g.yaml", []byte(base+"producers:\n  tls_profiles:\n    "+tt.profiles+"\n"))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	_, err = Parse("g.yaml", []byte(base+"producers: {tls_min_version: '1.3', tls_max_version: '1.2'}\n"))
	assert.ErrorContains(t, err, "producers.tls_min_version: 1.3 is above tls_max_version 1.2")
}
