package gateway

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil/hostiletest"
)

// The hostile XML corpus (issue 11, part 1): every input of
// fixtures/hostile (small, committed) and the big ones internal/testutil/hostiletest
// generates is sent to a real gateway over mutual TLS. Each must be
// rejected with VP015 and a clear detail, fast, with bounded memory, and
// without the producer seeing anything; the few the gateway documents as
// accepted (SOAP 1.2, MTOM, what lies past the first Body child) are
// checked to pass unchanged.

// hostileInput is one message: its bytes come from open, streamed, so a
// 50 MB input never sits in the test's memory.
type hostileInput struct {
	name string
	file string // in fixtures/hostile, or "" for a generated input
	gen  hostiletest.Gen
	// contentType defaults to text/xml; charset=UTF-8.
	contentType string
	// The expected outcome: a VP fault with this code and detail, or
	// (forwarded) the producer gets the bytes unchanged.
	code      vpfault.Code
	detail    string
	forwarded bool
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
		{name: "quadratic blowup (64 KiB entity x 20000)", gen: hostiletest.QuadraticBlowup(),
			code: vpfault.VP015, detail: detailDTD},
		{name: "DTD with ATTLIST default", file: "dtd-attlist-default.xml", code: vpfault.VP015, detail: detailDTD},
		{name: "DOCTYPE without subset", file: "dtd-doctype-only.xml", code: vpfault.VP015, detail: detailDTD},
		{name: "nesting 100,000 deep in Header", gen: hostiletest.DeepHeader(),
			code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 3166: elements nested deeper than 1000"},
		{name: "attribute of 50 MB", gen: hostiletest.BigAttribute(),
			code: vpfault.VP015, detail: detailBig},
		{name: "header of 20 MB", gen: hostiletest.BigHeader(),
			code: vpfault.VP015, detail: detailBig},
		{name: "1,000,000 namespace declarations", gen: hostiletest.ManyDeclarations(),
			code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 21829: more than 1000 attributes in <soap:Envelope>"},
		{name: "invalid UTF-8", file: "invalid-utf8.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 148: invalid UTF-8"},
		{name: "NUL byte", file: "nul-byte.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 155: illegal character code U+0000"},
		{name: "NUL character reference", file: "nul-char-ref.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 155: invalid character reference &#0;"},
		{name: "two Body elements, the first empty", file: "two-bodies-first-empty.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 186: Body is empty: no element to route on"},
		{name: "Body missing", file: "body-missing.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 186: Envelope has no Body"},
		{name: "Body empty", file: "body-empty.xml", code: vpfault.VP015, detail: "The request could not be read properly. line 1, column 197: Body has no element: nothing to route on"},
		{name: "MTOM without any delimiter line", file: "mtom-no-delimiter.mime", contentType: hostiletest.MTOM, code: vpfault.VP015, detail: mtomNoEnvelope},
		{name: "MTOM with a DTD in the root part", file: "mtom-root-dtd.mime", contentType: hostiletest.MTOM, code: vpfault.VP015, detail: "The request could not be read properly. line 4, column 1: DOCTYPE is not allowed in a SOAP message (no DTDs, so no external entities and no entity expansion)"},
		// SOAP 1.2 without a receiver: VP's own fault, which stays SOAP 1.1.
		{name: "SOAP 1.2 without receiver", file: "soap12-no-receiver.xml", contentType: hostiletest.SOAP12, code: vpfault.VP003,
			detail: "No receiverId (logical address) found in message header."},

		// Accepted by design (docs/robustness.md): the gateway routes on
		// the head and streams the rest unparsed; the producer's parser
		// sees the whole message unchanged.
		{name: "SOAP 1.2 envelope", file: "soap12.xml", contentType: hostiletest.SOAP12, forwarded: true},
		{name: "MTOM multipart", file: "mtom.mime", contentType: hostiletest.MTOM, forwarded: true},
		// VP ignores the declared boundary (its own MTOM test sends one the
		// body does not use): the body's first delimiter line counts.
		{name: "MTOM whose delimiter is not the declared boundary", file: "mtom-boundary-mismatch.mime", contentType: hostiletest.MTOM, forwarded: true},
		{name: "two Body elements, both with a child", file: "two-bodies.xml", forwarded: true},
		{name: "nesting 100,000 deep inside the first Body child", gen: hostiletest.DeepBody(),
			forwarded: true},
	}
}

// open streams the input: a generated one afresh, a file read with its
// external entities pointed at fetchAddr ("": unchanged).
func (in hostileInput) open(t testing.TB, fetchAddr string) (io.Reader, int64) {
	t.Helper()
	if in.gen != nil {
		return in.gen()
	}
	return hostiletest.Open(t, in.file, fetchAddr)
}

// rawClient posts to the gateway with hostiletest.Post as the test
// consumer.
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
	r, err := hostiletest.Post(c.addr, c.cfg, hostiletest.Request{
		Path: "/vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21", ContentType: contentType, Body: body, Size: length,
	})
	return response{status: r.Status, header: r.Header, body: r.Body}, err
}

// TestHostileXMLCorpus sends every hostile input through a real gateway.
// It does not run in parallel: it measures the process's heap.
func TestHostileXMLCorpus(t *testing.T) {
	vb := newVPBed(t)
	// XXE by URL must not make the gateway fetch anything: point the
	// entity at a listener that counts connections.
	fetches, xxeAddr := hostiletest.CountingListener(t)
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
			body, size := in.open(t, xxeAddr)
			before := vb.p21.count()
			runtime.GC()
			base := hostiletest.HeapNow()
			hs := hostiletest.StartHeapSampler()
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
				want, _ := in.open(t, "")
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

// TestHostileCorpusListed keeps fixtures/hostile, its README and the
// table above in step: every file has a row and a README line.
func TestHostileCorpusListed(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(hostiletest.Dir(), "README.md"))
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, in := range hostileInputs() {
		if in.file != "" {
			rows[in.file] = true
		} else {
			assert.Contains(t, string(readme), in.name, "generated input %q is described in the README", in.name)
		}
	}
	for _, name := range hostiletest.Files(t) {
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
		msg := []byte(hostiletest.Env + hostiletest.Hdr + hostiletest.Body + hostiletest.Close)
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
				body, size := in.open(b, "")
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
