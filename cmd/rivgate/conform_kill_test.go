package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/testutil"
)

// Issue 11: results and evidence are written so that a run killed with
// SIGKILL at any point leaves either a complete state or files marked
// incomplete that bundle and verify refuse, never a silently partial
// bundle. These tests kill the real binary (this test binary acting as
// rivgate, as the README test does: the same main, no second build) at
// points chosen by time: before any exchange, right after the consumer got
// its Nth answer (the harness is then recording that exchange or writing
// results.json), a little later, and during `conform bundle`.

// killSuite writes a suite of three scenarios, nine requests in all (one
// a VP fault), answered from the demo fixtures.
func killSuite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root := testutil.RepoRoot(t)
	contracts, _ := filepath.Rel(dir, filepath.Join(root, "fixtures", "contracts", "demo_clinic_1.0"))
	resp, _ := filepath.Rel(dir, filepath.Join(root, "fixtures", "suites", "demo-clinic", "responses", "visits-ok.xml"))
	files := map[string]string{
		"suite.yaml": fmt.Sprintf(`id: kill
title: SIGKILL at any point
contracts: %s
consumer: {hsa_id: %s}
defaults: {receiver: %s, wait: 30s, consumer_timeout: 5s, settle: 100ms, retry: {observe: 100ms, min_spacing: 50ms}}
requirements: [{id: K-1, text: the consumer fetches visits, impact: 2}]
scenarios: [k1.yaml, k2.yaml, k3.yaml]
`, contracts, consumerID, receiverID),
	}
	step := func(id, respond string) string {
		return fmt.Sprintf("  - id: %s\n    expect: {operation: GetVisits}\n    respond: %s\n", id, respond)
	}
	ok := "{file: " + resp + "}"
	files["k1.yaml"] = "id: K1\ntitle: three calls\nrequirements: [K-1]\nlikelihood: 2\nsteps:\n" + step("a", ok) + step("b", ok) + step("c", ok)
	files["k2.yaml"] = "id: K2\ntitle: a fault between calls\nrequirements: [K-1]\nlikelihood: 2\nsteps:\n" + step("a", ok) + step("denied", "{vp_fault: VP007}") + step("c", ok)
	files["k3.yaml"] = "id: K3\ntitle: three more calls\nrequirements: [K-1]\nlikelihood: 2\nsteps:\n" + step("a", ok) + step("b", ok) + step("c", ok)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const killRequests = 9

// rivgateCmd is this test binary acting as rivgate.
func rivgateCmd(t *testing.T, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), testMainEnv+"=1")
	return cmd
}

// rivgateRun runs rivgate to the end and returns its exit code and output.
func rivgateRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := rivgateCmd(t, ctx, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		t.Fatalf("rivgate %v: %v", args, err)
	}
	return 0, string(out)
}

var urlLine = regexp.MustCompile(`consumers call (https://127\.0\.0\.1:\d+/)`)

type killPoint struct {
	name    string
	answers int           // SIGKILL after the consumer got this many answers (-1: let the run finish)
	delay   time.Duration // and this long after
}

