package demo

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/gateway"
)

// SignerPubFile is the evidence signer's public key in the output directory.
const SignerPubFile = "evidence-signer.pub"

// writeOutputs writes the report and its renderings, then the signed
// evidence bundle, and verifies the bundle. What cannot be written is
// named in res.Missing with the reason; the rest is still written.
func (e *env) writeOutputs(res *Result) {
	missing := func(why string, files ...string) {
		for _, f := range files {
			res.Missing[f] = why
		}
	}
	in, err := report.Load(e.dir, e.suite.OSDir, time.Now())
	if err == nil {
		res.Report, err = report.Generate(in, e.o.Lang)
	}
	if err != nil {
		missing("report: "+err.Error(), report.JSONFile, report.HTMLFile, report.JUnitFile, report.PDFFile)
		e.out.linef("report: FAILED: %v", err)
	} else {
		e.out.linef("report: %s, %s, %s, %s (%s)", report.JSONFile, report.HTMLFile, report.JUnitFile, report.PDFFile, e.o.Lang)
	}

	// A key made for this run signs the bundle; its public half is kept
	// so the bundle can be verified against it (pinned) later.
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err == nil {
		e.signer = evidence.NewSigner(priv) // the workbench signs with it too
	}
	if err != nil {
		missing("signing key: "+err.Error(), evidence.BundleFile)
	} else if bundle, err := evidence.Create(evidence.Options{
		RunDir: e.dir, Suite: e.suite, Config: []string{e.gwConfig, e.takFile},
		Signer: e.signer,
	}); err != nil {
		missing("evidence: "+err.Error(), evidence.BundleFile)
		e.out.linef("evidence: FAILED: %v", err)
	} else {
		if der, err := x509.MarshalPKIXPublicKey(pub); err == nil {
			e.sigPub = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			if err := os.WriteFile(filepath.Join(e.dir, SignerPubFile), e.sigPub, 0o644); err != nil {
				e.out.linef("warning: %v", err)
			}
		}
		v, err := evidence.Verify(bundle, pub)
		if err != nil {
			res.Verified = "FAILED: " + err.Error()
			e.out.linef("evidence: %s written, but it does not verify: %v", evidence.BundleFile, err)
		} else {
			res.Verified = fmt.Sprintf("signature (Ed25519, key %.12s…) and %d file hashes good; %d checks re-evaluated from the raw exchanges as recorded; decision %s reproduced",
				evidence.KeyID(pub), v.Files, v.Checks, v.Decision)
			e.out.linef("evidence: %s signed and verified", evidence.BundleFile)
		}
	}
	for _, f := range outputFiles {
		if _, ok := res.Missing[f]; ok {
			continue
		}
		p := filepath.Join(e.dir, f)
		if _, err := os.Stat(p); err != nil {
			missing("not written: "+err.Error(), f)
			continue
		}
		res.Files = append(res.Files, p)
	}
}

// printer writes progress lines with the time since the start.
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func newPrinter(w io.Writer, start time.Time) *printer { return &printer{w: w, start: start} }

// linef prints one progress line (continuation lines are indented).
func (p *printer) linef(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(msg, "\n", "\n         ")
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%5.1fs] %s\n", time.Since(p.start).Seconds(), msg)
}

// textf prints text as it is.
func (p *printer) textf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, args...)
}

