package harness

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/hostiletest"
)

// The hostile XML corpus (issue 11) seen from the harness: a consumer
// under test that sends any of fixtures/hostile (the reliability corpus the
// gateway is tested with) or the big generated inputs must get a clear
// finding, fast and with bounded memory: never a crash, never a parser that
// expands or fetches an entity, never a body read past the harness's limit.

// hostile is one input and the finding it must give.
type hostile struct {
	name string
	file string // in fixtures/hostile; "" for a generated input
	gen  hostiletest.Gen
	// chunked: sent without Content-Length, so the harness cannot refuse
	// it up front and must stop reading at its limit.
	chunked     bool
	contentType string
	// The finding: check check fails with a message containing msg.
	check, msg string
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
		{name: "SOAP 1.2 envelope", file: "soap12.xml", contentType: hostiletest.SOAP12, check: soap, msg: "SOAP 1.2 envelope (http://www.w3.org/2003/05/soap-envelope); RIV-TA requires SOAP 1.1"},
		{name: "SOAP 1.2 without receiver", file: "soap12-no-receiver.xml", contentType: hostiletest.SOAP12, check: scenario.ReqReceiverPresent, msg: "no receiver header (To or LogicalAddress)"},
		{name: "MTOM multipart", file: "mtom.mime", contentType: hostiletest.MTOM, check: soap, msg: "a multipart/related message (MTOM/XOP or SOAP with attachments); RIV-TA requires a plain SOAP 1.1 envelope"},
		{name: "MTOM whose delimiter is not the declared boundary", file: "mtom-boundary-mismatch.mime", contentType: hostiletest.MTOM, check: soap, msg: "a multipart/related message"},
		{name: "MTOM without any delimiter line", file: "mtom-no-delimiter.mime", contentType: hostiletest.MTOM, check: soap, msg: "a multipart/related message"},
		{name: "MTOM with a DTD in the root part", file: "mtom-root-dtd.mime", contentType: hostiletest.MTOM, check: soap, msg: "a multipart/related message"},

		{name: "quadratic blowup (64 KiB entity x 20000)", check: soap, msg: findDTD,
			gen: hostiletest.QuadraticBlowup()},
		{name: "nesting 100,000 deep in Header", check: soap, msg: "elements nested deeper than 1000",
			gen: hostiletest.DeepHeader()},
		{name: "nesting 100,000 deep inside the first Body child", check: soap, msg: "not checked after the Body start: elements nested deeper than 256",
			gen: hostiletest.DeepBody()},
		{name: "attribute of 50 MB", check: soap, msg: "the request body (50000493 bytes) is larger than the 33554432 bytes the harness reads; it was not checked",
			gen: hostiletest.BigAttribute()},
		{name: "attribute of 50 MB, chunked", chunked: true, check: soap, msg: "the request body (more) is larger than the 33554432 bytes the harness reads",
			gen: hostiletest.BigAttribute()},
		{name: "header of 20 MB", check: soap, msg: findHeadBig,
			gen: hostiletest.BigHeader()},
		{name: "1,000,000 namespace declarations", check: soap, msg: "more than 1000 attributes in <soap:Envelope>", gen: hostiletest.ManyDeclarations()},
	}
}

// open streams the input: a generated one afresh, a file read with its
// external entities pointed at fetchAddr ("": unchanged).
func (in hostile) open(t testing.TB, fetchAddr string) (io.Reader, int64) {
	t.Helper()
	if in.gen != nil {
		return in.gen()
	}
	return hostiletest.Open(t, in.file, fetchAddr)
}

// TestHostileCorpusCovered: every file of the corpus has a row above, so
// a new hostile input cannot go untested by the harness.
func TestHostileCorpusCovered(t *testing.T) {
	t.Parallel()
	rows := map[string]bool{}
	for _, in := range hostileCorpus() {
		rows[in.file] = true
	}
	for _, name := range hostiletest.Files(t) {
		if !rows[name] {
			t.Errorf("fixtures/hostile/%s has no row in hostileCorpus", name)
		}
	}
}

// hostileSuite is a suite with one step per input, each expecting any
// request and answering a recorded response.
func hostileSuite(t testing.TB, inputs []hostile) *scenario.Suite {
	t.Helper()
	dir := t.TempDir()
	contracts, _ := filepath.Rel(dir, filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_clinic_1.0"))
	resp, _ := filepath.Rel(dir, filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
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
	fetches, xxeAddr := hostiletest.CountingListener(t)
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
		body, size := in.open(t, xxeAddr)
		runtime.GC()
		base := hostiletest.HeapNow()
		hs := hostiletest.StartHeapSampler()
		start := time.Now()
		r, err := hostiletest.Post(addr, cfg, hostiletest.Request{ContentType: in.contentType, Body: body, Size: size, Chunked: in.chunked})
		elapsed := time.Since(start)
		peak := hs.Stop()
		figs[a.Index] = figure{in.name, size, r.Status, elapsed, int64(peak) - int64(base)}
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
			header := http.Header{"Content-Type": {"text/xml; charset=UTF-8"}}
			if in.contentType != "" {
				header.Set("Content-Type", in.contentType)
			}
			var data []byte
			var tooLarge *check.TooLarge
			body, size := in.open(b, "")
			if size > DefaultMaxBody {
				tooLarge = &check.TooLarge{Limit: DefaultMaxBody, Declared: size}
			} else {
				data, _ = io.ReadAll(body)
			}
			b.SetBytes(min(size, DefaultMaxBody))
			b.ReportAllocs()
			for b.Loop() {
				// A fresh message each time: the harness reads every request once.
				env.Request(check.Request{Message: check.NewMessage(header, data, p.good.Cert, tooLarge)}, sc, sc.Steps[0])
			}
		})
	}
}
