package demo

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/conformance/judge/decision"
	"github.com/rivgate/rivgate/conformance/publish/evidence"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
)

// settledGoroutines waits (bounded) until at most want goroutines run and
// returns the count, with a dump when there are more.
func settledGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if runtime.NumGoroutine() <= want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	t.Errorf("goroutines left behind: %d running, %d before the demo:\n%s", runtime.NumGoroutine(), want, buf[:n])
}

var addrRe = regexp.MustCompile(`(?:https?://)(127\.0\.0\.1:\d+)`)

// assertClosed checks that nothing listens any more on the loopback
// addresses the demo printed.
func assertClosed(t *testing.T, out string) {
	t.Helper()
	addrs := map[string]bool{}
	for _, m := range addrRe.FindAllStringSubmatch(out, -1) {
		addrs[m[1]] = true
	}
	require.GreaterOrEqual(t, len(addrs), 4, "harness, producer, gateway and admin addresses are printed")
	for a := range addrs {
		c, err := net.DialTimeout("tcp", a, time.Second)
		if err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the demo returned", a)
		}
	}
}

// TestDemoEndToEnd runs the whole demo from a fresh temporary directory,
// as `rivgate demo` does with no flags: every scenario of the demo suite
// through a real gateway, then checks the files, the summary, the
// evidence bundle (verified again here, pinned to the key the demo wrote),
// and that no listener or goroutine is left behind.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo suite through the gateway (about 35 s); run without -short")
	}
	before := runtime.NumGoroutine()
	base := t.TempDir()
	var out syncbuf.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := Run(ctx, Options{BaseDir: base, Stdout: &out})
	elapsed := time.Since(start)
	require.NoError(t, err, out.String())
	t.Logf("demo took %s", elapsed.Round(100*time.Millisecond))
	text := out.String()

	// The default directory is new, named by the time, inside base.
	assert.Regexp(t, `^rivgate-demo-\d{8}-\d{6}$`, filepath.Base(res.Dir))
	assert.Equal(t, base, filepath.Dir(res.Dir))
	assert.Empty(t, res.Missing)
	for _, f := range OutputFiles() {
		st, err := os.Stat(filepath.Join(res.Dir, f))
		if assert.NoError(t, err, f) {
			assert.Positive(t, st.Size(), f)
		}
	}

	// Every scenario ran; the consumer passed every automatic check; the
	// manual step waits for a person, so the proposal is incomplete.
	rep, err := report.Read(res.Dir)
	require.NoError(t, err)
	assert.Equal(t, 6, len(rep.Scenarios))
	assert.Equal(t, 5, rep.Summary.Scenarios.Pass)
	assert.Equal(t, 1, rep.Summary.Scenarios.Pending)
	assert.Zero(t, rep.Summary.Checks.Fail)
	assert.Greater(t, rep.Summary.Checks.Pass, 100)
	assert.Empty(t, rep.Findings)
	assert.Equal(t, decision.Incomplete, rep.Decision.Outcome)
	var rules []string
	for _, r := range rep.Decision.Reasons {
		rules = append(rules, r.Rule)
	}
	assert.ElementsMatch(t, []string{"manual-pending", "declaration-missing"}, rules)
	run, err := result.Read(res.Dir)
	require.NoError(t, err)
	assert.Equal(t, gatewayID, run.ViaPlatform, "the consumer was tested through the gateway")

	// Issue 20: the report agrees with itself. Every scenario ran with no
	// risk profile, so nothing deviates from a plan and no plan is shown;
	// the TLS peer is the gateway, labelled as the platform, and the
	// consumer is named by the trusted header; the contract by its name.
	assert.Equal(t, result.SelectedAll, rep.Scope.SelectedBy)
	assert.Empty(t, rep.Scope.DeviationsFromPlan)
	assert.Nil(t, rep.RiskProfile)
	assert.Empty(t, rep.Environment.ConsumerCertificate)
	assert.Contains(t, rep.Environment.PlatformCertificate, "SERIALNUMBER="+gatewayID)
	assert.Equal(t, rep.Environment.ExpectedHSAID, rep.Environment.ConsumerHSAID)
	assert.Equal(t, "demo_clinic 1.0 (GetVisitsInteraction 1.0)", rep.Contracts.Label())
	html, err := os.ReadFile(filepath.Join(res.Dir, report.HTMLFile))
	require.NoError(t, err)
	assert.Contains(t, string(html), "Plattformens certifikat")
	assert.NotContains(t, string(html), "Konsumentens certifikat")
	assert.NotContains(t, string(html), "../")
	// Both languages, each without a phrase of the other's catalogue.
	for _, lang := range []string{report.LangEN, report.LangSV} {
		require.NoError(t, report.Render(res.Dir, lang))
		page, err := os.ReadFile(filepath.Join(res.Dir, report.HTMLFile))
		require.NoError(t, err)
		other := report.LangSV
		if lang == report.LangSV {
			other = report.LangEN
		}
		for _, phrase := range report.Catalogue(other) {
			if strings.Contains(phrase, " ") && !strings.Contains(phrase, "%") {
				assert.NotContains(t, string(page), phrase, "the %s report", lang)
			}
		}
	}

	// The summary says what happened and where the files are.
	for _, want := range []string{
		"first call: consumer → gateway → demo producer SE2321000016-CLIN2: HTTP 200",
		"scenario S04 (4/6): Every platform fault VP002-VP015 is handled",
		"S04/vp007 → VP007 from the platform",
		"S05/no-answer → VP009 from the platform",
		"S06/truncated →",
		"S03/shows-error → waits for a person's verdict",
		"scenarios: 5 pass, 0 fail, 1 manual pending",
		"findings by risk: high 0 · medium 0 · low 0",
		"decision proposal: Ofullständig – inget beslut kan föreslås (Incomplete – no decision can be proposed)",
		"1 manual verdict(s) pending: S03/shows-error",
		"The demo does not judge manual steps or declare for the supplier",
		"Files in " + res.Dir,
		"rivgate conform verify " + res.Dir + "/evidence.zip --pubkey " + res.Dir + "/evidence-signer.pub",
		"rivgate conform judge --out " + res.Dir + " --scenario S03 --step shows-error",
		"rivgate conform bundle --out " + res.Dir + " --key " + res.Dir + "/signer.key",
	} {
		assert.Contains(t, text, want)
	}
	for _, f := range OutputFiles() {
		assert.Regexp(t, `(?m)^  `+regexp.QuoteMeta(f)+` +\S`, text)
	}
	assert.NotContains(t, text, "MISSING")

	// The bundle verifies against the key the demo wrote, and holds no
	// private key (the test PKI stays out of it).
	pub, err := evidence.LoadPublicKey(filepath.Join(res.Dir, SignerPubFile))
	require.NoError(t, err)
	v, err := evidence.Verify(filepath.Join(res.Dir, evidence.BundleFile), pub)
	require.NoError(t, err)
	assert.True(t, v.Pinned)
	assert.Equal(t, string(decision.Incomplete), v.Decision)
	assert.Greater(t, v.Checks, 100)
	zr, err := zip.OpenReader(filepath.Join(res.Dir, evidence.BundleFile))
	require.NoError(t, err)
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		rc, err := f.Open()
		require.NoError(t, err)
		b, _ := io.ReadAll(rc)
		rc.Close()
		assert.NotContains(t, string(b), "PRIVATE KEY", f.Name)
	}
	for _, want := range []string{"results.json", "report.json", "report.pdf", "gateway.log", "config/gateway.yaml", "config/tak.yaml", "manifest.json", "manifest.sig"} {
		assert.True(t, names[want], "bundle holds %s", want)
	}

	// junit.xml is XML with one testsuite per scenario at least; the PDF
	// is a PDF; the gateway logged one JSON line per exchange.
	var junit struct {
		XMLName xml.Name
		Suites  []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	jb, err := os.ReadFile(filepath.Join(res.Dir, report.JUnitFile))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(jb, &junit))
	assert.Equal(t, "testsuites", junit.XMLName.Local)
	assert.GreaterOrEqual(t, len(junit.Suites), 6)
	pdf, err := os.ReadFile(filepath.Join(res.Dir, report.PDFFile))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")))
	assertExchangeLog(t, filepath.Join(res.Dir, "gateway.log"))

	assertClosed(t, text)
	settledGoroutines(t, before)
}

