package conformcmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
)

// execute runs a command and returns its exit code and output.
func execute(t *testing.T, cmd *cobra.Command, args ...string) (int, string) {
	t.Helper()
	return executeWithin(t, 60*time.Second, cmd, args...)
}

// executeWithin is execute bounded by limit instead of a minute.
func executeWithin(t *testing.T, limit time.Duration, cmd *cobra.Command, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(&out, cliutil.Message(err))
	}
	return cliutil.Code(err), out.String()
}

type files struct{ dir, ca, serverCert, serverKey, clientCert, clientKey string }

func writePKI(t *testing.T) files {
	t.Helper()
	dir := t.TempDir()
	ca, err := pki.NewCA("cli test CA")
	if err != nil {
		t.Fatal(err)
	}
	caPath, _, err := ca.WriteFiles(dir, "ca")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := ca.IssueServer(pki.Options{})
	sc, sk, err := srv.WriteFiles(dir, "server")
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := ca.IssueClient("SE2321000016-DEMOCONS", pki.Options{})
	cc, ck, err := cl.WriteFiles(dir, "consumer")
	if err != nil {
		t.Fatal(err)
	}
	return files{dir, caPath, sc, sk, cc, ck}
}

// TestRunTriggersCurlThenJudge runs `conform run` on a suite whose step
// triggers curl (an independent consumer) through a command, then records
// the manual verdict with `conform judge`.
func TestRunTriggersCurlThenJudge(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl missing: apt-get install -y curl (scripts/test.sh installs it)")
	}
	f := writePKI(t)
	suiteDir := t.TempDir()
	contracts, _ := filepath.Rel(suiteDir, filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_clinic_1.0"))
	req, _ := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic", "requests", "get-visits.xml"))
	resp := filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml")
	respRel, _ := filepath.Rel(suiteDir, resp)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(suiteDir, "req.xml"), req, 0o644))
	must(os.WriteFile(filepath.Join(suiteDir, "suite.yaml"), []byte(fmt.Sprintf(`id: cli
title: CLI test
contracts: %s
consumer: {hsa_id: SE2321000016-DEMOCONS}
defaults: {receiver: SE2321000016-CLIN, wait: 20s}
requirements: [{id: C-1, text: curl fetches visits, impact: 2}]
scenarios: [s.yaml]
`, contracts)), 0o644))
	curl := fmt.Sprintf(`curl -sS -o /dev/null --cert %s --key %s --cacert %s -H 'Content-Type: text/xml; charset=UTF-8' -H 'SOAPAction: "urn:riv:demo:clinic:GetVisitsResponder:1:GetVisits"' --data-binary @req.xml "$RIVGATE_URL"`,
		f.clientCert, f.clientKey, f.ca)
	must(os.WriteFile(filepath.Join(suiteDir, "s.yaml"), []byte(fmt.Sprintf(`id: S1
title: curl asks, a person looks
requirements: [C-1]
likelihood: 3
steps:
  - id: ask
    trigger: {command: [sh, -c, %q]}
    expect: {operation: GetVisits}
    respond: {file: %s}
  - id: look
    manual: Check the visits are shown.
`, curl, respRel)), 0o644))
	out := filepath.Join(t.TempDir(), "run")
	code, log := execute(t, New(), "run", "--suite", suiteDir, "--out", out, "--listen", "127.0.0.1:0",
		"--cert", f.serverCert, "--key", f.serverKey, "--client-ca", f.ca)
	if code != 0 || !strings.Contains(log, "MANUAL S1/look: Check the visits are shown.") {
		t.Fatalf("exit %d\n%s", code, log)
	}
	if !strings.Contains(log, "awaiting GetVisits to SE2321000016-CLIN") {
		t.Errorf("no progress line saying what is awaited:\n%s", log)
	}
	if !strings.Contains(log, "step 2/2 look: MANUAL verdict needed: Check the visits are shown. (record it with: rivgate conform judge --out DIR --scenario S1 --step look --verdict pass|fail --note ...)\n") {
		t.Errorf("no progress line saying how to record the manual verdict:\n%s", log)
	}
	run, err := result.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != result.ManualPending || run.Summary.Checks.Fail != 0 || run.Summary.ExchangeCount != 1 {
		t.Fatalf("status %s summary %+v", run.Status, run.Summary)
	}
	code, log = execute(t, New(), "judge", "--out", out, "--scenario", "S1", "--verdict", "pass", "--note", "two visits shown", "--judge", "tester")
	if code != 0 || !strings.Contains(log, "S1/look: pass by tester (0 attachment(s); scenario pass, run pass)") {
		t.Fatalf("judge exit %d: %s", code, log)
	}
	run, _ = result.Read(out)
	m := run.Scenarios[0].Steps[1].Manual
	if run.Status != result.Pass || m.Verdict != "pass" || m.Note != "two visits shown" || m.Judge != "tester" || m.JudgedAt.IsZero() {
		t.Fatalf("after judge: %s %+v", run.Status, m)
	}
	code, log = execute(t, New(), "judge", "--out", out, "--scenario", "S1", "--verdict", "maybe", "--note", "x", "--by", "tester")
	if code != 2 || !strings.Contains(log, `verdict "maybe"`) {
		t.Fatalf("bad verdict: exit %d %s", code, log)
	}
}

