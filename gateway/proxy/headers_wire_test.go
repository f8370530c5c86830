package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// headLines are a head's header lines after the request or status line,
// sorted: the order of a map's keys is not the wire's business.
func headLines(t *testing.T, head string) []string {
	t.Helper()
	head, _, ok := strings.Cut(head, "\r\n\r\n")
	require.True(t, ok, "a complete head: %q", head)
	lines := strings.Split(head, "\r\n")[1:]
	slices.Sort(lines)
	return lines
}

// TestRequestHeadFollowsApply: the producer client writes a request's
// head from the consumer's headers by the rules Apply applies to a map,
// line for line: the two entry points to the rules cannot drift apart.
func TestRequestHeadFollowsApply(t *testing.T) {
	t.Parallel()
	u, err := url.Parse("http://producer.example:8080/svc?x=1")
	require.NoError(t, err)
	consumer := http.Header{
		"Content-Type": {"text/xml; charset=UTF-8"}, "Soapaction": {` "urn:x" `}, "User-Agent": {"consumer/1"},
		"X-Rivta-Original-Serviceconsumer-Hsaid": {"SE-ORIG"}, "X-Rivta-Routing-History": {"A#B"}, "X-Rivta-Acting-On-Behalf-Of-Hsaid": {"SE-ACT"},
		"X-Skltp-Correlation-Id": {"consumers-own"}, "X-Vp-Sender-Id": {"SPOOF"}, "X-Vp-Auth-Cert": {"CERT"}, "X_vp_sender_id": {"SPOOF"},
		"X-Forwarded-For": {"192.0.2.1"}, "Forwarded": {"for=192.0.2.1"}, "X-Real-Ip": {"192.0.2.1"}, "X-Client-Cert": {"PEM"},
		"Accept-Encoding": {"gzip"}, "Expect": {"100-continue"}, "Content-Length": {"12"}, "Mule_session": {"m"},
		"Connection": {"keep-alive, X-Hop", "Upgrade"}, "X-Hop": {"1"}, "Upgrade": {"h2c"}, "Keep-Alive": {"timeout=5"},
		"Te": {"trailers"}, "Proxy-Authorization": {"Basic x"}, "X_custom_thing": {"kept"}, "X-Repeated": {"a", "b"},
	}
	noContentType := consumer.Clone()
	delete(noContentType, "Content-Type")
	emptyUA := http.Header{"User-Agent": {""}, "Soapaction": {"s"}}
	hopContentType := http.Header{"Content-Type": {"text/xml"}, "Connection": {"Content-Type"}}
	full := OutboundHeaders{Sender: "SE-CONS", InstanceID: "rivgate-1", CorrelationID: "corr-1", OriginalConsumer: "SE-ORIG",
		RoutingHistory: "A#B#rivgate-1", UserAgent: "rivgate/test", CertHeader: "X-Client-Cert"}
	minimal := OutboundHeaders{Sender: "SE-CONS", InstanceID: "rivgate-1", CorrelationID: "corr-1"}
	overridden := full
	overridden.ContentType, overridden.CorrelationToHTTPS = "application/soap+xml", true
	for _, tt := range []struct {
		name  string
		in    http.Header
		rules OutboundHeaders
		https bool
	}{
		{"http producer", consumer, full, false},
		{"https producer", consumer, full, true},
		{"https producer with the correlation id", consumer, overridden, true},
		{"nothing of the gateway's set", consumer, minimal, false},
		{"no Content-Type", noContentType, minimal, true},
		{"an empty User-Agent", emptyUA, minimal, false},
		{"a Connection line naming Content-Type", hopContentType, minimal, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var wire bytes.Buffer
			bw := bufio.NewWriter(&wire)
			in := tt.in.Clone()
			require.NoError(t, writeHead(bw, u, in, &tt.rules, tt.https, 42))
			require.NoError(t, bw.Flush())
			assert.Equal(t, tt.in, in, "the consumer's headers are not changed")
			assert.True(t, strings.HasPrefix(wire.String(), "POST /svc?x=1 HTTP/1.1\r\n"), wire.String())

			applied := tt.in.Clone()
			tt.rules.Apply(applied, tt.https)
			want := []string{"Host: producer.example:8080", "Content-Length: 42"}
			for k, vv := range applied {
				for _, v := range vv {
					if v != "" || k != "User-Agent" {
						want = append(want, k+": "+strings.TrimSpace(v))
					}
				}
			}
			slices.Sort(want)
			assert.Equal(t, want, headLines(t, wire.String()))
			assert.Len(t, applied["Content-Type"], 1, "a Content-Type always goes on, the consumer's or VP's default")
		})
	}
}