// assertExchangeLog checks the gateway's log: one JSON line per exchange
// with the fields operators search by.
func assertExchangeLog(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	exchanges, codes := 0, map[string]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(line, &m), "%s", line)
		if m["message"] != "exchange" {
			continue
		}
		exchanges++
		for _, k := range []string{"correlation_id", "sender", "receiver", "contract", "status"} {
			assert.Contains(t, m, k, "%s", line)
		}
		if c, ok := m["vp_code"].(string); ok {
			codes[c] = true
		}
	}
	assert.Greater(t, exchanges, 20)
	assert.True(t, codes["VP009"], "the gateway's own VP009 (silent producer, broken connections) is logged: %v", codes)
}

// TestDemoKeepRunning runs one scenario with --keep-running, then pastes
// every printed curl command into bash, as a person would, and checks the
// answers (a happy call, VP004, VP002, the WSDL, status and metrics, a
// TAK reload). Cancelling the context (Ctrl-C) stops everything.
func TestDemoKeepRunning(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl missing: apt-get install -y curl (scripts/test.sh installs it)")
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out syncbuf.Buffer
	ready := make(chan Tour, 1)
	done := make(chan error, 1)
	dir := filepath.Join(t.TempDir(), "with space") // paths are quoted for the shell
	go func() {
		_, err := Run(ctx, Options{Out: dir, KeepRunning: true, Scenarios: []string{"S01"}, Stdout: &out,
			Ready: func(tr Tour) { ready <- tr }})
		done <- err
	}()
	tour := awaitReady(t, ctx, ready, done, &out, "the tour")
	text := out.String()
	require.Len(t, tour.Commands, 6)
	for _, c := range tour.Commands {
		t.Run(c.Title, func(t *testing.T) {
			// The printed command is the one run.
			require.Contains(t, text, "# "+c.Title+"\n"+c.Command+"\n")
			cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
			defer ccancel()
			got, err := exec.CommandContext(cctx, "bash", "-c", "set -o pipefail; "+c.Command).CombinedOutput()
			require.NoError(t, err, "%s\n%s", c.Command, got)
			for _, w := range c.Want {
				assert.Contains(t, string(got), w)
			}
		})
	}
	for _, f := range []string{"pki/ca.pem", "pki/consumer.pem", "pki/consumer.key", "tour/get-visits.xml"} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	cancel()
	awaitStopped(t, done)
	assert.Contains(t, out.String(), "stopping: gateway and demo producer shut down")
	assertClosed(t, text)
	settledGoroutines(t, before)
}

