package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// certifiedRun is a real run with the manual verdict, both reviews (one
// failed, with a screenshot attached) and the declaration recorded: the
// proposal is "Godkänd med förbehåll".
func certifiedRun(t *testing.T) string {
	t.Helper()
	dir := reporttest.RealRun(t)
	shot := reporttest.Attachment(t, "felmeddelande.png", "not really a png")
	reporttest.Certify(t, dir, reporttest.People{
		ManualNote: "the error is shown with the VP code",
		Reviews: []reporttest.Review{
			{Item: "A-1", Verdict: "pass", Note: "architecture described", By: "granskare"},
			{Item: "B-1", Verdict: "fail", Note: "skärmdump för VP007 saknas", By: "granskare", Files: []string{shot}},
		},
		DeclaredBy: "Åsa Öberg", Org: "Demo Vård AB", Statement: "Vi intygar att testerna är utförda enligt bilagorna.",
	}, now)
	return dir
}

func generate(t *testing.T, dir, lang string) *Report {
	t.Helper()
	in, err := Load(dir, "", now)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Generate(in, lang)
	if err != nil {
		t.Fatal(err)
	}
	validateSchema(t, r)
	return r
}

func need(t *testing.T, cmd, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(cmd)
	if err != nil {
		t.Skipf("%s missing: apt-get install -y %s (scripts/test.sh installs it)", cmd, pkg)
	}
	return p
}

// chromium loads a file:// URL headless and returns the DOM and every
// console message chromium logged while loading it.
func chromium(t *testing.T, page string, extra ...string) (dom string, console []string) {
	t.Helper()
	bin := need(t, "chromium", "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}, extra...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, errb.String())
	}
	for _, l := range strings.Split(errb.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return out.String(), console
}

// TestConsoleCaptureSeesErrors is the control for the console assertion
// below: the same capture does see a page's console error.
func TestConsoleCaptureSeesErrors(t *testing.T) {
	t.Parallel()
	page := filepath.Join(t.TempDir(), "control.html")
	if err := os.WriteFile(page, []byte(`<!DOCTYPE html><p>x</p><script>console.error("deliberate control error")</script>`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, console := chromium(t, page, "--dump-dom")
	if !strings.Contains(strings.Join(console, "\n"), "deliberate control error") {
		t.Fatalf("console capture missed the control error: %q", console)
	}
}

var hrefRE = regexp.MustCompile(`href="([^"#][^"]*)"`)

func TestHTMLInChromium(t *testing.T) {
	t.Parallel()
	dir := certifiedRun(t)
	r := generate(t, dir, LangSV)
	if r.Decision.Outcome != decision.ApprovedWithConditions {
		t.Fatalf("decision %s: %+v", r.Decision.Outcome, r.Decision.Reasons)
	}
	page := filepath.Join(dir, HTMLFile)
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	// Self-contained: no external reference of any kind.
	for _, bad := range []string{`href="http`, "<script", "<link", "src=", "url(", "@import"} {
		if bytes.Contains(html, []byte(bad)) {
			t.Errorf("report.html contains %q", bad)
		}
	}
	// Every link points at a file in the run directory.
	links := hrefRE.FindAllSubmatch(html, -1)
	if len(links) < 5 {
		t.Fatalf("only %d links", len(links))
	}
	for _, m := range links {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(string(m[1])))); err != nil {
			t.Errorf("link %s: %v", m[1], err)
		}
	}
	dom, console := chromium(t, page, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("console messages while loading report.html:\n%s", strings.Join(console, "\n"))
	}
	for _, want := range []string{`id="decision-label">Godkänd med förbehåll<`, "Bilaga B – Felhantering och användargränssnitt", "Åsa Öberg", "<svg", "F001", "D1"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
	png := filepath.Join(dir, "report.png")
	_, console = chromium(t, page, "--screenshot="+png, "--window-size=1280,4000", "--hide-scrollbars")
	if len(console) > 0 {
		t.Errorf("console messages while screenshotting:\n%s", strings.Join(console, "\n"))
	}
	st, err := os.Stat(png)
	if err != nil || st.Size() < 20_000 {
		t.Fatalf("screenshot %s: %v (%v bytes)", png, err, st)
	}
	if os.Getenv("RIVGATE_KEEP_REPORT") != "" {
		t.Logf("report kept in %s", dir)
	}
}

func TestPDFText(t *testing.T) {
	t.Parallel()
	bin := need(t, "pdftotext", "poppler-utils")
	dir := certifiedRun(t)
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{lang: LangSV, want: []string{"Godkänd med förbehåll", "Sammanfattning av tester och granskningar", "Certifieringsbilaga A: Bilaga A – Teknisk anslutning", "Åsa Öberg", "Åtgärdas", "Ansvarig"}},
		{lang: LangEN, want: []string{"Approved with conditions", "Summary of tests and reviews", "Certification appendix B"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			generate(t, dir, tt.lang)
			out, err := exec.Command(bin, "-enc", "UTF-8", "-layout", filepath.Join(dir, PDFFile), "-").CombinedOutput()
			if err != nil {
				t.Fatalf("pdftotext: %v\n%s", err, out)
			}
			text := string(out)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
		})
	}
}

func TestJUnitConsumers(t *testing.T) {
	t.Parallel()
	dir := certifiedRun(t)
	r := generate(t, dir, LangSV)
	xmllint := need(t, "xmllint", "libxml2-utils")
	junit := filepath.Join(dir, JUnitFile)
	if out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit.xsd"), junit).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
	// One testcase per check per step, one per manual step, one per review,
	// the declaration and the decision.
	checks, manual := 0, 0
	for _, sc := range r.Scenarios {
		for _, st := range sc.Steps {
			checks += len(st.Checks)
			if st.Manual != nil {
				manual++
			}
		}
	}
	wantTests := checks + manual + len(r.Reviews) + 2
	python := "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import junitparser").CombinedOutput(); err != nil {
		t.Skipf("python3-junitparser missing: apt-get install -y python3-junitparser (%s)", out)
	}
	out, err := exec.Command(python, filepath.Join("testdata", "junit_counts.py"), junit).CombinedOutput()
	if err != nil {
		t.Fatalf("junitparser: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var tests, failures, skipped int
	if _, err := fmt.Sscan(lines[0], &tests, &failures, &skipped); err != nil {
		t.Fatalf("junitparser output %q", out)
	}
	// JUnit has one "skipped" for both "not verified" and "not applicable".
	wantSkipped := r.Summary.Checks.Skip + r.Summary.Checks.NotApplicable
	if tests != wantTests || failures != 2 || skipped != wantSkipped || r.Summary.Checks.NotApplicable == 0 {
		t.Errorf("junitparser read %d tests, %d failures, %d skipped; want %d, 2, %d (%d n/a)", tests, failures, skipped, wantTests, wantSkipped, r.Summary.Checks.NotApplicable)
	}
	failed := strings.Join(lines[1:], "\n")
	for _, want := range []string{"report-fixture.R04 get-visits-exact " + scenario.ReqReceiverSpace, "report-fixture.review.B B-1 "} {
		if !strings.Contains(failed, want) {
			t.Errorf("failed cases %q lack %q", failed, want)
		}
	}
}
