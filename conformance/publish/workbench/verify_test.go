package workbench_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/publish/workbench"
	"github.com/rivgate/rivgate/conformance/publish/workbench/workbenchtest"
)

// TestVerifyShowsNotes: the verify page says what `conform verify` says,
// its notes included: a bundle made from a run whose report.html is
// missing verifies, and the page notes the missing report.
func TestVerifyShowsNotes(t *testing.T) {
	t.Parallel()
	runs := workbenchtest.RunsDir(t, "r1")
	dir := filepath.Join(runs, "r1")
	keyPath := filepath.Join(t.TempDir(), "signer.key")
	if _, err := evidence.Keygen(keyPath); err != nil {
		t.Fatal(err)
	}
	signer, err := evidence.LoadSigner(keyPath, "")
	if err != nil {
		t.Fatal(err)
	}
	c := workbenchtest.Start(t, workbench.Options{RunsDir: runs, Signer: signer})
	c.Login("Tove Testare", "")

	steps := []struct{ action, want string }{
		{"/runs/r1/report", "report rebuilt"},
		{"/runs/r1/bundle", "bundle written and signed"},
	}
	for _, s := range steps {
		_, body := c.Post("/runs/r1/", s.action, nil, nil)
		if kind, msg := workbenchtest.Outcome(body); kind != "flash" || !strings.Contains(msg, s.want) {
			t.Fatalf("%s: %s %q, want %q", s.action, kind, msg, s.want)
		}
		if s.action == "/runs/r1/report" {
			// The bundle is made without the HTML report (conform bundle
			// takes such a run too).
			if err := os.Remove(filepath.Join(dir, report.HTMLFile)); err != nil {
				t.Fatal(err)
			}
		}
	}
	zip, err := os.ReadFile(filepath.Join(dir, evidence.BundleFile))
	if err != nil {
		t.Fatal(err)
	}
	_, body := c.Post("/verify", "/verify", nil, map[string][]workbenchtest.File{
		"bundle": {{Name: evidence.BundleFile, Content: string(zip)}}})
	kind, msg := workbenchtest.Outcome(body)
	if kind != "flash" || !strings.Contains(msg, "evidence.zip: OK") || !strings.Contains(msg, "note: the bundle has no report.html") {
		t.Fatalf("verify: %s %q, want OK with the note that report.html is missing", kind, msg)
	}
}