// awaitReady waits (bounded by ctx) for what a demo running in the
// background hands over once it serves.
func awaitReady[T any](t *testing.T, ctx context.Context, ready <-chan T, done <-chan error, out *syncbuf.Buffer, what string) T {
	t.Helper()
	select {
	case v := <-ready:
		return v
	case err := <-done:
		t.Fatalf("demo ended before %s: %v\n%s", what, err, out.String())
	case <-ctx.Done():
		t.Fatalf("no %s in time:\n%s", what, out.String())
	}
	panic("unreachable")
}

// awaitStopped waits (bounded) for a demo to end after its context did.
func awaitStopped(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("the demo did not stop after Ctrl-C")
	}
}

// TestDemoParallelRuns starts two demos at once in the same directory:
// free ports and distinct output directories keep them apart.
func TestDemoParallelRuns(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type got struct {
		res *Result
		out string
		err error
	}
	results := make(chan got, 2)
	for range 2 {
		go func() {
			var out syncbuf.Buffer
			res, err := Run(ctx, Options{BaseDir: base, Scenarios: []string{"S01", "S02"}, Stdout: &out})
			results <- got{res, out.String(), err}
		}()
	}
	a, b := <-results, <-results
	require.NoError(t, a.err, a.out)
	require.NoError(t, b.err, b.out)
	assert.NotEqual(t, a.res.Dir, b.res.Dir)
	for _, g := range []got{a, b} {
		assert.Empty(t, g.res.Missing)
		rep, err := report.Read(g.res.Dir)
		require.NoError(t, err)
		assert.Equal(t, 2, rep.Summary.Scenarios.Pass, g.out)
		assert.Zero(t, rep.Summary.Checks.Fail, g.out)
	}
	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	assert.Len(t, entries, 2)
}

