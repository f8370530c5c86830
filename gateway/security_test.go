package gateway

import (
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"crypto/x509/pkix"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
	"github.com/rivgate/rivgate/internal/pki"
)

// The tests here are what a hostile consumer, a careless neighbour on the
// host or a leaked config could do (issue 19), each over real sockets.

// oneRoute is a TAK YAML with one route, RIVTA21REQUEST with the schedule
// contract to address, and sender's permission for it.
func oneRoute(address, sender string) string {
	return fill(`
routes:
  - {receiver: RIVTA21REQUEST, contract: "{{NS}}", profile: RIVTABP21, address: "{{A}}"}
permissions:
  - {sender: "{{S}}", receiver: RIVTA21REQUEST, contract: "{{NS}}"}
`, "{{NS}}", scheduleNS, "{{A}}", address, "{{S}}", sender)
}

// caseVariant flips the case of s's letters by the bits of i, so each i
// below 2^10 gives another spelling.
func caseVariant(s string, i int) string {
	b := []byte(s)
	bit := 0
	for k, c := range b {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') || bit >= 10 {
			continue
		}
		if i&(1<<bit) != 0 {
			b[k] = c ^ 0x20
		}
		bit++
	}
	return string(b)
}

// metricsWhenIdle reads /metrics once no call is in flight: a call's
// metrics are written just after its answer went out.
func metricsWhenIdle(t *testing.T, b *bed) string {
	t.Helper()
	var body string
	require.Eventually(t, func() bool {
		var code int
		code, body = adminGet(t, b, "/metrics")
		return code == 200 && strings.Contains(body, "rivgate_gateway_in_flight_requests 0")
	}, 5*time.Second, 5*time.Millisecond)
	return body
}

// TestMetricsLabelsBounded: case variants of a routed namespace route
// (lookup ignores case), and unknown namespaces are refused, yet /metrics
// keeps one series per catalogue contract, VP code and status: the label is
// the catalogue's spelling, and "unknown" for what it does not know.
func TestMetricsLabelsBounded(t *testing.T) {
	t.Parallel()
	vb := newVPBed(t)
	const n = 30
	for i := 1; i <= n; i++ {
		variant := []byte(caseVariant(scheduleNS, i))
		require.NotEqual(t, scheduleNS, string(variant))
		ok := bytes.ReplaceAll(sample(t, "Rivta21Request.xml", ""), []byte(scheduleNS), variant)
		r := vb.post(t, vb.client, HTTPS, ok, nil)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		noPerm := bytes.ReplaceAll(sample(t, "Rivta21Request.xml", "NOPERM"), []byte(scheduleNS), variant)
		require.Equal(t, vpfault.VP007, vb.post(t, vb.client, HTTPS, noPerm, nil).fault(t).Code)
		unknown := bytes.ReplaceAll(sample(t, "Rivta21Request.xml", ""), []byte(scheduleNS), fmt.Appendf(nil, "urn:riv:x:Made%dUpResponder:1", i))
		require.Equal(t, vpfault.VP004, vb.post(t, vb.client, HTTPS, unknown, nil).fault(t).Code)
	}
	want := []string{
		scheduleNS + " 200  " + fmt.Sprint(n),
		scheduleNS + " 500 VP007 " + fmt.Sprint(n),
		"unknown 500 VP004 " + fmt.Sprint(n),
	}
	seriesRE := regexp.MustCompile(`(?m)^rivgate_gateway_requests_total\{contract="([^"]*)",status="([^"]*)",vp_code="([^"]*)"\} (\d+)$`)
	read := func() []string {
		var got []string
		for _, s := range seriesRE.FindAllStringSubmatch(metricsWhenIdle(t, vb.bed), -1) {
			got = append(got, s[1]+" "+s[2]+" "+s[3]+" "+s[4])
		}
		slices.Sort(got)
		return got
	}
	// The counter is written after the answer went out and after the
	// in-flight gauge fell (CI once read 29 of 30): wait for the last call's.
	slices.Sort(want)
	var got []string
	assert.Eventually(t, func() bool { got = read(); return slices.Equal(got, want) }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, want, got)
	assert.Equal(t, 2, strings.Count(metricsWhenIdle(t, vb.bed), "rivgate_gateway_request_duration_seconds_count{"), "one duration series per label value")
}