// runAndKill starts `conform run`, drives it with a Go consumer and
// SIGKILLs it at k. It returns the run directory.
func runAndKill(t *testing.T, p *e2ePKI, suite string, k killPoint) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := rivgateCmd(t, ctx, "conform", "run", "--suite", suite, "--out", out, "--listen", "127.0.0.1:0",
		"--cert", p.serverCert, "--key", p.serverKey, "--client-ca", p.caPath)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	// awaiting gets a token each time the harness says it awaits a step's
	// request: the consumer calls only then, so a call never lands in the
	// previous scenario's settle time (where it would count as a repeat).
	awaiting := make(chan struct{}, killRequests+1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if m := urlLine.FindStringSubmatch(line); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
			if strings.Contains(line, ": awaiting ") {
				select {
				case awaiting <- struct{}{}:
				default:
				}
			}
		}
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the harness never said where it listens")
	}
	client := p.consumerClient()
	defer client.CloseIdleConnections()
	for answers := 0; answers < killRequests && (k.answers < 0 || answers < k.answers); answers++ {
		select {
		case <-awaiting:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("the harness never said it awaits request %d", answers+1)
		}
		body := strings.ReplaceAll(visitsRequest, "PATIENT", "191212121212")
		resp, err := client.Post(url, "text/xml; charset=UTF-8", strings.NewReader(body))
		if err != nil {
			t.Fatalf("consumer call %d: %v", answers+1, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if k.answers < 0 {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("the run did not end well: %v\n%s", err, stdout.String())
		}
		return out
	}
	time.Sleep(k.delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	return out
}

// checkLeftovers: whatever a kill left, it is either complete or marked
// incomplete, and bundle and report treat it so. It returns whether the
// run was complete.
func checkLeftovers(t *testing.T, dir, suite, key string) bool {
	t.Helper()
	// Every exchange record on disk is whole JSON (written by rename).
	_ = filepath.WalkDir(filepath.Join(dir, "exchanges"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") || !strings.HasSuffix(p, ".json") {
			return nil
		}
		b, rerr := os.ReadFile(p)
		if rerr != nil || !json.Valid(b) {
			t.Errorf("%s: not whole JSON after the kill: %v", p, rerr)
		}
		return nil
	})
	run, err := result.Read(dir)
	if errors.Is(err, fs.ErrNotExist) {
		t.Log("left: no results.json")
		code, log := rivgateRun(t, "conform", "bundle", "--out", dir, "--suite", suite, "--key", key)
		if code != 2 || !strings.Contains(log, "results.json") {
			t.Errorf("bundle of a directory without results.json: exit %d\n%s", code, log)
		}
		return false
	}
	if err != nil {
		t.Fatalf("results.json after the kill does not read: %v", err)
	}
	// Every exchange results.json names is on disk, bodies as hashed.
	for _, id := range run.ExchangeIDs() {
		ex, req, resp, err := exchange.Read(dir, id)
		if err != nil {
			t.Errorf("results.json names %s: %v", id, err)
			continue
		}
		if sha(req) != ex.Request.BodySHA256 || sha(resp) != ex.Response.BodySHA256 {
			t.Errorf("%s: bodies differ from their hashes", id)
		}
	}
	t.Logf("left: results.json %s, %d scenario(s), %d exchange(s) named", map[bool]string{true: "complete", false: "marked incomplete"}[run.Incomplete() == ""],
		len(run.Scenarios), run.Summary.ExchangeCount)
	code, log := rivgateRun(t, "conform", "bundle", "--out", dir, "--key", key)
	bundle := filepath.Join(dir, "evidence.zip")
	if run.Incomplete() != "" {
		if code != 2 || !strings.Contains(log, "incomplete run: the run did not finish") || !strings.Contains(log, "nothing bundled") {
			t.Errorf("bundle of an unfinished run: exit %d\n%s", code, log)
		}
		if _, err := os.Stat(bundle); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("an unfinished run was bundled: %v", err)
		}
		code, log = rivgateRun(t, "conform", "report", "--out", dir, "--lang", "en")
		if code != 1 || !strings.Contains(log, "Decision: Aborted") || !strings.Contains(log, "the run did not finish") {
			t.Errorf("report of an unfinished run: exit %d\n%s", code, log)
		}
		return false
	}
	if code != 0 {
		t.Fatalf("bundle of a complete run: exit %d\n%s", code, log)
	}
	code, log = rivgateRun(t, "conform", "verify", bundle, "--pubkey", key+".pub")
	if code != 0 {
		t.Errorf("verify of a complete run: exit %d\n%s", code, log)
	}
	return true
}

// killKey makes the signing key the kill tests bundle with.
func killKey(t *testing.T) string {
	t.Helper()
	key := filepath.Join(t.TempDir(), "key")
	if code, log := rivgateRun(t, "conform", "keygen", "--out", key); code != 0 {
		t.Fatalf("keygen: %d %s", code, log)
	}
	return key
}

