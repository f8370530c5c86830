package harness

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/atomicfile"
)

func peerCert(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return r.TLS.PeerCertificates[0]
}

// firing is a trigger or hook running in the background. done is closed
// when it has finished; res is set before.
type firing struct {
	done chan struct{}
	res  triggerResult
}

// triggerResult is how a trigger ended.
type triggerResult struct {
	// note is noted on the step ("" when it succeeded).
	note string
	// unreachable: the consumer or its environment cannot be driven at
	// all (the command does not start, the HTTP trigger cannot connect);
	// the run is aborted with this reason.
	unreachable string
	// failed: the trigger ran and failed (non-zero exit, hook error); the
	// run is aborted when no request at all has arrived yet.
	failed bool
	// exited: a command trigger exited 0; the run is aborted when no
	// request at all has arrived TriggerExitGrace later.
	exited bool
	// what names the trigger; output is a command's output, at most its
	// last maxTriggerOutput bytes (results.json keeps it when the
	// trigger failed or the run was aborted after it).
	what   string
	output string
}

// maxTriggerOutput bounds the trigger output results.json keeps (all of
// it is in OUT/triggers/).
const maxTriggerOutput = 4 << 10

// finished returns the trigger's result if it has finished.
func (f *firing) finished() (triggerResult, bool) {
	select {
	case <-f.done:
		return f.res, true
	default:
		return triggerResult{}, false
	}
}

// fire starts the step's trigger (or the in-process hook) in the
// background.
func (h *Harness) fire(ctx context.Context, sc *scenario.Scenario, st *scenario.Step, idx int, t *scenario.Trigger) *firing {
	f := &firing{done: make(chan struct{})}
	var run func() triggerResult
	switch {
	case t != nil && len(t.Command) > 0:
		run = func() triggerResult { return h.runCommand(ctx, sc, st, t) }
	case t != nil && t.HTTP != nil:
		run = func() triggerResult { return h.callHTTP(ctx, t) }
	case h.opts.Await != nil:
		run = func() triggerResult {
			if err := h.opts.Await(ctx, Await{Scenario: sc, Step: st, Index: idx}); err != nil {
				return triggerResult{note: "consumer hook: " + err.Error(), failed: true}
			}
			return triggerResult{}
		}
	default:
		return f // never finishes: nothing drives the consumer
	}
	h.triggers.Add(1)
	go func() {
		defer h.triggers.Done()
		f.res = run()
		close(f.done)
	}()
	return f
}

// triggerNote returns the trigger's note if it has finished.
func triggerNote(f *firing) string {
	res, _ := f.finished()
	return res.note
}

// triggerOutput is a finished command trigger's output when it has a
// note (it failed or was stopped), or always when aborting is true (the
// run ends after it), for the step in results.json.
func triggerOutput(f *firing, aborting bool) string {
	if res, ok := f.finished(); ok && (res.note != "" || aborting) {
		return res.output
	}
	return ""
}

// tail is at most the last n bytes of out, as valid UTF-8.
func tail(out []byte, n int) string {
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

func (h *Harness) runCommand(ctx context.Context, sc *scenario.Scenario, st *scenario.Step, t *scenario.Trigger) triggerResult {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout.Or(DefaultTriggerTimeout))
	defer cancel()
	cmd := exec.CommandContext(ctx, t.Command[0], t.Command[1:]...)
	cmd.Dir = h.suite.OSDir
	switch {
	case path.IsAbs(t.Dir):
		cmd.Dir = filepath.FromSlash(t.Dir)
	case t.Dir != "":
		cmd.Dir = filepath.Join(h.suite.OSDir, filepath.FromSlash(t.Dir))
	}
	cmd.Env = append(os.Environ(), "RIVGATE_URL="+h.URL(), "RIVGATE_SCENARIO="+sc.ID, "RIVGATE_STEP="+st.ID)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if h.opts.Out != "" {
		name := fmt.Sprintf("%s-%s.log", sc.ID, st.ID)
		p := filepath.Join(h.opts.Out, "triggers", name)
		if mkErr := os.MkdirAll(filepath.Dir(p), 0o755); mkErr == nil {
			_ = atomicfile.WriteFile(p, out.Bytes(), 0o644)
		}
	}
	what := fmt.Sprintf("trigger %q", strings.Join(t.Command, " "))
	res := triggerResult{what: what, output: tail(out.Bytes(), maxTriggerOutput)}
	if err == nil {
		res.exited = true
		return res
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && ctx.Err() != nil:
		// Killed at its timeout: the consumer was running, just slow.
		res.note = fmt.Sprintf("%s: stopped after %s: %v", what, t.Timeout.Or(DefaultTriggerTimeout), err)
		return res
	case errors.As(err, &exit):
		res.note, res.failed = fmt.Sprintf("%s: %v%s", what, err, lastLine(out.Bytes())), true
		return res
	}
	// It never ran (not found, not executable, bad directory).
	res.note = fmt.Sprintf("%s could not start: %v", what, err)
	res.unreachable = res.note
	return res
}

// lastLine is the command's last output line, to say why it failed.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return ""
	}
	if len(last) > 200 {
		last = last[:200] + "…"
	}
	return " (" + last + ")"
}

func (h *Harness) callHTTP(ctx context.Context, t *scenario.Trigger) triggerResult {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout.Or(DefaultTriggerTimeout))
	defer cancel()
	method := t.HTTP.Method
	if method == "" {
		method = http.MethodPost
		if t.HTTP.Body == "" {
			method = http.MethodGet
		}
	}
	what := fmt.Sprintf("trigger %s %s", method, t.HTTP.URL)
	req, err := http.NewRequestWithContext(ctx, method, t.HTTP.URL, strings.NewReader(t.HTTP.Body))
	if err != nil {
		return triggerResult{note: fmt.Sprintf("%s: %v", what, err), failed: true}
	}
	for k, v := range t.HTTP.Headers {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: t.Timeout.Or(DefaultTriggerTimeout)}
	resp, err := c.Do(req)
	if err != nil {
		msg := fmt.Sprintf("%s: %v", what, err)
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			// Nothing listens there: the consumer's API is unreachable.
			msg = fmt.Sprintf("%s cannot connect: %v", what, op.Err)
			return triggerResult{note: msg, unreachable: msg}
		}
		return triggerResult{note: msg, failed: true}
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return triggerResult{note: fmt.Sprintf("%s: HTTP %d", what, resp.StatusCode), failed: true}
	}
	return triggerResult{}
}
