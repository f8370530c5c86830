package gateway

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

const hundredMB = 100 << 20

// patternReader yields n bytes of XML-safe text without holding them.
type patternReader struct {
	left int64
	off  int
}

const patternUnit = 21 // len("abcdefghij0123456789 ")

var pattern = bytes.Repeat([]byte("abcdefghij0123456789 "), 4096)

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	chunk := pattern[p.off:]
	n := copy(b, chunk[:min(int64(len(chunk)), p.left)])
	p.left -= int64(n)
	p.off = (p.off + n) % patternUnit
	return n, nil
}

// bigEnvelope is a RIV-TA 2.1 call whose body holds n bytes of text.
func bigEnvelope(receiver string, n int64) (io.Reader, int64) {
	head := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">` + receiver +
		`</LogicalAddress></soap:Header><soap:Body><ns2:GetSubjectOfCareSchedule xmlns:ns2="` + scheduleNS + `"><ns2:subject_of_care>`
	tail := `</ns2:subject_of_care></ns2:GetSubjectOfCareSchedule></soap:Body></soap:Envelope>`
	return io.MultiReader(bytes.NewReader([]byte(head)), &patternReader{left: n}, bytes.NewReader([]byte(tail))), int64(len(head)+len(tail)) + n
}

// heapPeak samples the heap in use until stop is called.
type heapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func watchHeap() *heapPeak {
	runtime.GC()
	h := &heapPeak{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > h.peak.Load() {
				h.peak.Store(ms.HeapInuse)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) done() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak.Load()
}

type hashWriter struct {
	h hash.Hash
	n int64
}

func (w *hashWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return w.h.Write(p) }

// TestHundredMBThroughGatewayWithBoundedHeap sends a 100 MB request and
// receives a 100 MB response through real TLS while sampling the heap of
// the whole process (gateway, producer and client, all streaming): the peak
// must stay under 64 MB. Run with -v to see the figures.
func TestHundredMBThroughGatewayWithBoundedHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 200 MB through TLS; skipped with -short")
	}
	var gotReq hashWriter
	gotReq.h = sha256.New()
	p := newProducer(t, nil)
	p.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotReq.h.Reset()
		gotReq.n = 0
		_, _ = io.Copy(&gotReq, r.Body)
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
		if r.URL.Query().Get("big") == "1" {
			body, n := bigEnvelope("X", hundredMB)
			w.Header().Set("Content-Length", fmt.Sprint(n))
			_, _ = io.Copy(w, body)
			return
		}
		_, _ = w.Write(okResponse)
	})
	y := fill(`
routes:
  - {receiver: BIGREQ, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/in"}
  - {receiver: BIGRESP, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/out?big=1"}
permissions:
  - {sender: "{{C}}", receiver: BIGREQ, contract: "{{NS}}"}
  - {sender: "{{C}}", receiver: BIGRESP, contract: "{{NS}}"}
`, "{{NS}}", scheduleNS, "{{P}}", p.srv.URL, "{{C}}", consumerID)
	b := newBed(t, y, func(b *bed) {
		b.cfg.Limits.MaxBody = config.ByteSize(200 << 20)
		b.cfg.Producers.Timeout = yamlstrict.Duration(30 * time.Second)
	})

	t.Run("100 MB request", func(t *testing.T) {
		body, n := bigEnvelope("BIGREQ", hundredMB)
		sent := sha256.New()
		req, err := http.NewRequest(http.MethodPost, b.url(HTTPS), io.TeeReader(body, sent))
		require.NoError(t, err)
		req.ContentLength = n
		hp := watchHeap()
		start := time.Now()
		resp, err := b.client.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		peak := hp.done()
		require.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, n, gotReq.n)
		assert.Equal(t, sent.Sum(nil), gotReq.h.Sum(nil), "the producer got every byte")
		t.Logf("100 MB request: %.0f MB/s, process heap peak %.1f MB", float64(n)/1e6/time.Since(start).Seconds(), float64(peak)/(1<<20))
		assert.Less(t, peak, uint64(64<<20), "heap peak")
	})
	t.Run("100 MB response", func(t *testing.T) {
		reqBody, _ := bigEnvelope("BIGRESP", 10)
		req, err := http.NewRequest(http.MethodPost, b.url(HTTPS), reqBody)
		require.NoError(t, err)
		hp := watchHeap()
		start := time.Now()
		resp, err := b.client.Do(req)
		require.NoError(t, err)
		got := hashWriter{h: sha256.New()}
		_, err = io.Copy(&got, resp.Body)
		require.NoError(t, err)
		_ = resp.Body.Close()
		peak := hp.done()
		require.Equal(t, 200, resp.StatusCode)
		want, n := bigEnvelope("X", hundredMB)
		wh := sha256.New()
		_, _ = io.Copy(wh, want)
		assert.Equal(t, n, got.n)
		assert.Equal(t, wh.Sum(nil), got.h.Sum(nil))
		t.Logf("100 MB response: %.0f MB/s, process heap peak %.1f MB", float64(n)/1e6/time.Since(start).Seconds(), float64(peak)/(1<<20))
		assert.Less(t, peak, uint64(64<<20), "heap peak")
	})
}

// TestMaxBody: a declared length over limits.max_body is refused before
// anything is forwarded; a chunked body that grows over it is cut off and
// answered with the same clear fault (HTTP 413, VP015 text).
func TestMaxBody(t *testing.T) {
	t.Parallel()
	var complete atomic.Int32
	p := newProducer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		complete.Add(1)
		_, _ = w.Write(okResponse)
	})
	y := fill(`
routes:
  - {receiver: R, contract: "{{NS}}", profile: RIVTABP21, address: "{{P}}/in"}
permissions:
  - {sender: "{{C}}", receiver: R, contract: "{{NS}}"}
`, "{{NS}}", scheduleNS, "{{P}}", p.srv.URL, "{{C}}", consumerID)
	b := newBed(t, y, func(b *bed) { b.cfg.Limits.MaxBody = config.ByteSize(1 << 20) })
	tests := []struct {
		name    string
		chunked bool
		size    int64
	}{
		{"declared length over the limit", false, 2 << 20},
		{"chunked body growing over the limit", true, 2 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, n := bigEnvelope("R", tt.size)
			req, err := http.NewRequest(http.MethodPost, b.url(HTTPS), body)
			require.NoError(t, err)
			if !tt.chunked {
				req.ContentLength = n
			}
			resp, err := b.client.Do(req)
			require.NoError(t, err)
			rb, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
			f, err := vpfault.Parse(rb)
			require.NoError(t, err, string(rb))
			assert.Equal(t, vpfault.VP015, f.Code)
			assert.Contains(t, f.DetailString, "exceeds limits.max_body (1048576 bytes)")
			assert.EqualValues(t, 0, complete.Load(), "the producer never got a complete call")
		})
	}
	body, n := bigEnvelope("R", 1000)
	req, err := http.NewRequest(http.MethodPost, b.url(HTTPS), body)
	require.NoError(t, err)
	req.ContentLength = n
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "a body under the limit passes")
}
