package evidence

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/assess"
	"github.com/rivgate/rivgate/conformance/publish/report"
	"github.com/rivgate/rivgate/conformance/publish/report/reporttest"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/pki"
)

var now = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// certifiedRun is a real run with the people's part recorded and the
// report written: the bundle holds everything a certifier receives.
func certifiedRun(t *testing.T) (string, *scenario.Suite) { return certifiedRunB(t) }

func certifiedRunB(t testing.TB) (string, *scenario.Suite) {
	t.Helper()
	dir := reporttest.RealRun(t)
	shot := reporttest.Attachment(t, "shot.png", "screenshot bytes")
	var reviews []reporttest.Review
	for _, it := range []string{"A-1", "B-1"} {
		reviews = append(reviews, reporttest.Review{Item: it, Verdict: "pass", Note: "ok", By: "reviewer", Files: []string{shot}})
	}
	suite := reporttest.Certify(t, dir, reporttest.People{ManualNote: "shown", Reviews: reviews,
		DeclaredBy: "Anna", Org: "Demo AB", Statement: "declared"}, now)
	in, err := report.Load(dir, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.Generate(in, report.LangSV); err != nil {
		t.Fatal(err)
	}
	return dir, suite
}

func newKeyB(b testing.TB) (*Signer, crypto.PublicKey) { return newKey(b, b.TempDir()) }

func newKey(t testing.TB, dir string) (*Signer, crypto.PublicKey) {
	t.Helper()
	kp := filepath.Join(dir, "key")
	if _, err := Keygen(kp); err != nil {
		t.Fatal(err)
	}
	if _, err := Keygen(kp); err == nil {
		t.Fatal("keygen overwrote a key")
	}
	s, err := LoadSigner(kp, "")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(kp + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return s, pub
}

// bundleFiles reads every entry of a bundle.
func bundleFiles(t *testing.T, p string) (map[string][]byte, []string) {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = b
		names = append(names, f.Name)
	}
	return files, names
}

func writeBundle(t *testing.T, p string, files map[string][]byte) {
	t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var entries []entry
	for _, n := range names {
		entries = append(entries, entry{File: File{Path: n}, data: files[n]})
	}
	if err := writeZip(p, entries, now); err != nil {
		t.Fatal(err)
	}
}

// resign recomputes the manifest for files and signs it: what a dishonest
// signer (or a buggy tool) would produce.
func resign(t *testing.T, files map[string][]byte, s *Signer) {
	t.Helper()
	var m Manifest
	if err := json.Unmarshal(files[ManifestFile], &m); err != nil {
		t.Fatal(err)
	}
	for i, f := range m.Files {
		b := files[f.Path]
		h := sha256hex(b)
		m.Files[i].SHA256, m.Files[i].Size = h, int64(len(b))
	}
	mb, _ := json.MarshalIndent(m, "", "  ")
	sig, err := s.Sign(mb)
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := json.Marshal(sig)
	files[ManifestFile], files[SignatureFile] = mb, sb
}

func expectDifference(t *testing.T, p string, pub crypto.PublicKey, file, msg string) {
	t.Helper()
	_, err := Verify(p, pub)
	var d *Difference
	if !errors.As(err, &d) {
		t.Fatalf("verify: %v, want a difference in %s", err, file)
	}
	if d.File != file || !strings.Contains(d.Msg, msg) {
		t.Fatalf("difference %q, want file %s and %q", err, file, msg)
	}
}

func TestBundleVerifyAndTamper(t *testing.T) {
	t.Parallel()
	dir, suite := certifiedRun(t)
	keys := t.TempDir()
	signer, pub := newKey(t, keys)
	cfg := filepath.Join(keys, "harness.yaml")
	if err := os.WriteFile(cfg, []byte("listen: 127.0.0.1:8443\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Create(Options{RunDir: dir, Suite: suite, Config: []string{cfg}, Signer: signer, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".evidence.zip.tmp*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	v, err := Verify(p, pub)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Pinned || v.Decision != "approved-with-conditions" || v.Checks < 40 || v.Files < 20 {
		t.Fatalf("verified %+v", v)
	}
	files, names := bundleFiles(t, p)
	for _, want := range []string{"results.json", "report.json", "report.html", "report.pdf", "junit.xml", "assessment.json",
		"attachments/A-1/shot.png", "config/harness.yaml", v.Manifest.SuiteDir + "/suite.yaml", v.Manifest.SuiteDir + "/activities.yaml"} {
		if _, ok := files[want]; !ok {
			t.Errorf("bundle lacks %s", want)
		}
	}
	// Exchanges byte-exact.
	for name, b := range files {
		if strings.HasPrefix(name, "exchanges/") {
			orig, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			if err != nil || !bytes.Equal(orig, b) {
				t.Errorf("%s differs from the run directory: %v", name, err)
			}
		}
	}
	// Without a pinned key it verifies too, and says who signed.
	if v2, err := Verify(p, nil); err != nil || v2.Pinned || v2.KeyID != KeyID(pub) {
		t.Fatalf("unpinned: %+v %v", v2, err)
	}

	tmp := t.TempDir()
	t.Run("one byte changed in any file", func(t *testing.T) {
		for i, name := range names {
			mut := maps(files)
			b := bytes.Clone(mut[name])
			b[len(b)/2] ^= 0x01
			mut[name] = b
			q := filepath.Join(tmp, "changed.zip")
			writeBundle(t, q, mut)
			want := name
			_, err := Verify(q, pub)
			var d *Difference
			if !errors.As(err, &d) || !strings.Contains(err.Error(), want) {
				t.Fatalf("file %d %s changed: verify said %v", i, name, err)
			}
		}
	})
	t.Run("a file removed", func(t *testing.T) {
		for _, name := range names {
			mut := maps(files)
			delete(mut, name)
			q := filepath.Join(tmp, "removed.zip")
			writeBundle(t, q, mut)
			expectDifference(t, q, pub, name, "")
		}
	})
	t.Run("a file added", func(t *testing.T) {
		for _, name := range []string{"exchanges/R01/999-extra.request.xml", "notes.txt", "suite/x.yaml"} {
			mut := maps(files)
			mut[name] = []byte("<added/>")
			q := filepath.Join(tmp, "added.zip")
			writeBundle(t, q, mut)
			expectDifference(t, q, pub, name, "not in the manifest (added)")
		}
	})
	t.Run("signature swapped", func(t *testing.T) {
		other, _ := newKey(t, t.TempDir())
		mut := maps(files)
		sig, err := other.Sign(mut[ManifestFile])
		if err != nil {
			t.Fatal(err)
		}
		mut[SignatureFile], _ = json.Marshal(sig)
		q := filepath.Join(tmp, "swapped.zip")
		writeBundle(t, q, mut)
		expectDifference(t, q, pub, SignatureFile, "not by the pinned key")
		// A signature of another manifest.
		sig2, _ := signer.Sign([]byte("{}"))
		mut[SignatureFile], _ = json.Marshal(sig2)
		writeBundle(t, q, mut)
		expectDifference(t, q, pub, ManifestFile, "the manifest was changed or the signature swapped")
		// Garbled signature bytes.
		var s Signature
		_ = json.Unmarshal(files[SignatureFile], &s)
		s.Value = "A" + s.Value[1:]
		if s.Value == files2sig(files).Value {
			s.Value = "B" + s.Value[1:]
		}
		mut[SignatureFile], _ = json.Marshal(s)
		writeBundle(t, q, mut)
		expectDifference(t, q, pub, SignatureFile, "does not verify")
	})
	t.Run("partial bundle", func(t *testing.T) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int{len(raw) / 3, len(raw) - 10} {
			q := filepath.Join(tmp, "partial.zip")
			if err := os.WriteFile(q, raw[:cut], 0o644); err != nil {
				t.Fatal(err)
			}
			expectDifference(t, q, pub, "partial.zip", "not a complete zip archive")
		}
	})
	t.Run("verdict that does not reproduce, re-signed", func(t *testing.T) {
		// results.json says R04's receiver check passed; the exchange says not.
		mut := maps(files)
		var run result.Run
		if err := json.Unmarshal(mut[result.FileName], &run); err != nil {
			t.Fatal(err)
		}
		var ex string
		for _, sc := range run.Scenarios {
			for _, st := range sc.Steps {
				for i, c := range st.Checks {
					if c.Status == result.Fail {
						st.Checks[i].Status, ex = result.Pass, c.Exchange
					}
				}
			}
		}
		run.Recompute()
		mut[result.FileName], _ = json.Marshal(run)
		resign(t, mut, signer)
		q := filepath.Join(tmp, "forged.zip")
		writeBundle(t, q, mut)
		expectDifference(t, q, pub, ex, "recorded pass")

		// A failing check deleted from results.json.
		mut = maps(files)
		if err := json.Unmarshal(mut[result.FileName], &run); err != nil {
			t.Fatal(err)
		}
		for _, sc := range run.Scenarios {
			for _, st := range sc.Steps {
				for i, c := range st.Checks {
					if c.Status == result.Fail {
						st.Checks = append(st.Checks[:i], st.Checks[i+1:]...)
						break
					}
				}
			}
		}
		run.Recompute()
		mut[result.FileName], _ = json.Marshal(run)
		resign(t, mut, signer)
		writeBundle(t, q, mut)
		expectDifference(t, q, pub, ex, "is not in the recorded results")

		// report.json claims approval without conditions.
		mut = maps(files)
		var rep map[string]any
		if err := json.Unmarshal(mut[report.JSONFile], &rep); err != nil {
			t.Fatal(err)
		}
		rep["decision"].(map[string]any)["outcome"] = "approved"
		mut[report.JSONFile], _ = json.Marshal(rep)
		resign(t, mut, signer)
		writeBundle(t, q, mut)
		expectDifference(t, q, pub, report.JSONFile, "does not reproduce")
	})
}

func files2sig(files map[string][]byte) Signature {
	var s Signature
	_ = json.Unmarshal(files[SignatureFile], &s)
	return s
}

func maps(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestX509Signers signs with the tester's certificate keys (ECDSA from the
// test PKI, RSA, Ed25519) and pins by certificate.
func TestX509Signers(t *testing.T) {
	t.Parallel()
	ca, err := pki.NewCA("tester CA")
	if err != nil {
		t.Fatal(err)
	}
	ecCert, err := ca.IssueClient("SE2321000016-TESTER", pki.Options{CommonName: "Tina Testare"})
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	dir, suite := certifiedRun(t)
	for _, tt := range []struct {
		name   string
		signer *Signer
		pin    crypto.PublicKey
		alg    string
	}{
		{name: "ecdsa certificate", signer: NewSigner(ecCert.Key, ecCert.Cert), pin: ecCert.Cert.PublicKey, alg: AlgECDSA},
		{name: "rsa", signer: NewSigner(rsaKey), pin: rsaKey.Public(), alg: AlgRSA},
		{name: "ed25519", signer: NewSigner(edKey), pin: edKey.Public(), alg: AlgEd25519},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Create(Options{RunDir: dir, Suite: suite, Signer: tt.signer, Out: filepath.Join(t.TempDir(), "e.zip"), Now: now})
			if err != nil {
				t.Fatal(err)
			}
			v, err := Verify(p, tt.pin)
			if err != nil {
				t.Fatal(err)
			}
			files, _ := bundleFiles(t, p)
			if s := files2sig(files); s.Algorithm != tt.alg || !v.Pinned {
				t.Fatalf("algorithm %s pinned %v", s.Algorithm, v.Pinned)
			}
			if tt.name == "ecdsa certificate" && !strings.Contains(v.Subject, "SE2321000016-TESTER") {
				t.Fatalf("subject %q", v.Subject)
			}
		})
	}
	// LoadSigner: a key that does not match the certificate is refused.
	kd := t.TempDir()
	certPath, _, err := ecCert.WriteFiles(kd, "tester")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ca.IssueClient("SE2321000016-OTHER", pki.Options{})
	_, otherKey, _ := other.WriteFiles(kd, "other")
	if _, err := LoadSigner(otherKey, certPath); err == nil || !strings.Contains(err.Error(), "does not hold the public key") {
		t.Fatalf("mismatched key and certificate: %v", err)
	}
	if pub, err := LoadPublicKey(certPath); err != nil || !samePublic(pub, ecCert.Cert.PublicKey) {
		t.Fatalf("pin by certificate: %v", err)
	}
}

// TestIncompleteRun: a run directory that does not hold a whole run is
// never bundled (results.json without a finished time, an exchange it
// names missing or changed), and a signed bundle of an unfinished run does
// not verify.
func TestIncompleteRun(t *testing.T) {
	t.Parallel()
	signer, pub := newKey(t, t.TempDir())
	tests := []struct {
		name  string
		spoil func(t *testing.T, dir string, run *result.Run) // nil: keep
		want  string
	}{
		{name: "no finished time", spoil: func(t *testing.T, dir string, run *result.Run) {
			run.Finished = time.Time{}
			writeRaw(t, dir, run)
		}, want: "the run did not finish"},
		{name: "an exchange record missing", spoil: func(t *testing.T, dir string, run *result.Run) {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(run.Scenarios[0].Steps[0].Exchanges[0]))); err != nil {
				t.Fatal(err)
			}
		}, want: "results.json names exchanges/"},
		{name: "an exchange body cut short", spoil: func(t *testing.T, dir string, run *result.Run) {
			id := run.Scenarios[0].Steps[0].Exchanges[0]
			p := filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(id, ".json")+".request.xml"))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: "are not the ones its record hashes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, suite := certifiedRun(t)
			run, err := result.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			tt.spoil(t, dir, run)
			out := filepath.Join(t.TempDir(), "e.zip")
			_, err = Create(Options{RunDir: dir, Suite: suite, Signer: signer, Out: out, Now: now})
			if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("bundle: %v, want ErrIncomplete with %q", err, tt.want)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a bundle was written: %v", err)
			}
		})
	}
	t.Run("a signed bundle of an unfinished run", func(t *testing.T) {
		t.Parallel()
		dir, suite := certifiedRun(t)
		p, err := Create(Options{RunDir: dir, Suite: suite, Signer: signer, Out: filepath.Join(t.TempDir(), "e.zip"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		files, _ := bundleFiles(t, p)
		var run result.Run
		if err := json.Unmarshal(files[result.FileName], &run); err != nil {
			t.Fatal(err)
		}
		run.Finished = time.Time{}
		files[result.FileName], _ = json.Marshal(run)
		resign(t, files, signer)
		q := filepath.Join(t.TempDir(), "unfinished.zip")
		writeBundle(t, q, files)
		expectDifference(t, q, pub, result.FileName, "the run did not finish")
	})
}

// writeRaw writes results.json as given (result.Write would recompute).
func writeRaw(t *testing.T, dir string, run *result.Run) {
	t.Helper()
	b, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, result.FileName), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStaleReport: a verdict recorded after the report was generated makes
// report.json out of date; bundle refuses it (verify would reject it) and
// accepts the run again once the report is regenerated.
func TestStaleReport(t *testing.T) {
	t.Parallel()
	signer, _ := newKey(t, t.TempDir())
	dir, suite := certifiedRun(t)
	rec, err := assess.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	acts, err := assess.SuiteActivities(suite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.AddReview(dir, acts, assess.ReviewOptions{Item: "A-1", Verdict: "fail", Note: "the screenshot shows no error text", By: "reviewer", At: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := assess.WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "e.zip")
	_, err = Create(Options{RunDir: dir, Suite: suite, Signer: signer, Out: out, Now: now})
	if !errors.Is(err, ErrStaleReport) || !strings.Contains(err.Error(), "does not reproduce") {
		t.Fatalf("bundle after a later verdict: %v, want ErrStaleReport naming the difference", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a bundle was written: %v", err)
	}
	in, err := report.Load(dir, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := report.Generate(in, report.LangSV); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(Options{RunDir: dir, Suite: suite, Signer: signer, Out: out, Now: now}); err != nil {
		t.Fatalf("bundle after regenerating the report: %v", err)
	}
}
