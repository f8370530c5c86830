package workbench_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/publish/workbench"
	"github.com/rivgate/rivgate/conformance/publish/workbench/workbenchtest"
	"github.com/rivgate/rivgate/conformance/results/result"
)

// chromium finds Debian's chromium, or skips saying how to install it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not found: apt-get install chromium")
	return ""
}

// TestCertificationInChromium finishes the fixture run's certification in
// a real browser: give a name, judge the manual step with a screenshot,
// review both items, declare, decide, rebuild the report, bundle, verify;
// then reads the files as the CLI does.
func TestCertificationInChromium(t *testing.T) {
	bin := chromium(t)
	runs := workbenchtest.RunsDir(t, "demo")
	dir := filepath.Join(runs, "demo")
	keyPath := filepath.Join(t.TempDir(), "signer.key")
	if _, err := evidence.Keygen(keyPath); err != nil {
		t.Fatal(err)
	}
	signer, err := evidence.LoadSigner(keyPath, "")
	if err != nil {
		t.Fatal(err)
	}
	wb, err := workbench.New(workbench.Options{RunsDir: runs, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wb)
	defer srv.Close()
	shot := filepath.Join(t.TempDir(), "vp007.png")
	if err := os.WriteFile(shot, []byte("png bytes"), 0o644); err != nil {
		t.Fatal(err)
	}

	all, cancelAll := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancelAll()
	alloc, cancelAlloc := chromedp.NewExecAllocator(all,
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1600))
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	// Cancel waits for chromium to exit, so its profile directory is no
	// longer written when the test removes it.
	defer func() {
		if err := chromedp.Cancel(browser); err != nil {
			t.Logf("stop chromium: %v", err)
		}
	}()
	if err := chromedp.Run(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	// step runs actions with a bounded wait; on failure it keeps a
	// screenshot under the test's temp dir.
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var png []byte
			sctx, scancel := context.WithTimeout(browser, 10*time.Second)
			defer scancel()
			if serr := chromedp.Run(sctx, chromedp.FullScreenshot(&png, 90)); serr == nil {
				p := filepath.Join(t.TempDir(), strings.ReplaceAll(name, " ", "-")+".png")
				if werr := os.WriteFile(p, png, 0o644); werr == nil {
					t.Logf("screenshot: %s", p)
				}
			}
			t.Fatalf("%s: %v", name, err)
		}
	}
	runPage := srv.URL + "/runs/demo/"
	// submit fills nothing itself: it clicks form's button on a fresh run
	// page and waits for the message the action leaves.
	expectFlash := func(name, want string) {
		t.Helper()
		var msg string
		step(name+": message", chromedp.WaitVisible(`#flash, #error`, chromedp.ByQuery), chromedp.Text(`main > p`, &msg, chromedp.ByQuery))
		if !strings.Contains(msg, want) {
			t.Fatalf("%s: page says %q, want %q", name, msg, want)
		}
	}

	step("give a name", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#name`, chromedp.ByID),
		chromedp.SendKeys(`#name`, "Tove Testare", chromedp.ByID), chromedp.Click(`#login`, chromedp.ByID),
		chromedp.WaitVisible(`#runs`, chromedp.ByID))
	var outcome string
	step("open the run", chromedp.Navigate(runPage), chromedp.Text(`#outcome`, &outcome, chromedp.ByID))
	if outcome != string(decision.Incomplete) {
		t.Fatalf("before the people's part the decision is %q", outcome)
	}

	// The failing node: R04's receiver with spaces is marked on its
	// exchange's page, and RIV-RECV-02 links to the mark.
	var marked, link string
	var linked bool
	step("see the failing node", chromedp.Navigate(srv.URL+"/runs/demo/exchange?id="+failedExchange(t, dir, "RIV-RECV-02")),
		chromedp.WaitVisible(`#request mark`, chromedp.ByQuery), chromedp.Text(`#request mark`, &marked, chromedp.ByQuery),
		chromedp.AttributeValue(`#checks .where a`, "href", &link, &linked, chromedp.ByQuery))
	if !strings.Contains(marked, "<itr:LogicalAddress>  SE2321000016-CLIN </itr:LogicalAddress>") || !linked {
		t.Fatalf("marked %q, link %q: want the receiver element, linked from RIV-RECV-02", marked, link)
	}
	var markID string
	step("follow the finding's link", chromedp.AttributeValue(`#request mark`, "id", &markID, &linked, chromedp.ByQuery))
	if link != "#"+markID {
		t.Fatalf("RIV-RECV-02 links to %q, the mark is %q", link, markID)
	}

	judge := `#judge-R03-shows-error`
	step("judge the manual step", chromedp.Navigate(runPage),
		chromedp.Click(judge+` input[value="pass"]`, chromedp.ByQuery),
		chromedp.SendKeys(judge+` textarea`, "VP007 shown to the user", chromedp.ByQuery),
		chromedp.SetUploadFiles(judge+` input[type="file"]`, []string{shot}, chromedp.ByQuery),
		chromedp.Click(judge+` button`, chromedp.ByQuery))
	expectFlash("judge", "R03/shows-error: pass by Tove Testare (1 attachment(s))")

	for _, item := range []string{"A-1", "B-1"} {
		form := "#review-" + item
		step("review "+item, chromedp.Navigate(runPage),
			chromedp.Click(form+` input[value="pass"]`, chromedp.ByQuery),
			chromedp.SendKeys(form+` textarea`, "shown and found complete", chromedp.ByQuery),
			chromedp.Click(form+` button`, chromedp.ByQuery))
		expectFlash("review "+item, "review "+item+": pass by Tove Testare")
	}

	step("declare", chromedp.Navigate(runPage),
		chromedp.SendKeys(`#org`, "Demo Vård AB", chromedp.ByID),
		chromedp.SendKeys(`#statement`, "Vi intygar att testerna är utförda.", chromedp.ByID),
		chromedp.Click(`#declare button`, chromedp.ByQuery))
	expectFlash("declare", "declaration recorded: Tove Testare, Demo Vård AB")

	step("decide", chromedp.Navigate(runPage),
		chromedp.SetValue(`#decide-outcome`, string(decision.ApprovedWithConditions), chromedp.ByID),
		chromedp.SendKeys(`#decide-reason`, "R04 to be fixed in the next release", chromedp.ByID),
		chromedp.Click(`#decide-form button`, chromedp.ByQuery))
	expectFlash("decide", "decision recorded")
	step("read the decision", chromedp.Text(`#outcome`, &outcome, chromedp.ByID))
	if outcome != string(decision.ApprovedWithConditions) {
		t.Fatalf("after deciding the page shows %q", outcome)
	}

	// A deviation's condition, owner and date, edited in the browser.
	edit := `#edit-D1`
	step("edit a deviation", chromedp.Navigate(runPage),
		chromedp.SetValue(edit+` input[name="text"]`, "trim the receiver before sending", chromedp.ByQuery),
		chromedp.SetValue(edit+` input[name="owner"]`, "Demo Vård AB", chromedp.ByQuery),
		chromedp.SetValue(edit+` input[name="fix_by"]`, "2027-01-15", chromedp.ByQuery),
		chromedp.Click(edit+` button`, chromedp.ByQuery))
	expectFlash("edit a deviation", "deviation D1 recorded by Tove Testare")
	var owner string
	step("read the deviation", chromedp.Text(`#deviation-D1 .dev-owner`, &owner, chromedp.ByQuery))
	if owner != "Demo Vård AB" {
		t.Fatalf("after the edit the page shows owner %q", owner)
	}

	step("rebuild the report", chromedp.Navigate(runPage), chromedp.Click(`#report-form button`, chromedp.ByQuery))
	expectFlash("report", "report rebuilt")
	step("bundle", chromedp.Navigate(runPage), chromedp.Click(`#bundle-form button`, chromedp.ByQuery))
	expectFlash("bundle", "bundle written and signed")
	step("verify", chromedp.Navigate(srv.URL+"/verify"),
		chromedp.SetUploadFiles(`#bundle`, []string{filepath.Join(dir, evidence.BundleFile)}, chromedp.ByID),
		chromedp.Click(`#verify`, chromedp.ByID))
	expectFlash("verify", "evidence.zip: OK")

	// What the CLI reads from the same files.
	run, err := result.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := run.Scenarios[2].Steps[1].Manual
	if m.Verdict != "pass" || m.Judge != "Tove Testare" || len(m.Attachments) != 1 || m.Attachments[0].Name != "vp007.png" {
		t.Fatalf("manual verdict %+v", m)
	}
	rec, err := assess.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Declaration == nil || rec.Declaration.By != "Tove Testare" || len(rec.Reviews) != 2 {
		t.Fatalf("assessment %+v", rec)
	}
	if o := rec.LatestOverride(); o == nil || o.Outcome != decision.ApprovedWithConditions || o.By != "Tove Testare" {
		t.Fatalf("override %+v", o)
	}
	if len(rec.Deviations) != 1 || rec.Deviations[0].By != "Tove Testare" || rec.Deviations[0].FixBy != "2027-01-15" {
		t.Fatalf("deviation edits %+v", rec.Deviations)
	}
	rep, err := report.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Decision.Outcome != decision.ApprovedWithConditions {
		t.Fatalf("report.json decision %s", rep.Decision.Outcome)
	}
	if d := rep.Decision.Deviations[0]; d.Owner != "Demo Vård AB" || d.FixDeadline != "2027-01-15" || d.Text != "trim the receiver before sending" {
		t.Fatalf("report.json deviation D1 after the browser's edit: %+v", d)
	}
	if _, err := evidence.Verify(filepath.Join(dir, evidence.BundleFile), nil); err != nil {
		t.Fatalf("the bundle made in the browser: %v", err)
	}
}