// producerHeads are answer heads with what the relay rules must handle.
var producerHeads = map[string]string{
	"plain": "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Length: 5\r\nServer: p\r\nDate: Tue, 08 Dec 2026 01:00:00 GMT\r\n\r\n",
	"everything dropped and kept": "HTTP/1.1 200 OK\r\ncontent-type: text/plain;charset=UTF-8\r\nContent-Length: 5\r\nConnection: X-Hop, keep-alive\r\nX-Hop: 1\r\n" +
		"Keep-Alive: timeout=5\r\nUpgrade: h2c\r\nProxy-Authenticate: Basic\r\nSOAPAction: leak\r\nMULE_X: m\r\nX-Mule_Y: y\r\nX-Vp-Sender-Id: P\r\n" +
		"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nAccess-Control-Allow-Origin: *\r\nX-Skltp-Correlation-Id: producers-own\r\nX-Skltp-Prt: 99\r\nX-Own: kept\r\n\r\n",
	"a Connection line naming Content-Type": "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: Content-Type\r\nContent-Length: 5\r\n\r\n",
	"two Content-Types":                     "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/xml\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n",
	"a padded length":                       "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: 005\r\n\r\n",
	"chunked":                               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/xml;charset=utf-8\r\nX-Folded: a\r\n b\r\n\r\n",
}

// TestAnswerRelayFollowsInboundHeaders: the producer client relays an
// answer's headers by the rules InboundHeaders applies to a map, and
// the answer's length as the client read it.
func TestAnswerRelayFollowsInboundHeaders(t *testing.T) {
	t.Parallel()
	for name, head := range producerHeads {
		for _, pass := range [][]string{nil, {"set-cookie", "X-Vp-*"}} {
			t.Run(name+" "+strings.Join(pass, ","), func(t *testing.T) {
				c := &callState{resp: http.Header{}, seen: map[string]string{}}
				x := &Exchange{Headers: OutboundHeaders{CorrelationID: "corr-1"}, PassHeaders: pass, ProducerTime: 7 * time.Millisecond}
				c.vals = x.answerRoom[1:1]
				ah, err := c.readHead(bufio.NewReader(strings.NewReader(head)), 1<<20, c.resp)
				require.NoError(t, err)

				want := c.resp.Clone()
				InboundHeaders(want, "corr-1", "7", pass...)
				if ah.length >= 0 {
					if vv := want["Content-Length"]; len(vv) != 1 || len(vv[0]) > 1 && vv[0][0] == '0' {
						want["Content-Length"] = []string{strconv.FormatInt(ah.length, 10)}
					}
				}
				got := http.Header{rivta.KeyCorrelationID: {"corr-1"}} // as Forward leaves it
				c.relay(got, x, ah)
				assert.Equal(t, want, got)
			})
		}
	}
}

// TestAnswerHeadersOutliveTheCall: the consumer's answer head is written
// after Forward returns and its call state went back to the pool; the
// next call's answer must not change the values it refers to.
func TestAnswerHeadersOutliveTheCall(t *testing.T) {
	t.Parallel()
	p := newRawProducer(t, nil, func(p *rawProducer, c net.Conn, br *bufio.Reader) {
		for n := 0; ; n++ {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_ = req.Body.Close()
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-Call: call-" + strconv.Itoa(n) + "\r\nContent-Length: 5\r\n\r\n<ok/>"))
		}
	})
	f := newForwarder(t, TransportOptions{}, 0)
	u, err := url.Parse(p.URL)
	require.NoError(t, err)
	var answers []*httptest.ResponseRecorder
	for range 3 {
		w := httptest.NewRecorder()
		x := &Exchange{Target: u, Body: bytesReader("<req/>"), ContentLength: 6, Timeout: 5 * time.Second, Instance: "NTjP Test",
			Headers: OutboundHeaders{CorrelationID: "corr-" + strconv.Itoa(len(answers))}}
		f.Forward(w, context.Background(), http.Header{}, x)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		answers = append(answers, w)
	}
	for i, w := range answers {
		assert.Equal(t, []string{"call-" + strconv.Itoa(i)}, w.Header()["X-Call"])
		assert.Equal(t, []string{"corr-" + strconv.Itoa(i)}, w.Header()[rivta.KeyCorrelationID])
		assert.Equal(t, []string{DefaultContentType}, w.Header()["Content-Type"])
	}
}

