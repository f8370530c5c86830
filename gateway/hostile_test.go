package gateway

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
)

// The hostile XML corpus (issue 11, part 1): every input of
// fixtures/hostile (small, committed) and the big ones generated here is
// sent to a real gateway over mutual TLS. Each must be rejected with VP015
// and a clear detail, fast, with bounded memory, and without the producer
// seeing anything; the few the gateway documents as accepted (SOAP 1.2,
// MTOM, what lies past the first Body child) are checked to pass unchanged.

// Pieces of a RIV-TA 2.1 call routed to the test producer (receiver
// RIVTA21REQUEST in takVPCodes).
const (
	hEnv   = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">`
	hHdr   = `<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">RIVTA21REQUEST</LogicalAddress></soap:Header>`
	hBody  = `<soap:Body><ns2:GetSubjectOfCareSchedule xmlns:ns2="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"><ns2:healthcare_facility>SE2321000164-7381037590423</ns2:healthcare_facility><ns2:subject_of_care>188803099368</ns2:subject_of_care></ns2:GetSubjectOfCareSchedule></soap:Body>`
	hClose = `</soap:Envelope>`
	mtomCT = `multipart/related; type="application/xop+xml"; boundary="MIMEBoundary_1"; start="<root@x>"; start-info="text/xml"`
)

// hostileInput is one message: its bytes come from open, streamed, so a
// 50 MB input never sits in the test's memory.
type hostileInput struct {
	name string
	file string // in fixtures/hostile, or "" for a generated input
	gen  func() (io.Reader, int64)
	// contentType defaults to text/xml; charset=UTF-8.
	contentType string
	// The expected outcome: a VP fault with this code and detail, or
	// (forwarded) the producer gets the bytes unchanged.
	code      vpfault.Code
	detail    string
	forwarded bool
}

// repeat streams n copies of s.
func repeat(s string, n int) io.Reader {
	chunk := strings.Repeat(s, max(1, (64<<10)/len(s)))
	per := len(chunk) / len(s)
	var rs []io.Reader
	for n > 0 {
		k := min(n, per)
		rs = append(rs, strings.NewReader(chunk[:k*len(s)]))
		n -= k
	}
	return io.MultiReader(rs...)
}

// seq streams s0, rep copies of s1, s2 and returns the total length.
func seq(parts ...any) func() (io.Reader, int64) {
	return func() (io.Reader, int64) {
		var rs []io.Reader
		var n int64
		for i := 0; i < len(parts); i++ {
			switch p := parts[i].(type) {
			case string:
				rs = append(rs, strings.NewReader(p))
				n += int64(len(p))
			case int: // count, followed by the string to repeat
				s := parts[i+1].(string)
				rs = append(rs, repeat(s, p))
				n += int64(p) * int64(len(s))
				i++
			}
		}
		return io.MultiReader(rs...), n
	}
}

// nsDecls streams count namespace declarations (xmlns:p0="urn:p0" ...) on
// Envelope, generated as they are read.
func nsDecls(count int) func() (io.Reader, int64) {
	var n int64 // their length, counted once
	return func() (io.Reader, int64) {
		head := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"`
		tail := ">" + hHdr + hBody + hClose
		if n == 0 {
			var buf []byte
			for i := range count {
				buf = decl(buf[:0], i)
				n += int64(len(buf))
			}
		}
		return io.MultiReader(strings.NewReader(head), &declReader{n: count}, strings.NewReader(tail)), int64(len(head)+len(tail)) + n
	}
}

func decl(b []byte, i int) []byte {
	b = append(b, " xmlns:p"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `="urn:p`...)
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, '"')
}

type declReader struct {
	i, n int
	buf  []byte
}

