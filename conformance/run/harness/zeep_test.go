package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
)

const systemPython = "/usr/bin/python3"

// TestZeepConsumer drives the harness with an independent, well-behaved
// consumer: python3-zeep reading the demo contract's WSDL from the harness
// (?wsdl and ?xsd=, as from the platform), over mutual TLS.
// It runs the demo suite's happy path, empty result, producer fault with a
// manual step, slow producer and timeout, and every connection fault, and
// expects no failed check; the manual step is then judged. What zeep saw
// for each fault is asserted too (a reset reaches it as a connection error,
// the timeout as a read timeout, a truncated body as invalid XML).
func TestZeepConsumer(t *testing.T) {
	t.Parallel()
	if err := exec.Command(systemPython, "-c", "import zeep").Run(); err != nil {
		t.Skip("python3-zeep missing: apt-get install -y python3-zeep (scripts/test.sh installs it)")
	}
	p := newPKI(t)
	dir := t.TempDir()
	caPath, _, err := p.ca.WriteFiles(dir, "ca")
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := p.good.WriteFiles(dir, "consumer")
	if err != nil {
		t.Fatal(err)
	}
	root := testutil.RepoRoot(t)
	suite, err := scenario.LoadDir(filepath.Join(root, "fixtures", "suites", "demo-clinic"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	h, err := New(suite, Options{TLS: p.serverTLS(), Out: t.TempDir(), Scenarios: []string{"S01", "S02", "S03", "S05", "S06"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	wsdl := h.URL() + "vp/demo/clinic/GetVisits/1/rivtabp21?wsdl"
	cmd := exec.CommandContext(ctx, systemPython, filepath.Join(root, "conformance", "run", "harness", "testdata", "zeep_consumer.py"),
		wsdl, h.URL(), certPath, keyPath, caPath, "2")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	if l := <-lines; l != "ready" {
		t.Fatalf("zeep consumer did not start: %q %s", l, stderr.String())
	}
	var mu sync.Mutex
	seen := map[string]string{}
	h.opts.Await = func(ctx context.Context, a Await) error {
		if _, err := io.WriteString(stdin, "call\n"); err != nil {
			return err
		}
		select {
		case l := <-lines:
			mu.Lock()
			seen[a.Scenario.ID+"/"+a.Step.ID] = l
			mu.Unlock()
			return nil
		case <-time.After(20 * time.Second):
			return fmt.Errorf("zeep consumer silent")
		}
	}
	run, err := h.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if f := failures(run); len(f) > 0 {
		t.Fatalf("well-behaved zeep consumer failed checks: %v\nzeep saw: %v\n%s", f, seen, stderr.String())
	}
	if run.Status != result.ManualPending {
		t.Fatalf("status %s, want manual-pending (S03 asks a person)", run.Status)
	}
	if _, err := run.Judge(result.Judgement{Scenario: "S03", Verdict: "pass", Note: "error shown, patient kept", By: "test", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if run.Status != result.Pass {
		t.Fatalf("after judging: %s", run.Status)
	}
	want := map[string]string{
		"S01/get-visits":       "ok 2 visits",
		"S02/get-visits-empty": "ok 0 visits",
		"S03/producer-fault":   "fault Visit register temporarily unavailable",
		"S03/recovers":         "ok 2 visits",
		"S05/slow":             "ok 2 visits",
		"S05/no-answer":        "error ReadTimeout",
		"S06/reset":            "error ConnectionError",
		"S06/empty-reply":      "error ConnectionError",
		// requests does not enforce Content-Length, so zeep sees the
		// truncated body as broken XML.
		"S06/malformed-xml": "error TransportError: Server returned response (200) with invalid XML",
		"S06/truncated":     "error TransportError: Server returned response (200) with invalid XML",
	}
	for k, v := range want {
		if !strings.HasPrefix(seen[k], v) {
			t.Errorf("%s: zeep saw %q, want %q...", k, seen[k], v)
		}
	}
	t.Logf("zeep saw: %v", seen)
}