func TestMakeOutDir(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 30, 5, 0, time.UTC)
	tests := []struct {
		name    string
		setup   func(t *testing.T, base string) Options
		want    string // base name of the directory made
		wantErr bool
	}{
		{name: "default name from the time", setup: func(t *testing.T, base string) Options { return Options{BaseDir: base} }, want: "rivgate-demo-20260302-093005"},
		{name: "taken name gets a suffix", setup: func(t *testing.T, base string) Options {
			require.NoError(t, os.Mkdir(filepath.Join(base, "rivgate-demo-20260302-093005"), 0o755))
			return Options{BaseDir: base}
		}, want: "rivgate-demo-20260302-093005-2"},
		{name: "new -o directory is made", setup: func(t *testing.T, base string) Options { return Options{Out: filepath.Join(base, "a", "b")} }, want: "b"},
		{name: "empty -o directory is used", setup: func(t *testing.T, base string) Options { return Options{Out: base} }, want: ""},
		{name: "non-empty -o directory is refused", setup: func(t *testing.T, base string) Options {
			require.NoError(t, os.WriteFile(filepath.Join(base, "results.json"), nil, 0o644))
			return Options{Out: base}
		}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			o := tc.setup(t, base)
			got, err := makeOutDir(o, now)
			if tc.wantErr {
				require.Error(t, err)
				assert.Equal(t, 2, cliutil.Code(err), "bad input: exit 2")
				return
			}
			require.NoError(t, err)
			assert.True(t, filepath.IsAbs(got))
			if tc.want != "" {
				assert.Equal(t, tc.want, filepath.Base(got))
			}
			assert.DirExists(t, got)
		})
	}
}

// An unknown scenario is bad input, refused before anything starts.
func TestDemoUnknownScenario(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	_, err := Run(context.Background(), Options{BaseDir: base, Scenarios: []string{"S01", "S99"}})
	require.Error(t, err)
	assert.Equal(t, 2, cliutil.Code(err))
	assert.Contains(t, err.Error(), "--scenario S99: the demo suite has S01, S02, S03, S04, S05, S06")
	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written")
}

