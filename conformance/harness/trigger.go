package harness

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/exchange"
	"github.com/rivgate/rivgate/conformance/scenario"
)

func peerCert(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return r.TLS.PeerCertificates[0]
}

// fire starts the step's trigger (or the in-process hook) in the
// background. The channel yields one note when it is done.
func (h *Harness) fire(ctx context.Context, sc *scenario.Scenario, st *scenario.Step, idx int, t *scenario.Trigger) <-chan string {
	ch := make(chan string, 1)
	var run func() string
	switch {
	case t != nil && len(t.Command) > 0:
		run = func() string { return h.runCommand(ctx, sc, st, t) }
	case t != nil && t.HTTP != nil:
		run = func() string { return h.callHTTP(ctx, t) }
	case h.opts.Await != nil:
		run = func() string {
			if err := h.opts.Await(ctx, Await{Scenario: sc, Step: st, Index: idx}); err != nil {
				return "consumer hook: " + err.Error()
			}
			return ""
		}
	default:
		ch <- ""
		return ch
	}
	h.triggers.Add(1)
	go func() {
		defer h.triggers.Done()
		ch <- run()
	}()
	return ch
}

// triggerNote returns the trigger's note if it has finished.
func triggerNote(ch <-chan string) string {
	select {
	case n := <-ch:
		return n
	default:
		return ""
	}
}

func (h *Harness) runCommand(ctx context.Context, sc *scenario.Scenario, st *scenario.Step, t *scenario.Trigger) string {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout.Or(DefaultTriggerTimeout))
	defer cancel()
	cmd := exec.CommandContext(ctx, t.Command[0], t.Command[1:]...)
	cmd.Dir = h.suite.OSDir
	if t.Dir != "" {
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
			_ = exchange.WriteFileAtomic(p, out.Bytes())
		}
	}
	if err != nil {
		return fmt.Sprintf("trigger %q: %v", strings.Join(t.Command, " "), err)
	}
	return ""
}

func (h *Harness) callHTTP(ctx context.Context, t *scenario.Trigger) string {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout.Or(DefaultTriggerTimeout))
	defer cancel()
	method := t.HTTP.Method
	if method == "" {
		method = http.MethodPost
		if t.HTTP.Body == "" {
			method = http.MethodGet
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, t.HTTP.URL, strings.NewReader(t.HTTP.Body))
	if err != nil {
		return fmt.Sprintf("trigger %s %s: %v", method, t.HTTP.URL, err)
	}
	for k, v := range t.HTTP.Headers {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: t.Timeout.Or(DefaultTriggerTimeout)}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Sprintf("trigger %s %s: %v", method, t.HTTP.URL, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Sprintf("trigger %s %s: HTTP %d", method, t.HTTP.URL, resp.StatusCode)
	}
	return ""
}

// waitTriggers waits (at most bound, or until ctx ends) for triggers and
// hooks still running, so a run ends after the consumer has its last answer.
func (h *Harness) waitTriggers(ctx context.Context, bound time.Duration) {
	done := make(chan struct{})
	go func() {
		h.triggers.Wait()
		close(done)
	}()
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		h.progress("a trigger is still running after the last step; not waiting for it")
	case <-ctx.Done():
	}
}