// printSummary prints the short summary: scenarios, findings by risk, the
// decision with its reasons, the files and what a person does next.
func printSummary(out *printer, e *env, res *Result) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nSummary (%.1fs)\n", res.Elapsed.Seconds())
	r := res.Report
	if r != nil {
		s := r.Summary
		fmt.Fprintf(&b, "  scenarios: %d pass, %d fail, %d manual pending, %d skipped · steps: %d · checks: %d pass, %d fail · exchanges: %d\n",
			s.Scenarios.Pass, s.Scenarios.Fail, s.Scenarios.Pending, s.Scenarios.Skip,
			s.Steps.Pass+s.Steps.Fail+s.Steps.Pending+s.Steps.Skip, s.Checks.Pass, s.Checks.Fail, s.Exchanges)
		fmt.Fprintf(&b, "  findings by risk: high %d · medium %d · low %d\n",
			s.Findings[string(risk.High)], s.Findings[string(risk.Medium)], s.Findings[string(risk.Low)])
		d := r.Decision
		fmt.Fprintf(&b, "  decision proposal: %s\n", decisionLine(d))
		for _, reason := range d.Reasons {
			fmt.Fprintf(&b, "    - %s\n", reason.Text)
		}
		if s.Checks.Fail == 0 {
			b.WriteString("  The demo consumer passed every automatic check.\n")
		} else {
			fmt.Fprintf(&b, "  %d check(s) failed: the findings are in report.html.\n", s.Checks.Fail)
		}
		if d.Outcome == decision.Incomplete {
			b.WriteString("  The demo does not judge manual steps or declare for the supplier: those are a\n" +
				"  person's part, so the proposal stays incomplete until they are recorded (Next).\n")
		}
	} else if e.run != nil {
		s := e.run.Summary
		fmt.Fprintf(&b, "  scenarios: %d pass, %d fail, %d manual pending (from results.json; the report could not be written)\n",
			s.Scenarios.Pass, s.Scenarios.Fail, s.Scenarios.ManualPending)
	}
	if res.Verified != "" {
		fmt.Fprintf(&b, "  evidence: %s\n", res.Verified)
	}
	fmt.Fprintf(&b, "\nFiles in %s:\n", e.dir)
	describe := map[string]string{
		report.HTMLFile:     "the report for people: open it in a browser (it prints well)",
		report.PDFFile:      "the same report as PDF",
		report.JSONFile:     "the report's source of truth",
		report.JUnitFile:    "one testcase per check, for CI",
		evidence.BundleFile: "signed evidence bundle (exchanges, suite, contracts, config, results, report)",
	}
	for _, f := range outputFiles {
		if why, ok := res.Missing[f]; ok {
			fmt.Fprintf(&b, "  %-20s MISSING: %s\n", f, why)
			continue
		}
		fmt.Fprintf(&b, "  %-20s %s\n", f, describe[f])
	}
	fmt.Fprintf(&b, "  %-20s every request and answer, byte-exact (results.json refers to them)\n", "exchanges/")
	fmt.Fprintf(&b, "  %-20s the gateway's log: one JSON line per exchange\n", "gateway.log")
	if e.sigPub != nil {
		fmt.Fprintf(&b, "  %-20s the public key that signed evidence.zip\n", SignerPubFile)
	}
	d := shellQuote(e.dir)
	fmt.Fprintf(&b, "\nNext (rivgate is ./rivgate from `go build -o rivgate ./cmd/rivgate`, or `go run ./cmd/rivgate`):\n")
	fmt.Fprintf(&b, "  rivgate conform verify %s/evidence.zip --pubkey %s/%s\n", d, d, SignerPubFile)
	if r != nil && !r.Decision.Outcome.IsApproval() {
		fmt.Fprintf(&b, "  # a person's part, then a new report (docs/testers-guide.md):\n")
		for _, sc := range r.Scenarios {
			for _, st := range sc.Steps {
				if st.Manual != nil && st.Manual.Verdict == "" {
					fmt.Fprintf(&b, "  rivgate conform judge --out %s --scenario %s --step %s --verdict pass --note \"error shown, patient kept\" --by \"Your Name\"\n", d, sc.ID, st.ID)
				}
			}
		}
		fmt.Fprintf(&b, "  rivgate conform declare --out %s --by \"Your Name\" --org \"Your Org\" --statement \"We declare ...\"\n", d)
		fmt.Fprintf(&b, "  rivgate conform report --out %s\n", d)
		// evidence.zip still holds the old decision until it is bundled
		// again; the demo's signing key was not kept, so make one.
		fmt.Fprintf(&b, "  rivgate conform keygen --out %s/signer.key\n", d)
		fmt.Fprintf(&b, "  rivgate conform bundle --out %s --key %s/signer.key\n", d, d)
		fmt.Fprintf(&b, "  rivgate conform verify %s/evidence.zip --pubkey %s/signer.key.pub\n", d, d)
	}
	out.textf("%s", b.String())
}

// TourCommand is one command of the --keep-running tour.
type TourCommand struct {
	Title   string
	Command string
	// Want is text the output contains (tests check it).
	Want []string
}

// Tour is what --keep-running prints.
type Tour struct {
	Gateway, Admin string // base URLs
	Commands       []TourCommand
}