func TestRunProducerMode(t *testing.T) {
	t.Parallel()
	f := writePKI(t)
	ok, _ := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	pair, err := tls.LoadX509KeyPair(f.serverCert, f.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body []byte
		code int
	}{
		{name: "as recorded", body: ok, code: 0},
		{name: "broken", body: []byte("<oops/>"), code: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/xml")
				_, _ = w.Write(tc.body)
			}))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAnyClientCert}
			srv.StartTLS()
			defer srv.Close()
			code, log := execute(t, New(), "run", "--suite", filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic"),
				"--out", t.TempDir(), "--scenario", "S01", "--producer", srv.URL,
				"--producer-cert", f.clientCert, "--producer-key", f.clientKey, "--producer-ca", f.ca)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, log)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "suite.yaml"), []byte("id: x\ntitle: y\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A run whose scenario has two manual steps awaiting a verdict.
	run := t.TempDir()
	manual := func(id string) *result.Step { return &result.Step{ID: id, Manual: &result.Manual{Instruction: "look"}} }
	if err := result.Write(run, &result.Run{Scenarios: []*result.Scenario{{ID: "S", Steps: []*result.Step{manual("a"), manual("b")}}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "suite with unknown field", args: []string{"run", "--suite", dir, "--out", dir, "--producer", "https://127.0.0.1:1/"}, want: "suite.yaml:3:1: field bogus"},
		{name: "no suite", args: []string{"run", "--out", dir, "--producer", "https://127.0.0.1:1/"}, want: "--suite is required"},
		{name: "no suite, no certificate", args: []string{"run", "--out", dir}, want: "--suite, --cert and --key are required (--cert and --key: e.g. from `rivgate pki issue --server`)\n"},
		{name: "judge without results", args: []string{"judge", "--out", dir, "--scenario", "S", "--verdict", "pass", "--note", "n", "--by", "tester"}, want: "results.json"},
		{name: "judge which step", args: []string{"judge", "--out", run, "--scenario", "S", "--verdict", "pass", "--note", "n", "--by", "tester"},
			want: "scenario S has several manual steps awaiting a verdict (a b): name one with --step\n"},
		{name: "declare for no organisation", args: []string{"declare", "--out", run, "--by", "Åsa", "--statement", "Vi intygar"},
			want: "--org is required: for which organisation\n"},
		{name: "decide without a reason", args: []string{"decide", "--out", run, "--outcome", "rejected", "--by", "c"},
			want: "--reason is required: an override must say why\n"},
		{name: "approve before the declaration", args: []string{"decide", "--out", run, "--outcome", "approved", "--reason", "fine", "--by", "c"},
			want: `cannot record "approved": the supplier's declaration (Beställarens deklaration) must be recorded first with 'rivgate conform declare'` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, log := execute(t, New(), tc.args...)
			if code != 2 || !strings.Contains(log, tc.want) {
				t.Fatalf("exit %d, output %q, want exit 2 and %q", code, log, tc.want)
			}
		})
	}
}

// TestPlatformLogFlag: --platform-log needs --via-platform and a log that
// exists, and is not for producer mode; each is bad input (exit 2).
func TestPlatformLogFlag(t *testing.T) {
	t.Parallel()
	f := writePKI(t)
	suite := testutil.Fixture(t, "suites", "demo-clinic")
	logPath := filepath.Join(t.TempDir(), "gateway.log")
	if err := os.WriteFile(logPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"without the platform", []string{"--platform-log", logPath}, "needs the platform in front (--via-platform)"},
		{"missing log", []string{"--platform-log", logPath + ".none", "--via-platform", "SE2321000016-GW"}, "gateway.log.none"},
		{"producer mode", []string{"--platform-log", logPath, "--producer", "https://127.0.0.1:1/"}, "not --producer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"run", "--suite", suite, "--out", t.TempDir(), "--listen", "127.0.0.1:0",
				"--cert", f.serverCert, "--key", f.serverKey, "--client-ca", f.ca}, tc.args...)
			code, log := execute(t, New(), args...)
			if code != 2 || !strings.Contains(log, tc.want) {
				t.Fatalf("exit %d, output %q, want exit 2 and %q", code, log, tc.want)
			}
		})
	}
}
