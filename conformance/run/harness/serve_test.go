package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// TestServe runs the harness as a long-running mock platform: a request
// meeting the happy step's matchers gets its answer; one meeting its
// expectation but failing a matcher stays there, with the failure as a
// finding (it used to move quietly to the VP007 step, which has no
// matchers); one the platform would refuse gets VP004; one meeting no
// step's expectation is answered with a fault and reported as unexpected.
func TestServe(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite := loadBehaviourSuite(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h, served := serveInBackground(ctx, t, suite, Options{TLS: p.serverTLS(), Out: t.TempDir()})
	c := newGoConsumer(p, p.good, 2*time.Second)
	c.url = h.URL()
	if err := c.call(ctx); err != nil { // matches HAPPY/get-visits
		t.Fatal(err)
	}
	c.body = func() []byte {
		return []byte(strings.Replace(goodEnvelope, "SE2321000016-UNIT1", "SE2321000016-UNIT9", 1))
	}
	if err := c.call(ctx); err != nil { // HAPPY's expectation, not its careUnitHSAId matcher
		t.Fatal(err)
	}
	if a := c.lastAnswer(); a.status != http.StatusOK {
		t.Fatalf("a failed matcher: HTTP %d, want HAPPY's answer", a.status)
	}
	c.body = func() []byte {
		return []byte(strings.Replace(goodEnvelope, ">SE2321000016-CLIN<", ">SE2321000016-CLIN <", 1))
	}
	if err := c.call(ctx); err != nil { // the platform refuses the receiver
		t.Fatal(err)
	}
	if a := c.lastAnswer(); a.status != http.StatusInternalServerError || !strings.Contains(a.body, "VP004 [rivgate]") {
		t.Fatalf("whitespace receiver: HTTP %d %s, want VP004", a.status, a.body)
	}
	c.body = func() []byte { return []byte(strings.Replace(goodEnvelope, "GetVisits>", "GetVisitz>", 2)) }
	if err := c.call(ctx); err != nil { // matches no step
		t.Fatal(err)
	}
	cancel()
	run := served()
	if run.Mode != "serve" || len(run.Scenarios) != 1 || run.Scenarios[0].ID != "HAPPY" || run.Scenarios[0].Steps[0].Answer != "vp_fault VP004" {
		t.Fatalf("served %+v", run.Scenarios)
	}
	happy := run.Scenarios[0].Steps[0]
	if got := failures(run); len(happy.Exchanges) != 3 || !strings.Contains(got["HAPPY/get-visits/match[1]"], `equals "SE2321000016-UNIT1": got "SE2321000016-UNIT9"`) ||
		!strings.Contains(got["HAPPY/get-visits/RIV-RECV-02"], "surrounding whitespace") {
		t.Fatalf("HAPPY: %d exchanges, failures %v", len(happy.Exchanges), got)
	}
	if len(run.Unexpected) != 1 || !strings.Contains(run.Unexpected[0].Message, "meets no step's expectation") {
		t.Fatalf("unexpected %+v", run.Unexpected)
	}
}

// TestHTTPTrigger: a scenario trigger that calls the consumer's own HTTP
// API makes it send the awaited request.
func TestHTTPTrigger(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite := loadBehaviourSuite(t)
	c := newGoConsumer(p, p.good, time.Second)
	var triggered atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		triggered.Add(1)
		if r.Method != http.MethodPost || r.Header.Get("X-Patient") != "191212121212" {
			http.Error(w, "bad trigger", http.StatusBadRequest)
			return
		}
		_ = c.call(r.Context())
	}))
	defer api.Close()
	suite.Scenarios[0].Trigger = &scenario.Trigger{HTTP: &scenario.HTTPTrigger{URL: api.URL, Method: http.MethodPost,
		Headers: map[string]string{"X-Patient": "191212121212"}}}
	run := runHarness(t, suite, Options{TLS: p.serverTLS(), Out: t.TempDir(), Scenarios: []string{"HAPPY"}}, c, 30*time.Second)
	if run.Status != result.Pass || triggered.Load() != 1 {
		t.Fatalf("status %s, triggered %d: %v", run.Status, triggered.Load(), failures(run))
	}
}
