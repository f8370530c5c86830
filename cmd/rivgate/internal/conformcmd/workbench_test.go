package conformcmd

import (
	"archive/zip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/publish/workbench"
	"github.com/rivgate/rivgate/conformance/publish/workbench/workbenchtest"
)

// TestWorkbenchLeavesTheCLIsFiles does one certification twice, on two
// copies of a run: by the CLI and by the workbench. After every step the
// run directories hold the same files with the same content, apart from
// the times recorded.
func TestWorkbenchLeavesTheCLIsFiles(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "cli", "web")
	cliDir, webDir := filepath.Join(runs, "cli"), filepath.Join(runs, "web")
	keys := t.TempDir()
	key := filepath.Join(keys, "key")
	out, code := rivgate(t, "keygen", "--out", key)
	expect(t, code, out, 0)
	signer, err := evidence.LoadSigner(key, "")
	if err != nil {
		t.Fatal(err)
	}
	web := workbenchtest.Start(t, workbench.Options{RunsDir: runs, Signer: signer})
	const who = "Tove Testare"
	web.Login(who, "")
	shot := filepath.Join(t.TempDir(), "vp007.png")
	if err := os.WriteFile(shot, []byte("png bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	upload := map[string][]workbenchtest.File{"attach": {{Name: "vp007.png", Content: "png bytes"}}}
	page := "/runs/web/"
	for _, step := range []struct {
		name   string
		cli    []string
		action string
		fields map[string]string
		files  map[string][]workbenchtest.File
		code   int // the CLI's exit code
	}{
		{"judge the manual step", []string{"judge", "--out", cliDir, "--scenario", "R03", "--step", "shows-error", "--verdict", "pass", "--note", "error shown", "--attach", shot, "--by", who},
			"judge", map[string]string{"scenario": "R03", "step": "shows-error", "verdict": "pass", "note": "error shown"}, upload, 0},
		{"review an item", []string{"judge", "--out", cliDir, "--item", "A-1", "--verdict", "pass", "--note", "architecture described", "--attach", shot, "--by", who},
			"review", map[string]string{"item": "A-1", "verdict": "pass", "note": "architecture described"}, upload, 0},
		{"review a failing item", []string{"judge", "--out", cliDir, "--item", "B-1", "--verdict", "fail", "--note", "VP007 screen missing", "--by", who},
			"review", map[string]string{"item": "B-1", "verdict": "fail", "note": "VP007 screen missing"}, nil, 0},
		{"declare", []string{"declare", "--out", cliDir, "--by", who, "--org", "Demo Vård AB", "--statement", "Vi intygar att testerna är utförda.", "--attach", shot},
			"declare", map[string]string{"org": "Demo Vård AB", "statement": "Vi intygar att testerna är utförda."}, upload, 0},
		{"decide", []string{"decide", "--out", cliDir, "--outcome", "approved-with-conditions", "--reason", "B-1 to be fixed by the next release", "--by", who},
			"decide", map[string]string{"outcome": "approved-with-conditions", "reason": "B-1 to be fixed by the next release"}, nil, 0},
		{"edit a deviation", []string{"deviation", "--out", cliDir, "--id", "D1", "--text", "trim the receiver", "--owner", "Demo Vård AB", "--fix-by", "2027-01-15", "--by", who},
			"deviation", map[string]string{"id": "D1", "text": "trim the receiver", "owner": "Demo Vård AB", "fix_by": "2027-01-15"}, nil, 0},
		{"add a deviation", []string{"deviation", "--out", cliDir, "--id", "X1", "--severity", "minor", "--text", "show VP007 in the user manual", "--by", who},
			"deviation", map[string]string{"id": "X1", "severity": "minor", "text": "show VP007 in the user manual"}, nil, 0},
		{"rebuild the report", []string{"report", "--out", cliDir},
			"report", map[string]string{"lang": "sv"}, nil, 0},
		{"bundle", []string{"bundle", "--out", cliDir, "--key", key},
			"bundle", nil, nil, 0},
	} {
		out, code := rivgate(t, step.cli...)
		expect(t, code, out, step.code)
		_, body := web.Post(page, page+step.action, step.fields, step.files)
		if kind, msg := workbenchtest.Outcome(body); kind != "flash" {
			t.Fatalf("%s in the workbench: %s %q", step.name, kind, msg)
		}
		sameFiles(t, step.name, cliDir, webDir)
	}
	// What the workbench wrote, the CLI reads: its report of the web run
	// has the deviations as edited and added in the browser.
	out, code = rivgate(t, "report", "--out", webDir)
	expect(t, code, out, 0)
	rep, err := report.Read(webDir)
	if err != nil {
		t.Fatal(err)
	}
	if devs := rep.Decision.Deviations; len(devs) != 3 || devs[0].Owner != "Demo Vård AB" || devs[0].FixDeadline != "2027-01-15" ||
		devs[0].Text != "trim the receiver" || devs[0].Edited == nil || devs[0].Edited.By != who || devs[2].ID != "X1" || !devs[2].Added {
		t.Fatalf("report.json deviations after the browser's edits: %+v", devs)
	}
	// The workbench's page shows what the CLI's report says.
	_, body := web.Get(page)
	if !strings.Contains(body, `<span id="outcome">approved-with-conditions</span>`) {
		t.Fatalf("run page does not show the decision:\n%s", body)
	}
	for _, d := range []string{cliDir, webDir} {
		pub, err := evidence.LoadPublicKey(key + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := evidence.Verify(filepath.Join(d, evidence.BundleFile), pub); err != nil {
			t.Fatalf("verify %s: %v", d, err)
		}
	}
	if a, b := zipNames(t, filepath.Join(cliDir, evidence.BundleFile)), zipNames(t, filepath.Join(webDir, evidence.BundleFile)); !slices.Equal(a, b) {
		t.Fatalf("bundles differ:\nCLI %v\nweb %v", a, b)
	}
	// The verify page says what 'conform verify' says.
	raw, err := os.ReadFile(filepath.Join(webDir, evidence.BundleFile))
	if err != nil {
		t.Fatal(err)
	}
	_, body = web.Post("/verify", "/verify", nil, map[string][]workbenchtest.File{"bundle": {{Name: "evidence.zip", Content: string(raw)}}})
	if kind, msg := workbenchtest.Outcome(body); kind != "flash" || !strings.Contains(msg, "OK") || !strings.Contains(msg, "decision re-evaluated: Godkänd med förbehåll") {
		t.Fatalf("verify page: %s %q", kind, msg)
	}
	_, body = web.Post("/verify", "/verify", nil, map[string][]workbenchtest.File{"bundle": {{Name: "evidence.zip", Content: string(raw[:len(raw)/2])}}})
	if kind, msg := workbenchtest.Outcome(body); kind != "error" || !strings.Contains(msg, "FAILED") {
		t.Fatalf("verify page on half a bundle: %s %q", kind, msg)
	}
}

var recordedTime = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)

// sameFiles compares the two run directories file by file (the bundle
// and the renderings that carry times aside), times masked.
func sameFiles(t *testing.T, step, a, b string) {
	t.Helper()
	fa, fb := runFiles(t, a), runFiles(t, b)
	if !slices.Equal(keys(fa), keys(fb)) {
		t.Fatalf("%s: files differ:\nCLI %v\nweb %v", step, keys(fa), keys(fb))
	}
	for name, ca := range fa {
		na := recordedTime.ReplaceAllString(strings.ReplaceAll(ca, a, "RUN"), "TIME")
		nb := recordedTime.ReplaceAllString(strings.ReplaceAll(fb[name], b, "RUN"), "TIME")
		if na != nb {
			t.Fatalf("%s: %s differs:\n--- CLI\n%s\n--- web\n%s", step, name, na, nb)
		}
	}
}

func runFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch rel {
		case evidence.BundleFile, "report.html", "report.pdf", "junit.xml":
			out[rel] = "" // present; their bytes carry times and are checked through report.json
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}

func zipNames(t *testing.T, p string) []string {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, strings.Replace(f.Name, "/cli/", "/RUN/", 1))
	}
	slices.Sort(names)
	return names
}

// TestWorkbenchRefusesToListen: beyond loopback only with --users; bad
// input never opens a port.
func TestWorkbenchRefusesToListen(t *testing.T) {
	t.Parallel()
	runs := t.TempDir()
	badUsers := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(badUsers, []byte("tove:plaintext\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"workbench", "--runs", runs, "--listen", "0.0.0.0:0"}, "needs --users"},
		{[]string{"workbench", "--runs", runs, "--listen", ":0"}, "needs --users"},
		{[]string{"workbench", "--listen", "127.0.0.1:0"}, "--runs is required"},
		{[]string{"workbench", "--runs", runs, "--users", badUsers}, "not a bcrypt hash"},
		{[]string{"workbench", "--runs", filepath.Join(runs, "missing"), "--listen", "127.0.0.1:0"}, "runs directory"},
		{[]string{"workbench", "--runs", runs, "--listen", "127.0.0.1:0", "--key", filepath.Join(runs, "no.key")}, "--key"},
	} {
		out, code := rivgate(t, tc.args...)
		expect(t, code, out, 2, tc.want)
	}
}
