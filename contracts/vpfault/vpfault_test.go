package vpfault

import (
	"bufio"
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

const vpMessages = "../../../shared/rivta/samples/skltp-vp-main/vp-messages.properties"

// The catalogue must match VP's own message file word for word: consumers
// and the platform's SoapUI suites assert on these texts.
func TestCatalogueMatchesVPMessages(t *testing.T) {
	raw, err := os.ReadFile(vpMessages)
	if os.IsNotExist(err) {
		t.Skip("../shared/rivta is not beside this checkout; the VP message file is the oracle for this test")
	}
	require.NoError(t, err)
	utf8, err := charmap.ISO8859_1.NewDecoder().Bytes(raw) // the file is Latin-1
	require.NoError(t, err)
	props := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(utf8))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	for _, c := range All {
		assert.Equal(t, props[c.String()], c.Text(), "%s text", c)
		assert.Equal(t, props[c.String()+"_DETAILS"], c.DetailTemplate(), "%s detail template", c)
	}
}

func TestFaultSides(t *testing.T) {
	client := map[Code]bool{VP001: true, VP002: true, VP003: true, VP004: true, VP005: true, VP011: true, VP013: true, VP015: true}
	for _, c := range All {
		want := Server
		if client[c] {
			want = Client
		}
		assert.Equal(t, want, c.Side(), c.String())
	}
}

func TestDetail(t *testing.T) {
	tests := []struct {
		name string
		code Code
		arg  string
		want string
	}{
		{"empty arg trims", VP003, "", "No receiverId (logical address) found in message header."},
		{"filled", VP004, "serviceNamespace: urn:x:1, receiverId: R", "No receiverId (logical address) found for serviceNamespace: urn:x:1, receiverId: R"},
		{"no placeholder ignores arg", VP008, "ignored", "No contact with TAK at startup, and no local cache to fallback on, not possible to route call"},
		{"empty template", VP014, "x", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.code.Detail(tc.arg))
		})
	}
}

func TestWriteHTTPAndParseRoundTrip(t *testing.T) {
	f := Newf(VP004, "serviceNamespace: %s, receiverId: %s", "urn:riv:a:b:GetThingsResponder:1", "SE<&>1")
	rec := httptest.NewRecorder()
	rec.Header().Set("x-skltp-correlation-id", "abc")
	require.NoError(t, f.WriteHTTP(rec, "NTjP Test"))
	assert.Equal(t, 500, rec.Code)
	assert.Equal(t, "text/xml; charset=UTF-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "abc", rec.Header().Get("x-skltp-correlation-id"))

	p, err := Parse(rec.Body.Bytes())
	require.NoError(t, err)
	assert.Equal(t, "SOAP-ENV:Client", p.FaultCode)
	assert.Equal(t, "VP004 [NTjP Test] "+VP004.Text(), p.FaultString)
	assert.Equal(t, "No receiverId (logical address) found for serviceNamespace: urn:riv:a:b:GetThingsResponder:1, receiverId: SE<&>1", p.DetailString)
	assert.Equal(t, VP004, p.Code)
	assert.Equal(t, "NTjP Test", p.Instance)
}

func TestParseNonFault(t *testing.T) {
	_, err := Parse([]byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>`))
	require.ErrorIs(t, err, ErrNotFault)
	_, err = Parse([]byte(`not xml`))
	require.Error(t, err)
}

func TestWrapKeepsInnermostCode(t *testing.T) {
	inner := New(VP007, "x")
	outer := Wrap(VP009, inner)
	assert.Same(t, inner, outer)
}

func TestParseCode(t *testing.T) {
	for _, c := range All {
		got, err := ParseCode(strings.ToLower(c.String()))
		require.NoError(t, err)
		assert.Equal(t, c, got)
	}
	for _, bad := range []string{"VP000", "VP016", "VPX01", "VP1", ""} {
		_, err := ParseCode(bad)
		assert.Error(t, err, bad)
	}
}

// xmllint, as an independent parser, must accept every fault we render.
func TestEnvelopeWellFormedForXmllint(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint missing: apt-get install -y libxml2-utils (scripts/test.sh installs it)")
	}
	dir := t.TempDir()
	for _, c := range All {
		p := filepath.Join(dir, c.String()+".xml")
		require.NoError(t, os.WriteFile(p, New(c, "a & b < c").Envelope("inst ü"), 0o644))
		out, err := exec.Command(xmllint, "--noout", p).CombinedOutput()
		require.NoError(t, err, "%s: %s", c, out)
	}
}

// TestReceiverFaults pins the faults the platform answers for a receiver
// alone, which the gateway and the conformance harness both give
// (cmd/rivgate's TestPlatformFaultsMatchGateway compares the two).
func TestReceiverFaults(t *testing.T) {
	t.Parallel()
	const ns = "urn:riv:demo:clinic:GetVisitsResponder:1"
	tests := []struct {
		name   string
		fault  *Fault
		code   Code
		detail string
	}{
		{"no receiver", NoReceiver(), VP003, "No receiverId (logical address) found in message header."},
		{"surrounding whitespace", ReceiverWhitespace(ns, " SE1 "), VP004,
			"No receiverId (logical address) found for serviceNamespace: " + ns + ", receiverId:  SE1 . Whitespace detected in incoming request!"},
		{"no route", NoRoute(ns, "SE2"), VP004, "No receiverId (logical address) found for serviceNamespace: " + ns + ", receiverId: SE2"},
		{"no route, a space inside", NoRoute(ns, "SE 2"), VP004,
			"No receiverId (logical address) found for serviceNamespace: " + ns + ", receiverId: SE 2. Whitespace detected in incoming request!"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.code, tc.fault.Code)
			assert.Equal(t, tc.detail, tc.fault.Detail)
		})
	}
}

// TestReceiverRefusal: the one rule the gateway and the harness refuse a
// receiver by, before any catalogue lookup.
func TestReceiverRefusal(t *testing.T) {
	tests := []struct {
		name     string
		has      bool
		receiver string
		want     Code // 0: no refusal
	}{
		{"none", false, "", VP003},
		{"empty", true, "", VP003},
		{"only spaces", true, "   ", VP003},
		{"leading space", true, " SE1", VP004},
		{"trailing tab", true, "SE1\t", VP004},
		{"clean", true, "SE1", 0},
		{"inner space is for routing to refuse", true, "SE 1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ReceiverRefusal(tt.has, "urn:x", tt.receiver)
			switch {
			case tt.want == 0 && f != nil:
				t.Fatalf("refused with %v", f)
			case tt.want != 0 && (f == nil || f.Code != tt.want):
				t.Fatalf("got %v, want %s", f, tt.want)
			}
		})
	}
}