// keepRunning routes the suite's clinic to the demo producer (the harness
// has finished), writes the consumer's certificate and sample requests
// into the output directory and returns the curl tour.
func (e *env) keepRunning(ctx context.Context) (Tour, error) {
	if err := os.WriteFile(e.takFile, []byte(e.takYAML(e.prod.URL(), "the demo producer (the conformance run is over)")), 0o644); err != nil {
		return Tour{}, fmt.Errorf("write TAK: %w", err)
	}
	rep := e.gw.Reload(ctx)
	if !rep.Catalogue.OK {
		return Tour{}, fmt.Errorf("TAK reload: %s", rep.Catalogue.Message)
	}
	e.out.linef("TAK reloaded: %s now routes to the demo producer (%s)", defaultReceiver, rep.Catalogue.Message)
	pkiDir := filepath.Join(e.dir, "pki")
	tourDir := filepath.Join(e.dir, "tour")
	for _, d := range []string{pkiDir, tourDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return Tour{}, fmt.Errorf("tour files: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(pkiDir, "ca.pem"), e.ca.CertPEM, 0o644); err != nil {
		return Tour{}, fmt.Errorf("tour files: %w", err)
	}
	if _, _, err := e.cons.WriteFiles(pkiDir, "consumer"); err != nil {
		return Tour{}, err
	}
	files := map[string]string{"get-visits.xml": defaultReceiver, "get-visits-unknown-receiver.xml": unknownClinic}
	for name, receiver := range files {
		if err := os.WriteFile(filepath.Join(tourDir, name), e.consumer.request(receiver), 0o644); err != nil {
			return Tour{}, fmt.Errorf("tour files: %w", err)
		}
	}
	gw := "https://" + e.gw.Addr(gateway.HTTPS)
	admin := "http://" + e.gw.Addr(gateway.Admin)
	q := func(parts ...string) string { return shellQuote(filepath.Join(parts...)) }
	tls := fmt.Sprintf("--cacert %s --cert %s --key %s", q(pkiDir, "ca.pem"), q(pkiDir, "consumer.pem"), q(pkiDir, "consumer.key"))
	post := func(file string) string {
		return fmt.Sprintf("-H 'Content-Type: text/xml; charset=UTF-8' --data-binary @%s -w '\\nHTTP %%{http_code}\\n' %s%s", q(tourDir, file), gw, visitsPath)
	}
	t := Tour{Gateway: gw, Admin: admin, Commands: []TourCommand{
		{Title: "A happy call: the consumer's certificate, GetVisits to " + defaultReceiver + " (routed to the demo producer)",
			Command: "curl -sS " + tls + " " + post("get-visits.xml"), Want: []string{"GetVisitsResponse", "HTTP 200"}},
		{Title: "A VP fault: the same call to " + unknownClinic + ", which has no route in the TAK (VP004)",
			Command: "curl -sS " + tls + " " + post("get-visits-unknown-receiver.xml"), Want: []string{"VP004 [rivgate demo]", "HTTP 500"}},
		{Title: "No client certificate: the gateway answers VP002 instead of failing the handshake",
			Command: "curl -sS --cacert " + q(pkiDir, "ca.pem") + " " + post("get-visits.xml"), Want: []string{"VP002 [rivgate demo]", "HTTP 500"}},
		{Title: "The contract's WSDL, endpoint address rewritten to the gateway",
			Command: fmt.Sprintf("curl -sS --cacert %s '%s%s?wsdl'", q(pkiDir, "ca.pem"), gw, visitsPath), Want: []string{"soap:address", gw}},
		{Title: "Status and metrics on the admin listener",
			Command: fmt.Sprintf("curl -sS %s/status; curl -sS %s/metrics | grep '^rivgate_gateway_requests_total'", admin, admin),
			Want:    []string{`"ready": true`, "rivgate_gateway_requests_total"}},
		{Title: "Reload the TAK (after editing " + e.takFile + ")",
			Command: "curl -sS -X POST " + admin + "/resetcache", Want: []string{`"ok": true`}},
	}}
	return t, nil
}

// printTour prints the curl commands.
func printTour(out *printer, t Tour) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nThe gateway (%s) and the demo producer keep running. Paste these into another shell:\n", t.Gateway)
	for _, c := range t.Commands {
		fmt.Fprintf(&b, "\n# %s\n%s\n", c.Title, c.Command)
	}
	b.WriteString("\nThe gateway logs every call to gateway.log in the output directory. Ctrl-C stops everything.\n")
	out.textf("%s", b.String())
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
