package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestProducerMode drives producers with the demo suite's recorded
// requests: one that answers as recorded except volatile ids (passes) and
// one whose answers break the schema and differ from the recording.
func TestProducerMode(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	dir := filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic")
	suite, err := scenario.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := os.ReadFile(filepath.Join(dir, "responses", "visits-ok.xml"))
	empty, _ := os.ReadFile(filepath.Join(dir, "responses", "visits-empty.xml"))
	tests := []struct {
		name   string
		answer func(n int64) []byte // n = 1 for S01, 2 for S02
		want   []string             // failed scenario/step/check
		frags  []string
	}{
		{name: "as recorded but volatile ids", answer: func(n int64) []byte {
			if n == 1 {
				return bytes.ReplaceAll(ok, []byte("V-2026-000117"), []byte("V-9999-000001"))
			}
			return empty
		}},
		{name: "invalid and different", answer: func(n int64) []byte {
			if n == 1 {
				b := bytes.Replace(ok, []byte("<core:status>booked</core:status>"), []byte("<core:status>lost</core:status>"), 1)
				return bytes.Replace(b, []byte("2026-03-02T09:30:00+01:00"), []byte("2026-03-03T09:30:00+01:00"), 1)
			}
			return empty
		},
			want:  []string{"S01/get-visits/response-diff", "S01/get-visits/response-schema"},
			frags: []string{`text "lost", want "booked"`, `text "2026-03-03T09:30:00+01:00", want "2026-03-02T09:30:00+01:00"`, "schema problem(s) for urn:riv:demo:clinic:GetVisitsResponder:1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			var sawCert atomic.Bool
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sawCert.Store(r.TLS != nil && len(r.TLS.PeerCertificates) == 1)
				w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
				_, _ = w.Write(tc.answer(calls.Add(1)))
			}))
			srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.server.TLSCertificate()}, ClientCAs: p.ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert}
			srv.StartTLS()
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out := t.TempDir()
			run, err := RunProducer(ctx, suite, ProducerOptions{URL: srv.URL, Out: out, Scenarios: []string{"S01", "S02", "S03"},
				TLS: &tls.Config{Certificates: []tls.Certificate{p.good.TLSCertificate()}, RootCAs: p.ca.Pool()}})
			if err != nil {
				t.Fatal(err)
			}
			if !sawCert.Load() || calls.Load() != 2 {
				t.Fatalf("calls %d, client cert %v", calls.Load(), sawCert.Load())
			}
			got := failures(run)
			if !slices.Equal(keys(got), tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Fatalf("failed %q, want %q: %v", keys(got), tc.want, got)
			}
			all := strings.Join(func() []string {
				var v []string
				for _, m := range got {
					v = append(v, m)
				}
				return v
			}(), "\n")
			for _, f := range tc.frags {
				if !strings.Contains(all, f) {
					t.Errorf("findings do not mention %q:\n%s", f, all)
				}
			}
			// S03 has no recorded request: skipped, not passed.
			if s3 := run.Scenarios[2]; s3.Steps[0].Status != result.Skip {
				t.Errorf("S03 step 1 status %s, want skip", s3.Steps[0].Status)
			}
			if _, err := result.Read(out); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestProducerUnreachable: a producer that nothing answers for aborts the
// run (with the reason) instead of failing every step.
func TestProducerUnreachable(t *testing.T) {
	t.Parallel()
	suite, err := scenario.LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "suites", "demo-clinic"))
	if err != nil {
		t.Fatal(err)
	}
	p := newPKI(t)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := RunProducer(ctx, suite, ProducerOptions{URL: "https://" + closedPort(t) + "/", Out: out, Scenarios: []string{"S01", "S02"},
		TLS: &tls.Config{Certificates: []tls.Certificate{p.good.TLSCertificate()}, RootCAs: p.ca.Pool()}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.Aborted, "cannot be reached") || !strings.Contains(run.Aborted, "connection refused") || run.Summary.Checks.Fail != 0 || len(run.Scenarios) != 1 {
		t.Fatalf("aborted %q, checks %+v, %d scenario(s)", run.Aborted, run.Summary.Checks, len(run.Scenarios))
	}
	back, err := result.Read(out)
	if err != nil || back.Aborted != run.Aborted {
		t.Fatalf("results.json: %v %+v", err, back)
	}
}
