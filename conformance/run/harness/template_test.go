package harness

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/pki"
)

const getVisitsAction = "urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"

// TestTemplateEchoesEachConsumer serves the demo-templates suite (one
// step answered from a template) as a mock platform over mutual TLS to two
// consumers at once, each asking for its own patient and period: every
// answer carries its own consumer's patient id and dates and the receiver,
// never the other's, and is valid against the contract.
func TestTemplateEchoesEachConsumer(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite := loadFixtureSuite(t, "demo-templates")
	dir, _ := suite.ContractsOSDir()
	set, err := contracts.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	validator := xsd.New(set)
	recorded, err := suite.ReadFile("requests/get-visits-period.xml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, served := serveInBackground(ctx, t, suite, Options{TLS: p.serverTLS(), Out: t.TempDir()})

	consumers := []struct {
		cert             *pki.Cert
		patient, from    string
		to, firstVisitAt string
	}{
		{p.good, "197001012383", "20260105", "20260120", "2026-01-05T09:30:00+01:00"},
		{p.wrong, "200002022396", "20261201", "20261224", "2026-12-01T09:30:00+01:00"},
	}
	const calls = 3
	recs := make([]*exchangeRecorder, len(consumers))
	var wg sync.WaitGroup
	for i, c := range consumers {
		body := strings.NewReplacer("191212121212", c.patient, "20260301", c.from, "20260331", c.to).Replace(string(recorded))
		recs[i] = newRecorder(p, c.cert, []byte(body), getVisitsAction)
		recs[i].url = h.URL()
		wg.Go(func() {
			for range calls {
				if err := recs[i].call(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	cancel()
	run := served()

	for i, c := range consumers {
		other := consumers[1-i].patient
		r := recs[i]
		if len(r.answers) != calls {
			t.Fatalf("consumer %d got %d answers, want %d", i, len(r.answers), calls)
		}
		for j, a := range r.answers {
			for _, want := range []string{"<core:id>" + c.patient + "</core:id>", "<core:start>" + c.firstVisitAt + "</core:start>",
				"<core:start>" + c.to[:4] + "-" + c.to[4:6] + "-" + c.to[6:] + "T13:00:00+01:00</core:start>",
				"<core:careUnitHSAId>SE2321000016-UNIT1</core:careUnitHSAId>", "Besök hos SE2321000016-CLIN"} {
				if !bytes.Contains(a, []byte(want)) {
					t.Errorf("consumer %d answer %d (status %d) lacks %s:\n%s", i, j, r.status[j], want, a)
				}
			}
			if bytes.Count(a, []byte(c.patient)) != 2 || bytes.Contains(a, []byte(other)) || bytes.Contains(a, []byte("{{")) {
				t.Errorf("consumer %d answer %d echoes the wrong data:\n%s", i, j, a)
			}
			if ns, problems, err := xsd.ValidateMessage(validator, a); err != nil || len(problems) > 0 {
				t.Errorf("consumer %d answer %d is not valid against %s: %v %v", i, j, ns, problems, err)
			}
		}
	}
	// Every request was answered by the one step, its template check passed.
	if len(run.Scenarios) != 1 || len(run.Scenarios[0].Steps) != 1 {
		t.Fatalf("served %+v", run.Scenarios)
	}
	st := run.Scenarios[0].Steps[0]
	templates := 0
	for _, ch := range st.Checks {
		if ch.ID == check.CheckTemplate {
			templates++
			if ch.Status != result.Pass || ch.Message != "13 placeholder(s) of responses/visits-for-request.xml filled from the request" {
				t.Errorf("template check %s: %s", ch.Status, ch.Message)
			}
		}
	}
	if templates != len(consumers)*calls || len(st.Exchanges) != len(consumers)*calls || st.Answer != "template responses/visits-for-request.xml" {
		t.Fatalf("%d template checks, %d exchanges, answer %q", templates, len(st.Exchanges), st.Answer)
	}
}

// TestTemplateFindsNothing: a request without the fields the template
// echoes (here no period) gets a SOAP fault, not an answer with empty
// fields, and the run records why as the step's template finding.
func TestTemplateFindsNothing(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite := loadFixtureSuite(t, "demo-templates")
	recorded, err := suite.ReadFile("requests/get-visits-period.xml")
	if err != nil {
		t.Fatal(err)
	}
	noPeriod := strings.NewReplacer("<gv:fromDate>20260301</gv:fromDate>", "", "<gv:toDate>20260331</gv:toDate>", "").Replace(string(recorded))
	c, gc := newRecorder(p, p.good, []byte(noPeriod), getVisitsAction), &goConsumer{}
	out := t.TempDir()
	run := runHarness(t, suite, Options{TLS: p.serverTLS(), Out: out, Await: c.awaitVia(gc)}, gc, time.Minute)
	got := failures(run)
	want := map[string]string{
		"T01/get-visits/match[0]": "the consumer asks for a period",
		"T01/get-visits/template": "template responses/visits-for-request.xml: placeholder(s) {{substring(//gv:GetVisits/gv:fromDate, 1, 4)}} (line 12)",
	}
	if len(got) != len(want) {
		t.Fatalf("failed %v, want %v", keys(got), keys(want))
	}
	for k, frag := range want {
		if !strings.Contains(got[k], frag) {
			t.Errorf("%s: %q, want it to contain %q", k, got[k], frag)
		}
	}
	if !strings.Contains(got["T01/get-visits/template"], "found nothing in the request (the consumer got a SOAP fault instead of the answer)") {
		t.Errorf("template finding: %s", got["T01/get-visits/template"])
	}
	// A verifier recomputes the finding from the recorded exchange.
	dir, _ := suite.ContractsOSDir()
	set, err := contracts.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	env := check.Env{Suite: suite, Contracts: set, Validator: xsd.New(set)}
	if diffs, err := env.Reevaluate(out, run); err != nil || len(diffs) > 0 {
		t.Fatalf("re-evaluation: %v %v", diffs, err)
	}
	if len(c.answers) != 1 || c.status[0] != 500 || !bytes.Contains(c.answers[0], []byte(":Server</faultcode>")) ||
		!bytes.Contains(c.answers[0], []byte("found nothing in the request")) {
		t.Fatalf("the consumer got %v:\n%s", c.status, bytes.Join(c.answers, nil))
	}
}
