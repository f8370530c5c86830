package exchange

import (
	"bytes"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestStoreRoundTrip writes exchanges concurrently and reads them back
// byte-exact, with per-scenario sequence numbers.
func TestStoreRoundTrip(t *testing.T) {
	t.Parallel()
	s := NewStore(t.TempDir())
	body := []byte("<a>\r\n\xef\xbb\xbf exact \x00 bytes</a>")
	var wg sync.WaitGroup
	ids := make([]string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex := &Exchange{Scenario: "S/1", Step: "step one", Role: "step", Received: time.Now(),
				Request: Message{Method: "POST", Header: http.Header{"Content-Type": {"text/xml"}}}}
			s.Begin(ex)
			if err := s.Write(ex, body, []byte{byte(i)}); err != nil {
				t.Error(err)
			}
			ids[i] = ex.ID
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		ex, req, resp, err := Read(s.Dir, id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(req, body) || len(resp) != 1 || resp[0] != byte(i) {
			t.Fatalf("%s: bodies changed", id)
		}
		if ex.Request.BodySize != len(body) || len(ex.Request.BodySHA256) != 64 || ex.Request.Header.Get("Content-Type") != "text/xml" {
			t.Fatalf("%s: meta %+v", id, ex.Request)
		}
	}
	if !seen["exchanges/S_1/001-step_one.json"] || !seen["exchanges/S_1/020-step_one.json"] {
		t.Fatalf("ids %v", ids)
	}
}
