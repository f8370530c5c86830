package harness

import (
	"bufio"
	"bytes"
	"context"
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

	"github.com/rivgate/rivgate/conformance/check"
	"github.com/rivgate/rivgate/conformance/result"
	"github.com/rivgate/rivgate/conformance/scenario"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// The hostile XML corpus (issue 11) seen from the harness: a consumer
// under test that sends any of fixtures/hostile (the reliability corpus the
// gateway is tested with) or the big generated inputs must get a clear
// finding, fast and with bounded memory: never a crash, never a parser that
// expands or fetches an entity, never a body read past the harness's limit.

// Pieces of a RIV-TA 2.1 call (the corpus's own shape).
const (
	xEnv   = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">`
	xHdr   = `<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">RIVTA21REQUEST</LogicalAddress></soap:Header>`
	xBody  = `<soap:Body><ns2:GetSubjectOfCareSchedule xmlns:ns2="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"><ns2:healthcare_facility>SE2321000164-7381037590423</ns2:healthcare_facility><ns2:subject_of_care>188803099368</ns2:subject_of_care></ns2:GetSubjectOfCareSchedule></soap:Body>`
	xClose = `</soap:Envelope>`
	xMTOM  = `multipart/related; type="application/xop+xml"; boundary="MIMEBoundary_1"; start="<root@x>"; start-info="text/xml"`
	xSOAP2 = "application/soap+xml; charset=utf-8"
)

// hostile is one input and the finding it must give.
type hostile struct {
	name string
	file string // in fixtures/hostile; "" for a generated input
	gen  func() (io.Reader, int64)
	// chunked: sent without Content-Length, so the harness cannot refuse
	// it up front and must stop reading at its limit.
	chunked     bool
	contentType string
	// The finding: check check fails with a message containing msg.
	check, msg string
}

// streamOf streams its parts: strings, or a count followed by a string to
// repeat that many times (generated as read: nothing big is held).
func streamOf(parts ...any) func() (io.Reader, int64) {
	return func() (io.Reader, int64) {
		var rs []io.Reader
		var n int64
		for i := 0; i < len(parts); i++ {
			switch p := parts[i].(type) {
			case string:
				rs = append(rs, strings.NewReader(p))
				n += int64(len(p))
			case int:
				s := parts[i+1].(string)
				rs = append(rs, &repeater{s: s, left: p})
				n += int64(p) * int64(len(s))
				i++
			}
		}
		return io.MultiReader(rs...), n
	}
}

// repeater yields s left times.
type repeater struct {
	s    string
	left int
	buf  []byte
}

func (r *repeater) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.left > 0 {
		r.buf = append(r.buf, r.s...)
		r.left--
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}

// declarations yields n namespace declarations xmlns:pI="urn:pI".
type declarations struct {
	i, n int
	buf  []byte
}

func (d *declarations) Read(p []byte) (int, error) {
	for len(d.buf) < len(p) && d.i < d.n {
		d.buf = append(d.buf, " xmlns:p"...)
		d.buf = strconv.AppendInt(d.buf, int64(d.i), 10)
		d.buf = append(d.buf, `="urn:p`...)
		d.buf = strconv.AppendInt(d.buf, int64(d.i), 10)
		d.buf = append(d.buf, '"')
		d.i++
	}
	if len(d.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, d.buf)
	d.buf = d.buf[:copy(d.buf, d.buf[n:])]
	return n, nil
}

func manyDeclarations(n int) func() (io.Reader, int64) {
	return func() (io.Reader, int64) {
		size, err := io.Copy(io.Discard, &declarations{n: n})
		if err != nil {
			panic(err)
		}
		head, tail := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"`, ">"+xHdr+xBody+xClose
		return io.MultiReader(strings.NewReader(head), &declarations{n: n}, strings.NewReader(tail)), int64(len(head)+len(tail)) + size
	}
}

const (
	findDTD     = "line 2, column 1: DOCTYPE is not allowed in a SOAP message (no DTDs, so no external entities and no entity expansion)"
	findHeadBig = "SOAP head too large"
)

func hostileCorpus() []hostile {
	soap := scenario.ReqSOAPEnvelope
	return []hostile{
		{name: "XXE file", file: "xxe-file.xml", check: soap, msg: findDTD},
		{name: "XXE URL", file: "xxe-url.xml", check: soap, msg: findDTD},
		{name: "XXE parameter entity", file: "xxe-parameter-entity.xml", check: soap, msg: findDTD},
		{name: "billion laughs", file: "billion-laughs.xml", check: soap, msg: findDTD},
		{name: "DTD with ATTLIST default", file: "dtd-attlist-default.xml", check: soap, msg: findDTD},
		{name: "DOCTYPE without subset", file: "dtd-doctype-only.xml", check: soap, msg: findDTD},
		{name: "invalid UTF-8", file: "invalid-utf8.xml", check: soap, msg: "line 1, column 148: invalid UTF-8"},
		{name: "NUL byte", file: "nul-byte.xml", check: soap, msg: "line 1, column 155: illegal character code U+0000"},
		{name: "NUL character reference", file: "nul-char-ref.xml", check: soap, msg: "invalid character reference &#0;"},
		{name: "two Body elements, the first empty", file: "two-bodies-first-empty.xml", check: soap, msg: "Body is empty: no element to route on"},
		{name: "two Body elements, both with a child", file: "two-bodies.xml", check: soap, msg: "Envelope holds 2 Body elements; SOAP 1.1 allows one"},
		{name: "Body missing", file: "body-missing.xml", check: soap, msg: "Envelope has no Body"},
		{name: "Body empty", file: "body-empty.xml", check: soap, msg: "Body has no element: nothing to route on"},
		{name: "SOAP 1.2 envelope", file: "soap12.xml", contentType: xSOAP2, check: soap, msg: "SOAP 1.2 envelope (http://www.w3.org/2003/05/soap-envelope); RIV-TA requires SOAP 1.1"},
		{name: "SOAP 1.2 without receiver", file: "soap12-no-receiver.xml", contentType: xSOAP2, check: scenario.ReqReceiverPresent, msg: "no receiver header (To or LogicalAddress)"},
		{name: "MTOM multipart", file: "mtom.mime", contentType: xMTOM, check: soap, msg: "a multipart/related message (MTOM/XOP or SOAP with attachments); RIV-TA requires a plain SOAP 1.1 envelope"},
		{name: "MTOM without its boundary", file: "mtom-boundary-missing.mime", contentType: xMTOM, check: soap, msg: "a multipart/related message"},
		{name: "MTOM with a DTD in the root part", file: "mtom-root-dtd.mime", contentType: xMTOM, check: soap, msg: "a multipart/related message"},

		{name: "quadratic blowup (64 KiB entity x 20000)", check: soap, msg: findDTD,
			gen: streamOf(`<?xml version="1.0"?>`+"\n"+`<!DOCTYPE soap:Envelope [<!ENTITY a "`, 64<<10, "a", `">]>`+xEnv+`<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">`, 20000, "&a;", `</LogicalAddress></soap:Header>`+xBody+xClose)},
		{name: "nesting 100,000 deep in Header", check: soap, msg: "elements nested deeper than 1000",
			gen: streamOf(xEnv+xHdr[:len(xHdr)-len("</soap:Header>")], 100000, "<x>", 100000, "</x>", "</soap:Header>"+xBody+xClose)},
		{name: "nesting 100,000 deep inside the first Body child", check: soap, msg: "not checked after the Body start: elements nested deeper than 256",
			gen: streamOf(xEnv+xHdr+xBody[:len(xBody)-len("</ns2:GetSubjectOfCareSchedule></soap:Body>")], 100000, "<x>", 100000, "</x>", "</ns2:GetSubjectOfCareSchedule></soap:Body>"+xClose)},
		{name: "attribute of 50 MB", check: soap, msg: "the request body (50000493 bytes) is larger than the 33554432 bytes the harness reads; it was not checked",
			gen: streamOf(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" a="`, 50_000_000, "a", `">`+xHdr+xBody+xClose)},
		{name: "attribute of 50 MB, chunked", chunked: true, check: soap, msg: "the request body (more) is larger than the 33554432 bytes the harness reads",
			gen: streamOf(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" a="`, 50_000_000, "a", `">`+xHdr+xBody+xClose)},
		{name: "header of 20 MB", check: soap, msg: findHeadBig,
			gen: streamOf(xEnv+`<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">RIVTA21REQUEST</LogicalAddress><Big>`, 20_000_000, "x", `</Big></soap:Header>`+xBody+xClose)},
		{name: "1,000,000 namespace declarations", check: soap, msg: "more than 1000 attributes in <soap:Envelope>", gen: manyDeclarations(1_000_000)},
	}
}

func (in hostile) open(t testing.TB) (io.Reader, int64) {
	t.Helper()
	if in.gen != nil {
		return in.gen()
	}
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "fixtures", "hostile", in.file))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b), int64(len(b))
}

// TestHostileCorpusCovered: every file of the corpus has a row above, so
// a new hostile input cannot go untested by the harness.
func TestHostileCorpusCovered(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(filepath.Join(repoRoot(t), "fixtures", "hostile"))
	if err != nil {
		t.Fatalf("fixtures/hostile: %v", err)
	}
	rows := map[string]bool{}
	for _, in := range hostileCorpus() {
		rows[in.file] = true
	}
	for _, e := range entries {
		if name := e.Name(); name != "README.md" && !strings.HasPrefix(name, ".") && !rows[name] {
			t.Errorf("fixtures/hostile/%s has no row in hostileCorpus", name)
		}
	}
}

// post sends body over its own TLS connection, writing while it reads the
// answer (the harness may answer before it has read a refused body).
func post(addr string, cfg *tls.Config, body io.Reader, size int64, chunked bool, contentType string) (int, error) {
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return 0, err
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
		length := fmt.Sprintf("Content-Length: %d", size)
		var dst io.Writer = w
		var cw io.WriteCloser
		if chunked {
			length = "Transfer-Encoding: chunked"
			cw = newChunkedWriter(w)
			dst = cw
		}
		fmt.Fprintf(w, "POST / HTTP/1.1\r\nHost: harness\r\nContent-Type: %s\r\n%s\r\nConnection: close\r\n\r\n", contentType, length)
		if _, err := io.Copy(dst, body); err == nil {
			if cw != nil {
				_ = cw.Close()
			}
			_ = w.Flush()
		}
	}()
	defer wg.Wait() // after conn.Close, the writer fails fast
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// chunkedWriter writes HTTP/1.1 chunks.
type chunkedWriter struct{ w io.Writer }

func newChunkedWriter(w io.Writer) io.WriteCloser { return &chunkedWriter{w} }

func (c *chunkedWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := fmt.Fprintf(c.w, "%x\r\n", len(p)); err != nil {
		return 0, err
	}
	if _, err := c.w.Write(p); err != nil {
		return 0, err
	}
	_, err := io.WriteString(c.w, "\r\n")
	return len(p), err
}

func (c *chunkedWriter) Close() error {
	_, err := io.WriteString(c.w, "0\r\n\r\n")
	return err
}

const liveHeap = "/memory/classes/heap/objects:bytes"

func heapBytes() uint64 {
	s := []rtmetrics.Sample{{Name: liveHeap}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

// peakHeap samples the live heap every millisecond until stopped and
// returns the peak (runtime/metrics: no stop-the-world per sample).
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	peak.Store(heapBytes())
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				if v := heapBytes(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	return func() uint64 {
		close(quit)
		<-done
		return peak.Load()
	}
}

// hostileSuite is a suite with one step per input, each expecting any
// request and answering a recorded response.
func hostileSuite(t testing.TB, inputs []hostile) *scenario.Suite {
	t.Helper()
	dir := t.TempDir()
	contracts, _ := filepath.Rel(dir, filepath.Join(repoRoot(t), "fixtures", "contracts", "demo_clinic_1.0"))
	resp, _ := filepath.Rel(dir, filepath.Join(repoRoot(t), "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	var steps strings.Builder
	for i := range inputs {
		fmt.Fprintf(&steps, "  - id: h%02d\n    expect: {}\n    respond: {file: %s}\n", i+1, resp)
	}
	files := map[string]string{
		"suite.yaml": fmt.Sprintf(`id: hostile
title: hostile inputs
contracts: %s
consumer: {hsa_id: SE2321000016-DEMOCONS}
defaults: {wait: 60s, consumer_timeout: 5s}
requirements: [{id: H-1, text: the consumer sends conformant requests, impact: 4}]
scenarios: [hostile.yaml]
`, contracts),
		"hostile.yaml": "id: HOSTILE\ntitle: hostile inputs\nrequirements: [H-1]\nlikelihood: 1\nsteps:\n" + steps.String(),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := scenario.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHostileInputs sends every hostile input to a real harness over
// mutual TLS, as a consumer would, one step each, and checks the finding,
// that the harness read no body past its limit and recorded the exchange,
// and how long and how much heap each rejection took (the whole process:
// client and harness). Not parallel: it measures the process's heap.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the hostile inputs stream about 250 MB")
	}
	inputs := hostileCorpus()
	suite := hostileSuite(t, inputs)
	p := newPKI(t)
	out := t.TempDir()
	// XXE by URL must make nothing connect anywhere: the entities point at
	// this listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var fetches atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fetches.Add(1)
			c.Close()
		}
	}()
	type figure struct {
		name    string
		size    int64
		status  int
		elapsed time.Duration
		heap    int64
	}
	figs := make([]figure, len(inputs))
	var addr string
	cfg := &tls.Config{RootCAs: p.ca.Pool(), Certificates: []tls.Certificate{p.good.TLSCertificate()}}
	h, err := New(suite, Options{TLS: p.serverTLS(), Out: out, Await: func(_ context.Context, a Await) error {
		in := inputs[a.Index]
		body, size := in.open(t)
		if in.file == "xxe-url.xml" || in.file == "xxe-parameter-entity.xml" {
			b, _ := io.ReadAll(body)
			b = bytes.ReplaceAll(b, []byte("127.0.0.1:1"), []byte(ln.Addr().String()))
			body, size = bytes.NewReader(b), int64(len(b))
		}
		runtime.GC()
		base := heapBytes()
		stop := peakHeap()
		start := time.Now()
		status, err := post(addr, cfg, body, size, in.chunked, in.contentType)
		elapsed := time.Since(start)
		peak := stop()
		figs[a.Index] = figure{in.name, size, status, elapsed, int64(peak) - int64(base)}
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	addr = h.Addr()
	run, err := h.Run(ctx)
	h.Close()
	if err != nil {
		t.Fatal(err)
	}
	steps := run.Scenarios[0].Steps
	if len(steps) != len(inputs) {
		t.Fatalf("%d steps ran, want %d", len(steps), len(inputs))
	}
	for i, in := range inputs {
		st := steps[i]
		found := ""
		for _, c := range st.Checks {
			if c.ID == in.check && c.Status == result.Fail {
				found = c.Message
			}
		}
		if !strings.Contains(found, in.msg) {
			t.Errorf("%s: %s says %q, want a failure with %q (checks %+v; step %s)", in.name, in.check, found, in.msg, st.Checks, st.Message)
		}
		if len(st.Exchanges) != 1 {
			t.Errorf("%s: %d exchanges recorded", in.name, len(st.Exchanges))
			continue
		}
		req, err := os.Stat(filepath.Join(out, strings.TrimSuffix(st.Exchanges[0], ".json")+".request.xml"))
		if err != nil || req.Size() > DefaultMaxBody {
			t.Errorf("%s: recorded request body %v (%v), want at most %d bytes", in.name, req, err, DefaultMaxBody)
		}
		// The whole process: a harness that held a big input twice, or
		// parsed one into a tree, would show it here. The bound is what
		// reading a body of the limit costs: about 1.5 times the limit
		// live, and the collector may leave as much again unswept.
		if limit := int64(4 * DefaultMaxBody); figs[i].heap > limit {
			t.Errorf("%s: heap grew by %d bytes, more than %d", in.name, figs[i].heap, limit)
		}
	}
	if n := fetches.Load(); n != 0 {
		t.Errorf("%d connection(s) to the external entities' address: something fetched an entity", n)
	}
	worst := slices.MaxFunc(figs, func(a, b figure) int { return int(a.heap - b.heap) })
	slowest := slices.MaxFunc(figs, func(a, b figure) int { return int(a.elapsed - b.elapsed) })
	slices.SortFunc(figs, func(a, b figure) int { return int(b.elapsed - a.elapsed) })
	for _, f := range figs {
		t.Logf("%-50s %11d bytes  HTTP %d  %8.2f ms  heap +%7.2f MiB", f.name, f.size, f.status, float64(f.elapsed.Microseconds())/1000, float64(f.heap)/(1<<20))
	}
	t.Logf("%d hostile inputs sent; slowest %s (%s), most heap %s (+%.1f MiB)",
		len(inputs), slowest.name, slowest.elapsed.Round(time.Millisecond), worst.name, float64(worst.heap)/(1<<20))
}

// BenchmarkHostileFinding is the check path's cost per hostile input (the
// request checks the harness runs on a received body), body in memory.
// The generated inputs over the body limit take the refused path.
func BenchmarkHostileFinding(b *testing.B) {
	suite := hostileSuite(b, hostileCorpus())
	set, cleanup, err := LoadContracts(suite)
	if err != nil {
		b.Fatal(err)
	}
	defer cleanup()
	env := &check.Env{Suite: suite, Contracts: set, Validator: xsd.New(set)}
	p := newPKI(b)
	sc := suite.Scenarios[0]
	for _, in := range hostileCorpus() {
		b.Run(strings.NewReplacer(" ", "_", ",", "").Replace(in.name), func(b *testing.B) {
			req := check.Request{Header: http.Header{"Content-Type": {"text/xml; charset=UTF-8"}}, PeerCert: p.good.Cert}
			if in.contentType != "" {
				req.Header.Set("Content-Type", in.contentType)
			}
			body, size := in.open(b)
			if size > DefaultMaxBody {
				req.TooLarge = &check.TooLarge{Limit: DefaultMaxBody, Declared: size}
			} else {
				req.Body, _ = io.ReadAll(body)
			}
			b.SetBytes(min(size, DefaultMaxBody))
			b.ReportAllocs()
			for b.Loop() {
				env.Request(req, sc, sc.Steps[0])
			}
		})
	}
}
