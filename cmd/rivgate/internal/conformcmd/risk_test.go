package conformcmd

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/risk"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestRunWithRisk: `conform run --risk` runs what the risk plan selects,
// prints the plan before anything runs, keeps the profile and the plan in
// OUT, and records the selection (with what was not run and why) in
// results.json, from which the report's scope comes. curl is the consumer.
func TestRunWithRisk(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl missing: apt-get install -y curl (scripts/test.sh installs it)")
	}
	f := writePKI(t)
	suiteDir := t.TempDir()
	contracts, _ := filepath.Rel(suiteDir, filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_clinic_1.0"))
	req, _ := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic", "requests", "get-visits.xml"))
	respRel, _ := filepath.Rel(suiteDir, filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(suiteDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("req.xml", string(req))
	write("suite.yaml", fmt.Sprintf(`id: risk-cli
title: run --risk
contracts: %s
consumer: {hsa_id: SE2321000016-DEMOCONS}
defaults: {receiver: SE2321000016-CLIN, wait: 20s, retry: {observe: 300ms}}
requirements: [{id: C-1, text: curl fetches visits, impact: 2}]
scenarios: [a.yaml, b.yaml, c.yaml]
`, contracts))
	curl := fmt.Sprintf(`curl -sS -o /dev/null --cert %s --key %s --cacert %s -H 'Content-Type: text/xml; charset=UTF-8' --data-binary @req.xml "$RIVGATE_URL"`,
		f.clientCert, f.clientKey, f.ca)
	for _, sc := range []struct{ id, tags, respond string }{
		{"A", "[smoke, core]", "{file: " + respRel + "}"},
		{"B", "[core]", "{file: " + respRel + "}"},
		{"C", "[regression]", "{vp_fault: VP007}"},
	} {
		write(strings.ToLower(sc.id)+".yaml", fmt.Sprintf(`id: %s
title: scenario %s
requirements: [C-1]
likelihood: 2
tags: %s
functions: [fetch]
steps:
  - id: ask
    trigger: {command: [sh, -c, %q]}
    expect: {operation: GetVisits}
    respond: %s
`, sc.id, sc.id, sc.tags, curl, sc.respond))
	}
	profile := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(profile, []byte("consumer: curl 8\nfunctions:\n  - {id: fetch, impact: 2, likelihood: 2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	code, log := execute(t, New(), "run", "--suite", suiteDir, "--out", out, "--risk", profile, "--listen", "127.0.0.1:0",
		"--cert", f.serverCert, "--key", f.serverKey, "--client-ca", f.ca)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, log)
	}
	// The plan comes first, then the run.
	planAt, runAt := strings.Index(log, "risk plan (certification, profile "+profile+"): 2 of 3 scenario(s) run: A, B"), strings.Index(log, "suite risk-cli: 2 scenario(s)")
	if planAt < 0 || runAt < 0 || planAt > runAt || !strings.Contains(log, "not run C ") {
		t.Fatalf("plan not printed before the run:\n%s", log)
	}
	for _, name := range []string{risk.ProfileFile, risk.PlanFile} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("OUT lacks %s: %v", name, err)
		}
	}
	run, err := result.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	sel := run.Selection
	if sel == nil || sel.By != result.SelectedRiskPlan || sel.Profile != risk.ProfileFile || len(sel.ProfileSHA256) != 64 ||
		!slices.Equal(sel.IDs(), []string{"A", "B"}) || len(sel.NotSelected) != 1 || sel.NotSelected[0].ID != "C" {
		b, _ := json.Marshal(sel)
		t.Fatalf("selection %s", b)
	}
	if len(run.Scenarios) != 2 || run.Status != result.Pass {
		t.Fatalf("ran %d scenario(s), status %s", len(run.Scenarios), run.Status)
	}
	// The report's scope is the recorded selection.
	in, err := report.Load(out, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	sc := rep.Scope
	if sc.SelectedBy != result.SelectedRiskPlan || len(sc.Tested) != 2 || len(sc.NotTested) != 1 || sc.NotTested[0].ID != "C" ||
		!strings.Contains(sc.NotTested[0].Reason, "not selected by the run's selection (risk plan): not selected by fetch") ||
		!strings.Contains(sc.Tested[0].Reason, "selected: function fetch") || len(sc.DeviationsFromPlan) != 0 {
		b, _ := json.MarshalIndent(sc, "", " ")
		t.Fatalf("scope %s", b)
	}

	// The same OUT is refused; --risk with --scenario is refused.
	code, log = execute(t, New(), "run", "--suite", suiteDir, "--out", out, "--risk", profile, "--cert", f.serverCert, "--key", f.serverKey)
	if code != 2 || !strings.Contains(log, "already holds a run") {
		t.Fatalf("reused OUT: exit %d\n%s", code, log)
	}
	code, log = execute(t, New(), "run", "--suite", suiteDir, "--out", t.TempDir(), "--risk", profile, "--scenario", "A", "--cert", f.serverCert, "--key", f.serverKey)
	if code != 2 || !strings.Contains(log, "give --risk or --scenario, not both") {
		t.Fatalf("--risk and --scenario: exit %d\n%s", code, log)
	}
	none := filepath.Join(t.TempDir(), "none.yaml")
	if err := os.WriteFile(none, []byte("contracts:\n  - namespace: urn:riv:other:Thing:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, log = execute(t, New(), "run", "--suite", suiteDir, "--out", t.TempDir(), "--risk", none, "--cert", f.serverCert, "--key", f.serverKey)
	if code != 2 || !strings.Contains(log, "selects no scenario") {
		t.Fatalf("empty selection: exit %d\n%s", code, log)
	}
}