// TestInternReusesAndIsBounded: a name or value met before comes back as
// the same string (no allocation), and the strings kept are bounded.
func TestInternReusesAndIsBounded(t *testing.T) {
	c := &callState{seen: map[string]string{}}
	a := c.intern([]byte("Wed, 09 Dec 2026 10:00:00 GMT"), commonValues)
	b := c.intern([]byte("Wed, 09 Dec 2026 10:00:00 GMT"), commonValues)
	assert.Equal(t, unsafe.StringData(a), unsafe.StringData(b), "the string made for the first answer")
	assert.Equal(t, unsafe.StringData(commonValues["close"]), unsafe.StringData(c.intern([]byte("close"), commonValues)), "a common value")
	for i := range 3 * maxSeen {
		_ = c.intern([]byte("value-"+strconv.Itoa(i)), commonValues)
		assert.LessOrEqual(t, len(c.seen), maxSeen)
	}
	long := bytes.Repeat([]byte("x"), maxInterned+1)
	assert.Equal(t, string(long), c.intern(long, commonValues))
	assert.NotContains(t, c.seen, string(long), "a long value is not kept")
}

// wireBenchConsumer and wireBenchAnswer are a typical SOAP stack's
// request headers (as httpwire leaves them) and a typical producer's
// answer head.
var (
	wireBenchConsumer = http.Header{
		"Content-Type": {"text/xml;charset=UTF-8"}, "Soapaction": {`"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"`},
		"Accept": {"*/*"}, "User-Agent": {"Apache-CXF/3.5.5"}, "Cache-Control": {"no-cache"}, "Pragma": {"no-cache"},
		"Connection": {"keep-alive"}, "Content-Length": {"1826"}, "X-Skltp-Correlation-Id": {"6f1c1b0e-5b7a-4c1e-9d7e-0a1b2c3d4e5f"},
	}
	wireBenchAnswer = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: 2047\r\nDate: Tue, 08 Dec 2026 01:00:00 GMT\r\n" +
		"Keep-Alive: timeout=60\r\nConnection: keep-alive\r\n\r\n")
)

// BenchmarkHeadersOnTheWire is the header work of one call in the
// producer client, without the network: the request's head written from
// the consumer's headers and the rules, the answer's head read, and its
// headers relayed to the consumer's answer.
func BenchmarkHeadersOnTheWire(b *testing.B) {
	u, err := url.Parse("http://127.0.0.1:8080/producer21")
	if err != nil {
		b.Fatal(err)
	}
	c := callStates.Get().(*callState)
	c.bw.Reset(io.Discard)
	rd := bytes.NewReader(wireBenchAnswer)
	x := &Exchange{Target: u, ContentLength: 1826, Headers: OutboundHeaders{Sender: "SE-CONS", InstanceID: "rivgate-1",
		CorrelationID: "6f1c1b0e-5b7a-4c1e-9d7e-0a1b2c3d4e5f", OriginalConsumer: "SE-CONS", RoutingHistory: "SE-CONS#rivgate-1",
		UserAgent: "rivgate/bench", CertHeader: "X-Vp-Auth-Cert"}, ProducerTime: 3 * time.Millisecond}
	correlation := []string{x.Headers.CorrelationID}
	wh := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		clear(wh)
		wh[rivta.KeyCorrelationID] = correlation // as the gateway's handler sets it
		c.in = wireBenchConsumer
		if err := writeHead(c.bw, u, c.in, &x.Headers, false, x.ContentLength); err != nil {
			b.Fatal(err)
		}
		_ = c.bw.Flush()
		rd.Reset(wireBenchAnswer)
		c.br.Reset(rd)
		clear(c.resp)
		c.vals = x.answerRoom[1:1]
		ah, err := c.readHead(c.br, 1<<20, c.resp)
		if err != nil {
			b.Fatal(err)
		}
		c.relay(wh, x, ah)
	}
}

// TestPlainXMLCharsetKeptAsParsingWould: the Content-Types the fast path
// keeps without parsing are kept by parsing too, and its near misses
// are left to the parser.
func TestPlainXMLCharsetKeptAsParsingWould(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{
		"text/xml;charset=UTF-8", "TEXT/XML;CHARSET=utf-8", "text/xml; charset=windows-1252", "text/xml;charset=ISO_8859-1.x",
		"text/xml;  charset=UTF-8", "text/xml;charset=", "text/xml;charset=UTF-8;", `text/xml;charset="UTF-8"`, "text/xml;charset=UTF-8 ",
		"text/xml ;charset=UTF-8", "text/xmlx;charset=UTF-8", "text/xml;charsets=UTF-8", "text/xml;charset=UT F",
	} {
		assert.Equal(t, referenceContentType(ct), normaliseContentType(ct), "%q", ct)
	}
}
