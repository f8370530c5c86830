package check

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/pki"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/yamlstrict"
)

var update = flag.Bool("update", false, "rewrite the expected findings in testdata/*.checktest")

// testEnv is the demo suite with its contracts and the pure-Go validator.
func testEnv(t testing.TB, mutate func(*scenario.Suite)) *Env {
	t.Helper()
	s, err := scenario.LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic"))
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(s)
	}
	dir, _ := s.ContractsOSDir()
	set, err := contracts.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Suite: s, Contracts: set, Validator: xsd.New(set)}
}

// checktest is one golden file: HTTP headers (plus the pseudo header
// X-Test-Cert: <SERIALNUMBER> or "none"), a blank line, the body, a line
// "-----", then one expected finding per line: "ID status message".
type checktest struct {
	header http.Header
	cert   string
	body   []byte
	want   []string
}

func readChecktest(t *testing.T, path string) checktest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parts := bytes.SplitN(data, []byte("\n-----\n"), 2)
	if len(parts) != 2 {
		t.Fatalf("%s: no ----- separator", path)
	}
	head, body, _ := bytes.Cut(parts[0], []byte("\n\n"))
	ct := checktest{header: http.Header{}, body: body}
	sc := bufio.NewScanner(bytes.NewReader(head))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad header line %q", path, line)
		}
		if strings.EqualFold(k, "X-Test-Cert") {
			ct.cert = strings.TrimSpace(v)
			continue
		}
		ct.header.Add(k, strings.TrimSpace(v))
	}
	for _, l := range strings.Split(strings.TrimRight(string(parts[1]), "\n"), "\n") {
		if l != "" {
			ct.want = append(ct.want, l)
		}
	}
	return ct
}

// TestChecktests runs every golden file in testdata through the request
// checks and compares the findings line by line. Run with -update to
// rewrite the expectations (and read the diff before committing).
func TestChecktests(t *testing.T) {
	t.Parallel()
	env := testEnv(t, nil)
	ca, err := pki.NewCA("check test CA")
	if err != nil {
		t.Fatal(err)
	}
	certs := map[string]*x509.Certificate{}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.checktest"))
	if len(files) == 0 {
		t.Fatal("no testdata/*.checktest files")
	}
	for _, f := range files {
		ct := readChecktest(t, f)
		if ct.cert != "" && ct.cert != "none" && certs[ct.cert] == nil {
			serial := ct.cert
			if serial == "empty" {
				serial = ""
			}
			c, err := ca.IssueClient(serial, pki.Options{CommonName: "test consumer"})
			if err != nil {
				t.Fatal(err)
			}
			certs[ct.cert] = c.Cert
		}
	}
	step := env.Suite.Scenarios[0].Steps[0] // S01: GetVisits with matchers
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".checktest"), func(t *testing.T) {
			ct := readChecktest(t, f)
			findings := env.Request(Request{Message: NewMessage(ct.header, ct.body, certs[ct.cert], nil), Exchange: "x", At: time.Now()},
				env.Suite.Scenarios[0], step)
			var got []string
			for _, c := range findings {
				got = append(got, fmt.Sprintf("%s %s %s", c.ID, c.Status, c.Message))
			}
			if *update {
				data, _ := os.ReadFile(f)
				head, _, _ := bytes.Cut(data, []byte("\n-----\n"))
				out := append(append(head, []byte("\n-----\n")...), []byte(strings.Join(got, "\n")+"\n")...)
				if err := os.WriteFile(f, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if strings.Join(got, "\n") != strings.Join(ct.want, "\n") {
				t.Errorf("%s: findings differ\n%s", f, lineDiff(ct.want, got))
			}
		})
	}
}

func lineDiff(want, got []string) string {
	var b strings.Builder
	for i := 0; i < len(want) || i < len(got); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			fmt.Fprintf(&b, "- %s\n+ %s\n", w, g)
		}
	}
	return b.String()
}

// TestChecksSkipAndOrder: the suite's checks list reorders, turns off (n/a) and
// re-weighs built-in checks.
func TestChecksSkipAndOrder(t *testing.T) {
	t.Parallel()
	env := testEnv(t, func(s *scenario.Suite) {
		s.Checks = []scenario.CheckRef{{ID: scenario.ReqSchema, Impact: 1}, {ID: scenario.ReqContentType, Skip: true}}
	})
	body, _ := env.Suite.ReadFile("requests/get-visits.xml")
	got := env.Request(Request{Message: NewMessage(http.Header{"Content-Type": {"text/plain"}}, body, nil, nil)}, nil, nil)
	if got[0].ID != scenario.ReqSchema || got[0].Impact != 1 || got[0].Status != result.Pass {
		t.Fatalf("first check %+v", got[0])
	}
	last := got[len(got)-1]
	if last.ID != scenario.ReqContentType || last.Status != result.NotApplicable || last.Message != SkippedBySuite {
		t.Fatalf("skipped check %+v", last)
	}
}

func TestRetryStorm(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	one := 1
	rule := scenario.Retry{MaxRepeats: &one, MinSpacing: yamlstrict.Duration(time.Second)}
	tests := []struct {
		name    string
		repeats []time.Duration
		status  result.Status
		msg     string
	}{
		{name: "no repeat", status: result.Pass, msg: "no repeat of the faulted request"},
		{name: "one spaced repeat", repeats: []time.Duration{2 * time.Second}, status: result.Pass, msg: "1 repeat(s), closest spacing 2s (allowed 1, at least 1s)"},
		{name: "one quick repeat", repeats: []time.Duration{100 * time.Millisecond}, status: result.Fail, msg: "repeated 100ms after the previous attempt (required at least 1s)"},
		{name: "storm", repeats: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}, status: result.Fail,
			msg: "retry storm: 3 repeats after the fault within 30ms (allowed 1), closest spacing 10ms (required at least 1s)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var at []time.Time
			for _, d := range tc.repeats {
				at = append(at, t0.Add(d))
			}
			s, m := RetryStorm(t0, at, rule)
			if s != tc.status || m != tc.msg {
				t.Fatalf("got %s %q, want %s %q", s, m, tc.status, tc.msg)
			}
		})
	}
}

func TestTimeoutHonoured(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		gone   time.Time
		status result.Status
		msg    string
	}{
		{name: "gave up in time", gone: t0.Add(2 * time.Second), status: result.Pass, msg: "the consumer gave up after 2s (limit 5s)"},
		{name: "gave up late", gone: t0.Add(6 * time.Second), status: result.Fail, msg: "the consumer gave up after 6s, limit 5s"},
		{name: "never", status: result.Fail, msg: "the consumer still waited after 6s without an answer (limit 5s): it has no timeout, or a longer one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, m := TimeoutHonoured(t0, tc.gone, 5*time.Second, 6*time.Second)
			if s != tc.status || m != tc.msg {
				t.Fatalf("got %s %q, want %s %q", s, m, tc.status, tc.msg)
			}
		})
	}
}
