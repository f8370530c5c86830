package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// TestPlatformLogFollow: the follower reads only what was appended after
// it opened, whole lines only (a line being written is read once it ends),
// and starts over on a file that was truncated or replaced.
func TestPlatformLogFollow(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "gw.log")
	write := func(s string, flag int) {
		t.Helper()
		f, err := os.OpenFile(p, flag|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write("before the run\n", os.O_TRUNC)
	l, err := openPlatformLog(p)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		append string
		flag   int
		want   []string
	}{
		{"nothing new", "", os.O_APPEND, nil},
		{"a whole line and half of one", "one\r\ntw", os.O_APPEND, []string{"one"}},
		{"the rest of the line", "o\n", os.O_APPEND, []string{"two"}},
		{"truncated and rewritten", "new\n", os.O_TRUNC, []string{"new"}},
	}
	for _, st := range steps {
		if st.append != "" || st.flag == os.O_TRUNC {
			write(st.append, st.flag)
		}
		lines, err := l.next()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var got []string
		for _, b := range lines {
			got = append(got, string(b))
		}
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: %q, want %q", st.name, got, st.want)
		}
	}
}

// TestPlatformLogOptions: the log needs the platform in front, and a file
// that exists.
func TestPlatformLogOptions(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite := loadBehaviourSuite(t)
	missing := filepath.Join(t.TempDir(), "no.log")
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"without the platform", Options{TLS: p.serverTLS(), PlatformLog: missing}, errPlatformLogAlone.Error()},
		{"missing file", Options{TLS: p.serverTLS(), PlatformLog: missing, ViaPlatform: "SE-GW"}, "no.log"},
	} {
		_, err := New(suite, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if tc.name == "missing file" && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %v is not ErrNotExist", tc.name, err)
		}
	}
}

// TestPlatformRefusalEndsTheWait: a consumer whose call the platform
// refuses, and which then exits non-zero (it got a fault), is no abort when
// the platform's log shows the refusal: the step has the refusal as its
// finding, from the log line, copied into the run directory, and the run
// re-evaluates. A refusal logged for another consumer is not this one's:
// the run aborts as before.
func TestPlatformRefusalEndsTheWait(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	tests := []struct {
		name, sender string
		aborted      string // "" for a run that completes
	}{
		{name: "the consumer's call refused", sender: "SE2321000016-DEMOCONS"},
		{name: "another consumer's call refused", sender: "SE2321000016-OTHER", aborted: "the consumer cannot be driven"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			suite := loadBehaviourSuite(t)
			dir := t.TempDir()
			logPath, out := filepath.Join(dir, "gateway.log"), filepath.Join(dir, "run")
			if err := os.WriteFile(logPath, []byte(`{"level":"info","message":"listening"}`+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// Stands in for the gateway and the consumer at once: the
			// gateway logs the refusal, the consumer exits 3 on the fault.
			line := `{"level":"warn","instance":"gw","kind":"service","correlation_id":"c-1","sender":"` + tc.sender + `",` +
				`"receiver":"SE2321000016-CLIN ","contract":"urn:riv:demo:clinic:GetVisitsResponder:1","status":500,"vp_code":"VP004",` +
				`"total_ms":1.5,"fault_detail":"serviceNamespace: urn:riv:demo:clinic:GetVisitsResponder:1, receiverId: SE2321000016-CLIN . Whitespace detected in incoming request!",` +
				`"time":"%s","message":"exchange"}\n`
			suite.Scenarios[0].Trigger = &scenario.Trigger{Command: []string{"/bin/sh", "-c",
				`printf '` + line + `' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$0"; exit 3`, logPath}}
			h, err := New(suite, Options{TLS: p.serverTLS(), Out: out, ViaPlatform: "SE2321000016-GW", PlatformLog: logPath, Scenarios: []string{"HAPPY"}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := h.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			run, err := h.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tc.aborted != "" {
				if !strings.Contains(run.Aborted, tc.aborted) || run.PlatformLog.Lines != 0 {
					t.Fatalf("aborted %q, platform log %+v; want an abort saying %q", run.Aborted, run.PlatformLog, tc.aborted)
				}
				return
			}
			if run.Aborted != "" {
				t.Fatalf("aborted: %s", run.Aborted)
			}
			st := run.Scenarios[0].Steps[0]
			var got []string
			for _, c := range st.Checks {
				got = append(got, fmt.Sprintf("%s %s line %d", c.ID, c.Status, c.PlatformLine))
			}
			if want := []string{"RIV-RECV-02 fail line 1"}; !slices.Equal(got, want) {
				t.Fatalf("checks %q, want %q: %+v", got, want, st.Checks)
			}
			kept, err := os.ReadFile(filepath.Join(out, result.PlatformLogFile))
			if err != nil || !strings.Contains(string(kept), `"correlation_id":"c-1"`) || strings.Count(string(kept), "\n") != 1 {
				t.Fatalf("%s: %q, %v", result.PlatformLogFile, kept, err)
			}
			diffs, err := h.env.Reevaluate(out, run)
			if err != nil || len(diffs) != 0 {
				t.Fatalf("re-evaluation: %v %v", diffs, err)
			}
		})
	}
}
