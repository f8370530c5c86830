package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestBundleAbsolutePaths: a suite that names its contracts and response
// files by absolute paths is bundled with them, and verifies from the
// bundle alone once the originals are gone.
func TestBundleAbsolutePaths(t *testing.T) {
	t.Parallel()
	root := testutil.RepoRoot(t)
	elsewhere := t.TempDir()
	contracts := filepath.Join(elsewhere, "contracts")
	if err := os.CopyFS(contracts, os.DirFS(filepath.Join(root, "fixtures", "contracts", "demo_clinic_1.0"))); err != nil {
		t.Fatal(err)
	}
	answer := filepath.Join(elsewhere, "answers", "visits-ok.xml")
	ok, err := os.ReadFile(filepath.Join(root, "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(answer), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(answer, ok, 0o644); err != nil {
		t.Fatal(err)
	}
	suiteDir := filepath.Join(t.TempDir(), "suite")
	if err := os.CopyFS(suiteDir, os.DirFS(reporttest.SuiteDir(t))); err != nil {
		t.Fatal(err)
	}
	absolute := strings.NewReplacer("../../../../../../fixtures/contracts/demo_clinic_1.0", contracts,
		"../../../../../../fixtures/suites/demo-clinic/responses/visits-ok.xml", answer)
	err = filepath.WalkDir(suiteDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, []byte(absolute.Replace(string(b))), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	suite, err := scenario.LoadDir(suiteDir)
	if err != nil {
		t.Fatal(err)
	}
	if !suite.Absolute || suite.Contracts != contracts {
		t.Fatalf("the suite copy names %q (absolute %v)", suite.Contracts, suite.Absolute)
	}
	dir := reporttest.RealRunOf(t, suite)
	in, err := report.Load(dir, suiteDir, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.Generate(in, report.LangSV); err != nil {
		t.Fatal(err)
	}
	signer, pub := newKey(t, t.TempDir())
	p, err := Create(Options{RunDir: dir, Suite: suite, Signer: signer, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(elsewhere); err != nil {
		t.Fatal(err)
	}
	v, err := Verify(p, pub)
	if err != nil {
		t.Fatalf("verify with the originals gone: %v", err)
	}
	files, _ := bundleFiles(t, p)
	inBundle := SuitePrefix + strings.TrimPrefix(filepath.ToSlash(contracts), "/")
	found := false
	for name := range files {
		found = found || strings.HasPrefix(name, inBundle+"/")
	}
	if !found || v.Checks == 0 {
		t.Fatalf("no contract under %s in the bundle (%d checks verified)", inBundle, v.Checks)
	}
}