// TestTAKCredentials: credentials in tak.url are refused (they would be
// shown); given as tak.username and tak.password (from a file) they reach
// TAK as Basic authentication and appear nowhere: not in
// PingForConfiguration's TakSource/TakMessage, not on /status, not in the
// log.
func TestTAKCredentials(t *testing.T) {
	t.Parallel()
	const ping = "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"
	p := newProducer(t, nil)
	standIn := taktest.NewStandInData(t, &takdata.Data{
		Routes:      []takdata.Route{taktest.R("RIVTA21REQUEST", scheduleNS, rivta.RIVTABP21, p.srv.URL+"/from-tak")},
		Permissions: []takdata.Permission{taktest.P(consumerID, "SE-PLATFORM", ping)},
	})
	const password = "s3cret-tak-pw"
	b := newBed(t, "", func(b *bed) {
		pwFile := filepath.Join(b.dir, "tak-password")
		require.NoError(t, os.WriteFile(pwFile, []byte(password+"\n"), 0o600))
		b.cfg.TAK.Files, b.cfg.TAK.URL = nil, standIn.URL
		b.cfg.TAK.Username, b.cfg.TAK.Password = "rivgate-svc", config.Secret{File: pwFile}
		b.cfg.TAK.Poll = 0
		b.cfg.Platform.LogicalAddress = "SE-PLATFORM"
	})
	basic := base64.StdEncoding.EncodeToString([]byte("rivgate-svc:" + password))
	rec := standIn.Received()
	require.NotEmpty(t, rec)
	for _, r := range rec {
		assert.Equal(t, "Basic "+basic, r.Header.Get("Authorization"))
	}

	req := []byte(strings.Replace(string(sample(t, "PingForConfiguration-request-rivtabp21-input.xml", "")), ">local-ping-producer<", ">SE-PLATFORM<", 1))
	r := b.post(t, b.client, HTTPS, req, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Contains(t, string(r.body), standIn.URL, "TakSource names the TAK URL")
	_, status := adminGet(t, b, "/status")
	_, metrics := adminGet(t, b, "/metrics")
	for what, text := range map[string]string{"ping": string(r.body), "status": status, "metrics": metrics, "log": b.logs.String()} {
		assert.NotContains(t, text, password, what)
		assert.NotContains(t, text, basic, what)
	}

	withUserinfo := *b.cfg
	withUserinfo.TAK.Username, withUserinfo.TAK.Password = "", config.Secret{}
	withUserinfo.TAK.URL = strings.Replace(standIn.URL, "http://", "http://rivgate-svc:"+password+"@", 1)
	_, err := New(&withUserinfo, Deps{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tak.url")
	assert.Contains(t, err.Error(), "http://xxxxx@127.0.0.1")
	assert.NotContains(t, err.Error(), password)
}

// TestProducerCredentialsNeverShown: a catalogue address carrying
// user:password@ is refused with VP009 whose detail (sent to the consumer)
// and exchange log line show it masked; nothing reaches the producer.
func TestProducerCredentialsNeverShown(t *testing.T) {
	t.Parallel()
	p := newProducer(t, nil)
	addr := strings.Replace(p.srv.URL, "http://", "http://svc:pr0ducer-pw@", 1) + "/x"
	b := newBed(t, oneRoute(addr, consumerID))
	r := b.post(t, b.client, HTTPS, sample(t, "Rivta21Request.xml", ""), http.Header{"X-Skltp-Correlation-Id": {"masked-1"}})
	f := r.fault(t)
	assert.Equal(t, vpfault.VP009, f.Code)
	assert.Contains(t, f.DetailString, strings.Replace(p.srv.URL, "http://", "http://xxxxx@", 1)+"/x. Invalid producer address in the catalogue: carries credentials")
	line := exchangeLine(t, b.logs, "masked-1")
	assert.Equal(t, strings.Replace(addr, "svc:pr0ducer-pw", "xxxxx", 1), line["producer"])
	assert.NotContains(t, string(r.body), "pr0ducer-pw")
	assert.NotContains(t, b.logs.String(), "pr0ducer-pw")
	assert.Zero(t, p.count())
}

// TestCertificateSerialDecodedOnce: a client certificate whose
// SERIALNUMBER is the text "#0c09..." (the RFC 2253 hex form of another
// consumer's HSA-id) is that text, so it gets VP007, not the other
// consumer's permission; one with two SERIALNUMBERs gets VP002 saying why.
func TestCertificateSerialDecodedOnce(t *testing.T) {
	t.Parallel()
	const victim = "SE-VICTIM"
	p := newProducer(t, nil)
	b := newBed(t, oneRoute(p.srv.URL+"/x", victim))
	der, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(victim)})
	require.NoError(t, err)
	hexText := "#" + hex.EncodeToString(der)
	serial := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 5}, Value: v}
	}
	tests := []struct {
		name   string
		opt    pki.Options
		code   vpfault.Code
		detail string
	}{
		{"hex text is not decoded again", pki.Options{SerialNumber: hexText}, vpfault.VP007, "senderId: " + hexText},
		{"two serial numbers", pki.Options{ExtraSubject: []pkix.AttributeTypeAndValue{serial("SE-OTHER"), serial(victim)}}, vpfault.VP002,
			"Ambiguous senderId in Certificate: the subject holds more than one SERIALNUMBER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.CommonName = "consumer"
			cert, err := b.ca.IssueClient(tt.opt.SerialNumber, tt.opt)
			require.NoError(t, err)
			r := b.post(t, b.clientWith(cert), HTTPS, sample(t, "Rivta21Request.xml", ""), nil)
			f := r.fault(t)
			assert.Equal(t, tt.code, f.Code)
			assert.Contains(t, f.DetailString, tt.detail)
		})
	}
	assert.Zero(t, p.count(), "nothing reached the producer")
}