func (r *declReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.i < r.n {
		r.buf = decl(r.buf, r.i)
		r.i++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}

const (
	detailDTD = "The request could not be read properly. line 2, column 1: DOCTYPE is not allowed in a SOAP message (no DTDs, so no external entities and no entity expansion)"
	detailBig = "The request could not be read properly. SOAP head too large: the first Body element did not start within 1048576 bytes"
)

func hostileInputs() []hostileInput {
	return []hostileInput{
		{name: "XXE file", file: "xxe-file.xml", code: vpfault.VP015, detail: detailDTD},
		{name: "XXE URL", file: "xxe-url.xml", code: vpfault.VP015, detail: detailDTD},
		{name: "XXE parameter entity", file: "xxe-parameter-entity.xml", code: vpfault.VP015, detail: detailDTD},
		{name: "billion laughs", file: "billion-laughs.xml", code: vpfault.VP015, detail: detailDTD},
		{name: "quadratic blowup (64 KiB entity x 20000)", gen: seq(`<?xml version="1.0"?>`+"\n"+`<!DOCTYPE soap:Envelope [<!ENTITY a "`, 64<<10, "a", `">]>`+hEnv+`<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">`, 20000, "&a;", `</LogicalAddress></soap:Header>`+hBody+hClose),
			code: vpfault.VP015, detail: detailDTD},
		{name: "DTD with ATTLIST default", file: "dtd-attlist-default.xml", code: vpfault.VP015, detail: detailDTD},
		{name: "DOCTYPE without subset", file: "dtd-doctype-only.xml", code: vpfault.VP015, detail: detailDTD},
		{name: "nesting 100,000 deep in Header", gen: seq(hEnv+hHdr[:len(hHdr)-len("</soap:Header>")], 100000, "<x>", 100000, "</x>", "</soap:Header>"+hBody+hClose),
			code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 3166: elements nested deeper than 1000"},
		{name: "attribute of 50 MB", gen: seq(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" a="`, 50_000_000, "a", `">`+hHdr+hBody+hClose),
			code: vpfault.VP015, detail: detailBig},
		{name: "header of 20 MB", gen: seq(hEnv+`<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">RIVTA21REQUEST</LogicalAddress><Big>`, 20_000_000, "x", `</Big></soap:Header>`+hBody+hClose),
			code: vpfault.VP015, detail: detailBig},
		{name: "1,000,000 namespace declarations", gen: nsDecls(1_000_000),
			code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 21829: more than 1000 attributes in <soap:Envelope>"},
		{name: "invalid UTF-8", file: "invalid-utf8.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 148: invalid UTF-8"},
		{name: "NUL byte", file: "nul-byte.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 155: illegal character code U+0000"},
		{name: "NUL character reference", file: "nul-char-ref.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 155: invalid character reference &#0;"},
		{name: "two Body elements, the first empty", file: "two-bodies-first-empty.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 186: Body is empty: no element to route on"},
		{name: "Body missing", file: "body-missing.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 186: Envelope has no Body"},
		{name: "Body empty", file: "body-empty.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 197: Body has no element: nothing to route on"},
		{name: "MTOM without its boundary", file: "mtom-boundary-missing.mime", contentType: mtomCT, code: vpfault.VP015, detail: `The request could not be read properly. line 6, column 1: unexpected end of input: MIME boundary "MIMEBoundary_1" not found`},
		{name: "MTOM with a DTD in the root part", file: "mtom-root-dtd.mime", contentType: mtomCT, code: vpfault.VP015, detail: "The request could not be read properly. line 4, column 1: DOCTYPE is not allowed in a SOAP message (no DTDs, so no external entities and no entity expansion)"},
		// SOAP 1.2 without a receiver: VP's own fault, which stays SOAP 1.1.
		{name: "SOAP 1.2 without receiver", file: "soap12-no-receiver.xml", contentType: "application/soap+xml; charset=utf-8", code: vpfault.VP003,
			detail: "No receiverId (logical address) found in message header."},

		// Accepted by design (README "Robustness"): the gateway routes on
		// the head and streams the rest unparsed; the producer's parser
		// sees the whole message unchanged.
		{name: "SOAP 1.2 envelope", file: "soap12.xml", contentType: "application/soap+xml; charset=utf-8", forwarded: true},
		{name: "MTOM multipart", file: "mtom.mime", contentType: mtomCT, forwarded: true},
		{name: "two Body elements, both with a child", file: "two-bodies.xml", forwarded: true},
		{name: "nesting 100,000 deep inside the first Body child", gen: seq(hEnv+hHdr+hBody[:len(hBody)-len("</ns2:GetSubjectOfCareSchedule></soap:Body>")], 100000, "<x>", 100000, "</x>", "</ns2:GetSubjectOfCareSchedule></soap:Body>"+hClose),
			forwarded: true},
	}
}

func hostileDir(t testing.TB) string {
	return filepath.Join(repoRoot(t), "fixtures", "hostile")
}

func (in hostileInput) open(t testing.TB) (io.Reader, int64) {
	t.Helper()
	if in.gen != nil {
		return in.gen()
	}
	b, err := os.ReadFile(filepath.Join(hostileDir(t), in.file))
	require.NoError(t, err)
	return bytes.NewReader(b), int64(len(b))
}

// rawClient posts over its own TLS connection, writing the body while it
// reads the answer: the gateway answers a rejected message before it has
// read it all and then closes, which a client that first writes
// everything would see as a broken pipe.
type rawClient struct {
	addr string
	cfg  *tls.Config
}

func newRawClient(t testing.TB, b *bed) *rawClient {
	t.Helper()
	cc, err := b.ca.IssueClient(consumerID, pki.Options{})
	require.NoError(t, err)
	return &rawClient{addr: b.gw.Addr(HTTPS), cfg: &tls.Config{RootCAs: b.ca.Pool(), Certificates: []tls.Certificate{cc.TLSCertificate()}}}
}

func (c *rawClient) post(body io.Reader, length int64, contentType string) (response, error) {
	conn, err := tls.Dial("tcp", c.addr, c.cfg)
	if err != nil {
		return response{}, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	if contentType == "" {
		contentType = "text/xml; charset=UTF-8"
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := bufio.NewWriterSize(conn, 64<<10)
		fmt.Fprintf(w, "POST /vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21 HTTP/1.1\r\nHost: gw\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", contentType, length)
		if _, err := io.Copy(w, body); err == nil {
			_ = w.Flush()
		}
	}()
	defer wg.Wait() // after conn.Close, the writer fails fast
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return response{}, err
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: rb}, nil
}

// heapSampler records the peak of live heap objects while it runs
// (runtime/metrics: no stop-the-world per sample).
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak atomic.Uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []rtmetrics.Sample{{Name: heapMetric}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	h.peak.Store(heapNow())
	go func() {
		defer close(h.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-tick.C:
				if v := heapNow(); v > h.peak.Load() {
					h.peak.Store(v)
				}
			}
		}
	}()
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	return h.peak.Load()
}

// TestHostileXMLCorpus sends every hostile input through a real gateway.
// It does not run in parallel: it measures the process's heap.
func TestHostileXMLCorpus(t *testing.T) {
	vb := newVPBed(t)
	// XXE by URL must not make the gateway fetch anything: point the
	// entity at a listener that counts connections.
	fetches, xxeAddr := countingListener(t)
	c := newRawClient(t, vb.bed)
	type figure struct {
		name    string
		size    int64
		elapsed time.Duration
		heap    int64
	}
	var figs []figure
	for _, in := range hostileInputs() {
		t.Run(in.name, func(t *testing.T) {
			body, size := in.open(t)
			if in.file == "xxe-url.xml" || in.file == "xxe-parameter-entity.xml" {
				b, _ := io.ReadAll(body)
				b = bytes.ReplaceAll(b, []byte("127.0.0.1:1"), []byte(xxeAddr))
				body, size = bytes.NewReader(b), int64(len(b))
			}
			before := vb.p21.count()
			runtime.GC()
			base := heapNow()
			hs := startHeapSampler()
			start := time.Now()
			r, err := c.post(body, size, in.contentType)
			elapsed := time.Since(start)
			peak := hs.Stop()
			require.NoError(t, err)
			grew := int64(peak) - int64(base)
			figs = append(figs, figure{in.name, size, elapsed, grew})
			// Whole process (client, gateway, producer): a gateway that
			// buffered a big input would show it here.
			assert.Less(t, grew, int64(32<<20), "heap grew by %d bytes", grew)
			if in.forwarded {
				require.Equal(t, http.StatusOK, r.status, "%s", r.body)
				require.Equal(t, before+1, vb.p21.count())
				got := vb.p21.last(t)
				want, _ := in.open(t)
				wb, _ := io.ReadAll(want)
				assert.True(t, bytes.Equal(wb, got.body), "the producer got the message unchanged")
				return
			}
			f := r.fault(t)
			assert.Equal(t, http.StatusInternalServerError, r.status)
			assert.Equal(t, in.code, f.Code)
			assert.Equal(t, "SOAP-ENV:Client", f.FaultCode)
			assert.Equal(t, in.detail, f.DetailString)
			assert.Equal(t, before, vb.p21.count(), "the producer saw nothing")
		})
	}
	assert.Zero(t, fetches.Load(), "no external entity was fetched")
	slices.SortFunc(figs, func(a, b figure) int { return int(b.elapsed - a.elapsed) })
	for _, f := range figs {
		t.Logf("%-55s %11d bytes  %8.2f ms  heap +%7.2f MiB", f.name, f.size, float64(f.elapsed.Microseconds())/1000, float64(f.heap)/(1<<20))
	}
}

// countingListener accepts and counts connections on 127.0.0.1.
func countingListener(t testing.TB) (*atomic.Int64, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return &n, ln.Addr().String()
}

// TestHostileCorpusListed keeps fixtures/hostile, its README and the
// table above in step: every file has a row and a README line.
func TestHostileCorpusListed(t *testing.T) {
	t.Parallel()
	dir := hostileDir(t)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, in := range hostileInputs() {
		if in.file != "" {
			rows[in.file] = true
		} else {
			assert.Contains(t, string(readme), in.name, "generated input %q is described in the README", in.name)
		}
	}
	for _, e := range entries {
		name := e.Name()
		if name == "README.md" || strings.HasPrefix(name, ".") {
			continue
		}
		assert.True(t, rows[name], "%s has no row in hostileInputs", name)
		assert.Contains(t, string(readme), "`"+name+"`", "%s is listed in the README", name)
	}
}

// BenchmarkHostileRejection is the cost of one rejection per input over
// real mutual TLS (a new connection each, as an attacker would): time,
// and bytes/allocations of the whole process (client included).
func BenchmarkHostileRejection(b *testing.B) {
	p := newProducer(b, nil)
	y := fill(takVPCodes, "{{NS}}", scheduleNS, "{{P20}}", p.srv.URL, "{{P21}}", p.srv.URL, "{{DEAD}}", closedAddr(b), "{{C}}", consumerID)
	c := newRawClient(b, newBed(b, y))
	// The baseline: a valid call on a new connection (TLS handshake, sniff,
	// catalogue, forward); rejections should cost no more.
	b.Run("baseline_valid_call", func(b *testing.B) {
		b.ReportAllocs()
		msg := []byte(hEnv + hHdr + hBody + hClose)
		for b.Loop() {
			r, err := c.post(bytes.NewReader(msg), int64(len(msg)), "")
			if err != nil || r.status != http.StatusOK {
				b.Fatalf("status %d, err %v", r.status, err)
			}
		}
	})
	calls := p.count()
	for _, in := range hostileInputs() {
		if in.forwarded {
			continue
		}
		b.Run(strings.ReplaceAll(in.name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				body, size := in.open(b)
				r, err := c.post(body, size, in.contentType)
				if err != nil || r.status != http.StatusInternalServerError {
					b.Fatalf("status %d, err %v", r.status, err)
				}
			}
		})
	}
	if p.count() != calls {
		b.Fatalf("the producer got %d hostile calls", p.count()-calls)
	}
}