func TestProgressFilter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lines   []string
		verbose bool
		want    []string // in order
		notWant []string
	}{
		{name: "heading printed before its scenario's first step line",
			lines: []string{"10:00:00 scenario S01 (1/2): Visits", "10:00:00 scenario S01 step 1/1 get-visits: awaiting GetVisits to X (up to 30s)", "10:00:01 scenario S01 step 1/1 get-visits: 9 check(s), 1 failed"},
			want:  []string{"scenario S01 (1/2): Visits", "  S01/get-visits: 9 check(s), 1 failed"}, notWant: []string{"awaiting"}},
		{name: "passing steps and waits are quiet",
			lines:   []string{"10:00:00 scenario S02 step 1/1 x: got {urn}GetVisits; answering file", "10:00:00 scenario S02 step 1/1 x: 9 check(s), 0 failed"},
			notWant: []string{"S02"}},
		{name: "manual step shown with its instruction",
			lines: []string{"10:00:00 scenario S03 (3/6): Fault", "10:00:00 scenario S03 step 2/3 shows-error: MANUAL verdict needed: Check it. (record it with: rivgate conform judge ...)"},
			want:  []string{"scenario S03 (3/6): Fault", "  S03/shows-error → waits for a person's verdict: Check it."}, notWant: []string{"record it with"}},
		{name: "a step that got nothing is shown",
			lines: []string{"10:00:00 scenario S05 step 2/3 no-answer: FAIL no request within 30s"},
			want:  []string{"  S05/no-answer: FAIL no request within 30s"}},
		{name: "verbose shows everything",
			lines: []string{"10:00:00 scenario S02 step 1/1 x: got {urn}GetVisits; answering file"}, verbose: true,
			want: []string{"scenario S02 step 1/1 x: got {urn}GetVisits; answering file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var screen, log bytes.Buffer
			f := &progressFilter{log: &log, steps: newStepPrinter(newPrinter(&screen, time.Now())), verbose: tc.verbose}
			for _, l := range tc.lines {
				// Written in pieces, as a writer may be.
				_, _ = f.Write([]byte(l[:5]))
				_, _ = f.Write([]byte(l[5:] + "\n"))
			}
			assert.Equal(t, strings.Join(tc.lines, "\n")+"\n", log.String(), "the log gets every line")
			s := screen.String()
			at := 0
			for _, w := range tc.want {
				i := strings.Index(s[at:], w)
				if assert.GreaterOrEqual(t, i, 0, "%q after offset %d in:\n%s", w, at, s) {
					at += i + len(w)
				}
			}
			for _, w := range tc.notWant {
				assert.NotContains(t, s, w)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "plain path", in: "/tmp/rivgate-demo-1/pki/ca.pem", want: "/tmp/rivgate-demo-1/pki/ca.pem"},
		{name: "space", in: "/tmp/with space/ca.pem", want: "'/tmp/with space/ca.pem'"},
		{name: "single quote", in: "/tmp/it's", want: `'/tmp/it'\''s'`},
		{name: "empty", in: "", want: "''"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, shellQuote(tc.in))
			if _, err := exec.LookPath("bash"); err == nil {
				got, err := exec.Command("bash", "-c", "printf %s "+shellQuote(tc.in)).Output()
				require.NoError(t, err)
				assert.Equal(t, tc.in, string(got), "bash reads it back")
			}
		})
	}
}

func TestCountVisits(t *testing.T) {
	t.Parallel()
	ok := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetVisitsResponse xmlns="urn:riv:demo:clinic:GetVisitsResponder:1"><visit/><visit/><result/></GetVisitsResponse></s:Body></s:Envelope>`
	tests := []struct {
		name    string
		body    string
		want    int
		wantErr string
	}{
		{name: "two visits", body: ok, want: 2},
		{name: "none", body: strings.ReplaceAll(ok, "<visit/>", ""), want: 0},
		{name: "malformed", body: ok[:len(ok)-20] + "<", wantErr: "XML syntax error"},
		{name: "not a GetVisitsResponse", body: `<a/>`, wantErr: "no GetVisitsResponse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := countVisits([]byte(tc.body))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, n)
		})
	}
}

// errTimeout is a net.Error that timed out.
type errTimeout struct{}

func (errTimeout) Error() string   { return "i/o timeout" }
func (errTimeout) Timeout() bool   { return true }
func (errTimeout) Temporary() bool { return true }

func TestShownForError(t *testing.T) {
	t.Parallel()
	assert.Contains(t, shownForError(errTimeout{}), "gave up by itself")
	assert.Contains(t, shownForError(errors.New("dial tcp: connection refused")), "connection failed (connection refused)")
}