// TestAdminPort: reloads need POST; a Host that is not an IP address,
// localhost or admin.allowed_hosts is refused (DNS rebinding), as is a
// reload a browser sends from another site (CSRF); with admin.token every
// endpoint but the probes wants the bearer token; admin.get_resetcache
// brings back VP's GET for tak-monitor.
func TestAdminPort(t *testing.T) {
	t.Parallel()
	plain := newVPBed(t).bed
	const token = "admin-t0ken-from-file"
	guarded := newVPBed(t, func(b *bed) {
		f := filepath.Join(b.dir, "admin-token")
		require.NoError(t, os.WriteFile(f, []byte(token+"\n"), 0o600))
		b.cfg.Admin = config.Admin{Token: config.Secret{File: f}, AllowedHosts: []string{"gw-admin.example"}, GetResetCache: true}
	}).bed
	port := func(b *bed) string { return b.gw.Addr(Admin)[strings.LastIndexByte(b.gw.Addr(Admin), ':'):] }
	bearer := "Bearer " + token
	tests := []struct {
		name   string
		b      *bed
		method string
		path   string
		hdr    map[string]string
		want   int
	}{
		{"GET does not reload", plain, http.MethodGet, "/resetcache", nil, http.StatusMethodNotAllowed},
		{"POST reloads", plain, http.MethodPost, "/resetcache", nil, http.StatusOK},
		{"rebinding host refused", plain, http.MethodPost, "/resetcache", map[string]string{"Host": "rebind.attacker.example" + port(plain)}, http.StatusMisdirectedRequest},
		{"rebinding host refused for status", plain, http.MethodGet, "/status", map[string]string{"Host": "rebind.attacker.example"}, http.StatusMisdirectedRequest},
		{"localhost accepted", plain, http.MethodPost, "/resetcache", map[string]string{"Host": "localhost" + port(plain)}, http.StatusOK},
		{"cross-site origin refused", plain, http.MethodPost, "/resetcache", map[string]string{"Origin": "http://attacker.example"}, http.StatusForbidden},
		{"cross-site fetch refused", plain, http.MethodPost, "/resetcache", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same origin accepted", plain, http.MethodPost, "/resetcache", map[string]string{"Origin": "http://" + plain.gw.Addr(Admin), "Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"probe without token", guarded, http.MethodGet, "/healthz", nil, http.StatusOK},
		{"readiness without token", guarded, http.MethodGet, "/readyz", nil, http.StatusOK},
		{"status without token", guarded, http.MethodGet, "/status", nil, http.StatusUnauthorized},
		{"metrics with a wrong token", guarded, http.MethodGet, "/metrics", map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		{"status with the token", guarded, http.MethodGet, "/status", map[string]string{"Authorization": bearer}, http.StatusOK},
		{"scheme in any case", guarded, http.MethodGet, "/metrics", map[string]string{"Authorization": "bearer " + token}, http.StatusOK},
		{"reload without token", guarded, http.MethodPost, "/resetcache", nil, http.StatusUnauthorized},
		{"VP's GET reload when switched on", guarded, http.MethodGet, "/resetcache", map[string]string{"Authorization": bearer}, http.StatusOK},
		{"VP's GET reload from another site", guarded, http.MethodGet, "/resetcache", map[string]string{"Authorization": bearer, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"allowed host name", guarded, http.MethodGet, "/status", map[string]string{"Authorization": bearer, "Host": "GW-Admin.example" + port(guarded)}, http.StatusOK},
		{"explain without token", guarded, http.MethodGet, "/explain?correlation=x", nil, http.StatusUnauthorized},
		{"explain with the token, id not kept", guarded, http.MethodGet, "/explain?correlation=x", map[string]string{"Authorization": bearer}, http.StatusNotFound},
		{"explain from a rebinding host", plain, http.MethodGet, "/explain?correlation=x", map[string]string{"Host": "rebind.attacker.example"}, http.StatusMisdirectedRequest},
		{"other host name", guarded, http.MethodGet, "/status", map[string]string{"Authorization": bearer, "Host": "gw-admin.example.attacker.example"}, http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := adminDo(t, tt.b, tt.method, tt.path, tt.hdr)
			assert.Equal(t, tt.want, code, body)
			assert.NotContains(t, body, token)
		})
	}
	// Start's load plus the three POSTs the table let through: the refused
	// and the GET ones reloaded nothing.
	assert.Contains(t, metricsWhenIdle(t, plain), `rivgate_tak_reloads_total{result="ok"} 4`)
	code, _ := adminDo(t, guarded, http.MethodGet, "/status", map[string]string{"Authorization": bearer})
	require.Equal(t, http.StatusOK, code)
	_, err := New(func() *config.Config {
		c := *guarded.cfg
		c.Admin.Token = config.Secret{File: filepath.Join(guarded.dir, "missing-token")}
		return &c
	}(), Deps{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "admin.token")
}

// TestWSDLServesOnlyTheContractSet: ?xsd= over the wire answers only the
// schemas the WSDL uses, never a sample file beside it, another
// interaction's schema, or a symbolic link leading out of the contract
// directory; the WSDL's locations come from contracts.public_url or the
// address the call arrived at, never from the Host header.
func TestWSDLServesOnlyTheContractSet(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "contracts")
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(sharedRivta(t), "contracts", "crm_scheduling_1.0.4"))))
	secret := filepath.Join(t.TempDir(), "secret.xsd")
	require.NoError(t, os.WriteFile(secret, []byte("<outside-secret/>"), 0o644))
	interaction := filepath.Join(dir, "schemas", "interactions", "GetSubjectOfCareScheduleInteraction")
	require.NoError(t, os.Symlink(secret, filepath.Join(interaction, "linked.xsd")))

	for _, public := range []string{"", "https://vp.example.se:443"} {
		t.Run("public_url="+public, func(t *testing.T) {
			t.Parallel()
			vb := newVPBed(t, func(b *bed) { b.cfg.Contracts.Dir, b.cfg.Contracts.PublicURL = dir, public })
			get := func(query, host string) (int, string) {
				req, err := http.NewRequest(http.MethodGet, "https://"+vb.gw.Addr()+scheduleWSDLPath+"?"+query, nil)
				require.NoError(t, err)
				req.Host = host
				resp, err := vb.client.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp.StatusCode, string(body)
			}
			base := "https://" + vb.gw.Addr() + scheduleWSDLPath
			if public != "" {
				base = public + scheduleWSDLPath
			}
			code, wsdl := get("wsdl", "evil.attacker.example")
			require.Equal(t, http.StatusOK, code, wsdl)
			assert.NotContains(t, wsdl, "attacker")
			assert.Contains(t, wsdl, `location="`+base+`"`)
			assert.Contains(t, wsdl, `schemaLocation="`+base+`?xsd=GetSubjectOfCareScheduleResponder_1.0.xsd"`)
			for _, tt := range []struct {
				xsd  string
				want int
			}{
				{"GetSubjectOfCareScheduleResponder_1.0.xsd", http.StatusOK},
				{"..%2F..%2Fcore_components%2Fcrm_scheduling_1.0.xsd", http.StatusOK},
				{"GetSubjectOfCareScheduleResponder_1.0.xml", http.StatusNotFound},
				{"..%2FCancelBookingInteraction%2FCancelBookingResponder_1.0.xsd", http.StatusNotFound},
				{"linked.xsd", http.StatusNotFound},
				{"..%2F..%2F..%2F..%2F" + filepath.Base(filepath.Dir(secret)) + "%2Fsecret.xsd", http.StatusNotFound},
			} {
				code, body := get("xsd="+tt.xsd, "")
				assert.Equal(t, tt.want, code, tt.xsd)
				assert.NotContains(t, body, "outside-secret", tt.xsd)
			}
		})
	}
}

// TestExpiredCRLWarns: a CRL past its nextUpdate still revokes, and is a
// warning in the log at load and on /status (tls.warnings).
func TestExpiredCRLWarns(t *testing.T) {
	t.Parallel()
	b := newVPBed(t, func(b *bed) {
		crl, err := b.ca.RevocationList(nil, -30*time.Second)
		require.NoError(t, err)
		f := filepath.Join(b.dir, "expired.crl")
		require.NoError(t, os.WriteFile(f, crl, 0o644))
		b.cfg.TLS.CRL = []string{f}
	}).bed
	code, body := adminGet(t, b, "/status")
	require.Equal(t, http.StatusOK, code)
	var st struct {
		TLS struct {
			Warnings []string `json:"warnings"`
		} `json:"tls"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	require.Len(t, st.TLS.Warnings, 1)
	assert.Regexp(t, `^CRL \S+expired\.crl expired at \S+ \(nextUpdate\)`, st.TLS.Warnings[0])
	assert.Contains(t, b.logs.String(), "expired.crl expired at")
	assert.Contains(t, b.logs.String(), `"level":"warn"`)
}