// TestKillConformRun kills `conform run` at several points and checks what
// it left. Not parallel with itself: each point is a process of its own.
func TestKillConformRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts rivgate a few dozen times")
	}
	t.Parallel()
	p := newE2EPKI(t)
	suite := killSuite(t)
	key := killKey(t)
	points := []killPoint{
		{name: "listening, before any exchange", answers: 0},
		{name: "at the first answer", answers: 1},
		{name: "just after the first answer", answers: 1, delay: 300 * time.Microsecond},
		{name: "at the end of the first scenario (results written)", answers: 3},
		{name: "1ms after the end of the first scenario", answers: 3, delay: time.Millisecond},
		{name: "5ms after the end of the first scenario", answers: 3, delay: 5 * time.Millisecond},
		{name: "at the VP fault", answers: 5},
		{name: "in the retry window after the fault", answers: 5, delay: 50 * time.Millisecond},
		{name: "at the end of the second scenario", answers: 6},
		{name: "at the last answer", answers: killRequests},
		{name: "2ms after the last answer (final results)", answers: killRequests, delay: 2 * time.Millisecond},
		{name: "20ms after the last answer", answers: killRequests, delay: 20 * time.Millisecond},
		{name: "not killed: the run ends", answers: -1},
	}
	complete := 0
	for _, k := range points {
		t.Run(k.name, func(t *testing.T) {
			dir := runAndKill(t, p, suite, k)
			if checkLeftovers(t, dir, suite, key) {
				complete++
			}
			if k.answers < 0 {
				run, err := result.Read(dir)
				if err != nil || run.Incomplete() != "" || run.Summary.ExchangeCount != killRequests {
					t.Fatalf("a run left to end: %v %+v", err, run)
				}
			}
		})
	}
	t.Logf("%d kill points (and one run left to end): %d left a complete run, the others a run marked incomplete", len(points)-1, complete)
	if complete == 0 {
		t.Error("no kill point left a complete run: the control failed")
	}
}

// TestKillConformBundle kills `conform bundle` at points spread over how
// long a bundle takes: an evidence.zip is there only when it is complete
// (the earlier one, or the new one), and the temporary file a kill leaves
// is refused by verify, unless the kill came after its last byte, when it
// must verify as a whole bundle.
func TestKillConformBundle(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts rivgate a few dozen times")
	}
	t.Parallel()
	p := newE2EPKI(t)
	suite := killSuite(t)
	dir := runAndKill(t, p, suite, killPoint{answers: -1})
	key := killKey(t)
	// A big configuration file makes the bundle take long enough to be
	// killed in the middle of writing it.
	big := filepath.Join(t.TempDir(), "big.bin")
	noise := make([]byte, 6<<20)
	for i := range noise {
		noise[i] = byte(i*7919>>3) ^ byte(i>>11)
	}
	if err := os.WriteFile(big, noise, 0o644); err != nil {
		t.Fatal(err)
	}
	bundleArgs := []string{"conform", "bundle", "--out", dir, "--key", key, "--config", big}
	bundle := filepath.Join(dir, "evidence.zip")
	start := time.Now()
	if code, log := rivgateRun(t, bundleArgs...); code != 0 {
		t.Fatalf("bundle: %d %s", code, log)
	}
	full := time.Since(start)
	previous, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(p string) (int, string) { return rivgateRun(t, "conform", "verify", p, "--pubkey", key+".pub") }
	tried, partials, whole := 0, 0, 0
	for _, first := range []bool{true, false} {
		for _, frac := range []float64{0.15, 0.5, 0.9} {
			if first {
				_ = os.Remove(bundle) // no earlier bundle
			} else if err := os.WriteFile(bundle, previous, 0o644); err != nil {
				t.Fatal(err)
			}
			delay := time.Duration(float64(full) * frac)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			cmd := rivgateCmd(t, ctx, bundleArgs...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			cancel()
			tried++
			if _, err := os.Stat(bundle); err == nil {
				if code, log := verify(bundle); code != 0 {
					t.Errorf("killed at %s (%.0f%%): evidence.zip is there but does not verify: exit %d\n%s", delay, frac*100, code, log)
				}
			} else if code, log := verify(bundle); code != 2 || !strings.Contains(log, "no such file") {
				t.Errorf("killed at %s: verify of the missing bundle: exit %d\n%s", delay, code, log)
			}
			temps, _ := filepath.Glob(filepath.Join(dir, ".evidence.zip.tmp*"))
			for _, tmp := range temps {
				// A kill between the last byte and the rename (during the
				// fsync) leaves a temporary file that is a whole bundle: it
				// must then verify in full. Anything short of that must be
				// refused as incomplete.
				code, log := verify(tmp)
				switch {
				case code == 1 && strings.Contains(log, "not a complete zip archive"):
					partials++
				case code == 0 && strings.Contains(log, "the pinned key") && strings.Contains(log, "SHA-256 as in the signed manifest"):
					whole++
				default:
					t.Errorf("killed at %s: the temporary %s is neither refused as incomplete nor a whole bundle: exit %d\n%s", delay, filepath.Base(tmp), code, log)
				}
				_ = os.Remove(tmp)
			}
		}
	}
	t.Logf("a bundle took %s; killed %d times between 15%% and 90%% of that: %d partial temporary file(s) left and refused, %d whole one(s) killed before the rename", full.Round(time.Millisecond), tried, partials, whole)
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
