package conformcmd

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/testutil"
)

// rivgate runs `rivgate conform ARGS...` in process and returns the output
// and exit code.
func rivgate(t *testing.T, args ...string) (string, int) {
	t.Helper()
	code, out := execute(t, New(), args...)
	return out, code
}

func expect(t *testing.T, code int, out string, wantCode int, wants ...string) {
	t.Helper()
	if code != wantCode {
		t.Fatalf("exit %d, want %d:\n%s", code, wantCode, out)
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestCertificationFlow walks a certification through the CLI: plan,
// report before and after the people's part, override, bundle, verify,
// tamper, diff.
func TestCertificationFlow(t *testing.T) {
	t.Parallel()
	dir := reporttest.RealRun(t)
	suite := reporttest.SuiteDir(t)
	riskFile := filepath.Join("testdata", "risk.yaml")

	out, code := rivgate(t, "plan", "--suite", suite, "--risk", riskFile, "--out", dir)
	expect(t, code, out, 0, "recertification", "RUN  R04", "changed (felrättning): its core set runs", "selected: R01, R04",
		"functions from: risk profile; scenario tags from: derived 4")
	if _, err := os.Stat(filepath.Join(dir, "risk.yaml")); err != nil {
		t.Fatal("plan --out did not keep the risk profile:", err)
	}
	out, code = rivgate(t, "plan", "--suite", suite, "--json")
	expect(t, code, out, 0, `"selected": true`)
	out, code = rivgate(t, "plan", "--suite", suite, "--risk", filepath.Join(t.TempDir(), "missing.yaml"))
	expect(t, code, out, 2, "missing.yaml")

	out, code = rivgate(t, "report", "--out", dir)
	expect(t, code, out, 1, "Beslut: Ofullständig – inget beslut kan föreslås", "manuell(a) bedömning(ar) väntar: R03/shows-error", "Beställarens deklaration är inte registrerad")

	out, code = rivgate(t, "decide", "--out", dir, "--outcome", "approved", "--reason", "looks fine", "--by", "certifierare")
	expect(t, code, out, 2, "declaration")
	out, code = rivgate(t, "judge", "--out", dir, "--item", "Z-1", "--verdict", "pass", "--note", "x", "--by", "testare")
	expect(t, code, out, 2, `item "Z-1" is not in`)
	out, code = rivgate(t, "judge", "--out", dir, "--item", "A-1", "--scenario", "R03", "--verdict", "pass", "--note", "x", "--by", "testare")
	expect(t, code, out, 2, "not both")
	out, code = rivgate(t, "judge", "--out", dir, "--verdict", "pass", "--note", "x", "--by", "testare")
	expect(t, code, out, 2, "--scenario (a manual step) or --item (a document-review item) is required")

	shot := filepath.Join(t.TempDir(), "vp007.png")
	if err := os.WriteFile(shot, []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"judge", "--out", dir, "--scenario", "R03", "--verdict", "pass", "--note", "error shown", "--attach", shot, "--by", "testare"},
		{"judge", "--out", dir, "--item", "A-1", "--verdict", "pass", "--note", "architecture described", "--by", "granskare"},
		// review is another name for judge
		{"review", "--out", dir, "--item", "B-1", "--verdict", "pass", "--note", "all messages shown", "--attach", shot, "--by", "granskare"},
		{"declare", "--out", dir, "--by", "Åsa Öberg", "--org", "Demo Vård AB", "--statement", "Vi intygar att testerna är utförda."},
	} {
		out, code = rivgate(t, args...)
		expect(t, code, out, 0)
	}
	out, code = rivgate(t, "report", "--out", dir)
	expect(t, code, out, 0, "Beslut: Godkänd med förbehåll (approved-with-conditions)", "report.html", "report.pdf", "junit.xml")
	// Both people's verdicts are on record, with their attachments.
	run, err := result.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := run.Scenarios[2].Steps[1].Manual
	if m == nil || m.Verdict != "pass" || len(m.Attachments) != 1 || m.Attachments[0].Path != "attachments/manual-R03-shows-error/vp007.png" {
		t.Fatalf("manual verdict %+v", m)
	}
	if _, err := os.Stat(filepath.Join(dir, "attachments", "manual-R03-shows-error", "vp007.png")); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil || !strings.Contains(string(html), `href="attachments/manual-R03-shows-error/vp007.png"`) {
		t.Fatalf("report.html does not link the manual verdict's attachment (%v)", err)
	}
	out, code = rivgate(t, "report", "--out", dir, "--lang", "en")
	expect(t, code, out, 0, "Decision: Approved with conditions")

	keys := t.TempDir()
	out, code = rivgate(t, "keygen", "--out", filepath.Join(keys, "key"))
	expect(t, code, out, 0, "key id")
	out, code = rivgate(t, "bundle", "--out", dir, "--key", filepath.Join(keys, "key"))
	expect(t, code, out, 0, "evidence.zip")
	bundle := filepath.Join(dir, "evidence.zip")
	out, code = rivgate(t, "verify", bundle, "--pubkey", filepath.Join(keys, "key.pub"))
	expect(t, code, out, 0, "OK", "the pinned key", "decision re-evaluated: Godkänd med förbehåll", "decision of the report generated ", ", bundled ")
	out, code = rivgate(t, "verify", bundle)
	expect(t, code, out, 0, "not pinned")

	// A truncated copy is refused.
	raw, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	partial := filepath.Join(t.TempDir(), "partial.zip")
	if err := os.WriteFile(partial, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = rivgate(t, "verify", partial, "--pubkey", filepath.Join(keys, "key.pub"))
	expect(t, code, out, 1, "FAILED", "partial.zip", "not a complete zip archive")

	// The certifier overrides; the proposal stays in the report.
	out, code = rivgate(t, "decide", "--out", dir, "--outcome", "rejected", "--reason", "test environment not like production", "--by", "certifierare")
	expect(t, code, out, 0, "Underkänd")
	// The report no longer follows from what is recorded: no bundle until
	// it is made again.
	out, code = rivgate(t, "bundle", "--out", dir, "--key", filepath.Join(keys, "key"), "--bundle", filepath.Join(t.TempDir(), "stale.zip"))
	expect(t, code, out, 2, "report.json is out of date (", "): run 'conform report' again; nothing bundled")
	out, code = rivgate(t, "report", "--out", dir)
	expect(t, code, out, 1, "Beslut: Underkänd (rejected)", "förslag: Godkänd med förbehåll",
		// Issue 20: evidence.zip still holds the approval; the report says so.
		"warning: "+bundle+" is now older than this report", "(decision Godkänd med förbehåll), this one says Underkänd", "conform bundle --out "+dir)

	// Re-certification: a new run compared with the bundle of the first.
	again := reporttest.RealRun(t)
	out, code = rivgate(t, "diff", bundle, again)
	expect(t, code, out, 1, "still failing (1):", "R04/get-visits-exact RIV-RECV-02")
	out, code = rivgate(t, "diff", again, again)
	expect(t, code, out, 1, "fixed (0):")
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, sub := range []string{"plan", "judge", "review", "declare", "decide", "report", "keygen", "bundle", "verify", "diff", "workbench"} {
		out, code := rivgate(t, sub, "--help")
		expect(t, code, out, 0, "Usage:")
	}
}

// TestPlanSaysWhereTagsAndFunctionsCome: the plan names the source of every
// function and every scenario's tags, for a suite that tags its scenarios.
func TestPlanSaysWhereTagsAndFunctionsCome(t *testing.T) {
	t.Parallel()
	suite := filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic")
	out, code := rivgate(t, "plan", "--suite", suite)
	expect(t, code, out, 0, "functions from: suite scenarios; scenario tags from: suite 6",
		"visits         high   4×4=16 depth all        runs S01, S02  (from suite scenarios)",
		"[tags: smoke, core, regression (suite); functions: visits (suite)]",
		"[tags: none (suite); functions: network (suite)]")
	out, code = rivgate(t, "plan", "--suite", suite, "--risk", filepath.Join(testutil.RepoRoot(t), "fixtures", "certification", "demo-clinic", "risk.yaml"))
	expect(t, code, out, 0, "functions from: risk profile;", "functions: visits (suite, requirements)]")
}

// TestAbortedRunReport: `conform run` whose listener cannot be bound ends
// as an aborted run (exit 1, results.json with the reason), and the report
// and its decision say aborted, not failed.
func TestAbortedRunReport(t *testing.T) {
	t.Parallel()
	f := writePKI(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	out := filepath.Join(t.TempDir(), "run")
	res, code := rivgate(t, "run", "--suite", reporttest.SuiteDir(t), "--out", out, "--listen", busy.Addr().String(), "--cert", f.serverCert, "--key", f.serverKey)
	expect(t, code, res, 1, "run aborted: the harness cannot listen", "address already in use")
	res, code = rivgate(t, "report", "--out", out)
	expect(t, code, res, 1, "Beslut: Avbruten – inget godkännande (aborted)", "körningen avbröts: the harness cannot listen")
	rep, err := report.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Aborted == "" || rep.Decision.Rule != "aborted" || len(rep.Findings) != 0 {
		t.Fatalf("report: aborted %q rule %s findings %d", rep.Aborted, rep.Decision.Rule, len(rep.Findings))
	}
	html, err := os.ReadFile(filepath.Join(out, report.HTMLFile))
	if err != nil || !strings.Contains(string(html), "Körningen avbröts") {
		t.Fatalf("report.html does not say aborted (%v)", err)
	}
}

// TestReportSuiteGone: when the suite results.json names is gone, the
// report is still made, and its note (printed and in report.json) says to
// pass --suite.
func TestReportSuiteGone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gone := filepath.Join(dir, "gone")
	if err := result.Write(dir, &result.Run{Suite: result.SuiteRef{Dir: gone}}); err != nil {
		t.Fatal(err)
	}
	head, tail := "suite "+gone+" could not be loaded (", "): pass --suite"
	out, code := rivgate(t, "report", "--out", dir)
	expect(t, code, out, 1, "note: "+head, tail+"\n")
	rep, err := report.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Notes) == 0 || !strings.HasPrefix(rep.Notes[0], head) || !strings.HasSuffix(rep.Notes[0], tail) {
		t.Errorf("report.json notes %q, want first %q...%q", rep.Notes, head, tail)
	}
}
