// Package evidence writes and verifies the evidence bundle (evidence.zip):
// the run directory (results, every exchange byte-exact, report files,
// assessment with attachments, risk profile), the suite with its contracts
// and the files it references, extra configuration, and manifest.json with
// the SHA-256 of every file, signed (manifest.sig) with Ed25519 or the
// tester's X.509 key. Verify checks every hash and the signature, then
// re-evaluates the checks from the raw exchanges and the bundled contracts
// and the decision from the bundled inputs, and names the first
// difference.
package evidence

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/internal/atomicfile"
	"github.com/rivgate/rivgate/internal/buildinfo"
)

// Names in the bundle.
const (
	BundleFile    = "evidence.zip"
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
	// SuitePrefix holds the suite tree; ConfigPrefix extra configuration.
	SuitePrefix  = "suite/"
	ConfigPrefix = "config/"
)

// ManifestFormat identifies manifest.json's format.
const ManifestFormat = "rivgate-evidence/1"

// Manifest is manifest.json.
type Manifest struct {
	Format  string    `json:"format"`
	Created time.Time `json:"created"`
	Tool    struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"tool"`
	// SuiteDir is the suite directory in the bundle; the suite's
	// relative references (contracts, responses) resolve inside it.
	SuiteDir string `json:"suite_dir"`
	Files    []File `json:"files"`
}

// File is one bundled file.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Role: run (the run directory), suite, contract, config.
	Role string `json:"role"`
}

// Options say what goes into a bundle.
type Options struct {
	RunDir string
	Suite  *scenario.Suite
	// Config files (gateway or harness configuration) bundled under
	// config/ by base name.
	Config []string
	Signer *Signer
	// Out is the bundle path; default RunDir/evidence.zip.
	Out string
	Now time.Time
}

type entry struct {
	File
	data []byte
}

// ErrIncomplete is returned (wrapped, with the reason) by Create for a run
// directory that does not hold a whole run: results.json missing or
// without a finished time, or an exchange it names missing or changed.
var ErrIncomplete = errors.New("incomplete run")

// ErrStaleReport is returned (wrapped, with the first difference) by Create
// when the run directory's report.json no longer follows from its inputs:
// a verdict, declaration or decision recorded after the report was
// generated. Such a bundle would fail verify; it is refused up front.
var ErrStaleReport = errors.New("report.json is out of date")

// Create writes the bundle atomically (a temporary file renamed into
// place, so a reader never sees a partial bundle) and returns its path. It
// refuses an incomplete run (ErrIncomplete).
func Create(o Options) (string, error) {
	if o.Signer == nil {
		return "", fmt.Errorf("bundle: a signing key is required")
	}
	if o.Suite == nil {
		return "", fmt.Errorf("bundle: the suite is required")
	}
	if err := complete(o.RunDir); err != nil {
		return "", err
	}
	// The same comparison verify makes, on the run directory as it is now.
	if err := compareReport(o.RunDir, o.Suite, &Verified{}); err != nil {
		return "", fmt.Errorf("bundle %s: %w (%v)", o.RunDir, ErrStaleReport, err)
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.RunDir, BundleFile)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	outAbs, _ := filepath.Abs(o.Out)
	var entries []entry
	seen := map[string]bool{}
	add := func(p, role string, data []byte) error {
		if seen[p] {
			return nil
		}
		if p == ManifestFile || p == SignatureFile {
			return fmt.Errorf("bundle: the run directory holds a file named %s", p)
		}
		seen[p] = true
		h := sha256.Sum256(data)
		entries = append(entries, entry{File: File{Path: p, SHA256: hex.EncodeToString(h[:]), Size: int64(len(data)), Role: role}, data: data})
		return nil
	}
	// The run directory, except the bundle itself and temporary files.
	err := filepath.WalkDir(o.RunDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") || !d.Type().IsRegular() {
			return nil
		}
		if abs, _ := filepath.Abs(p); abs == outAbs {
			return nil
		}
		rel, err := filepath.Rel(o.RunDir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return add(filepath.ToSlash(rel), "run", data)
	})
	if err != nil {
		return "", fmt.Errorf("bundle run directory: %w", err)
	}
	suiteDir, err := addSuite(o.Suite, add)
	if err != nil {
		return "", err
	}
	for _, c := range o.Config {
		data, err := os.ReadFile(c)
		if err != nil {
			return "", fmt.Errorf("bundle config: %w", err)
		}
		if err := add(ConfigPrefix+filepath.Base(c), "config", data); err != nil {
			return "", err
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	m := Manifest{Format: ManifestFormat, Created: o.Now.UTC(), SuiteDir: suiteDir}
	m.Tool.Name, m.Tool.Version = "rivgate", buildinfo.Get().Version
	if m.Tool.Version == "" {
		m.Tool.Version = "devel"
	}
	for _, e := range entries {
		m.Files = append(m.Files, e.File)
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", fmt.Errorf("manifest: %w", err)
	}
	mb = append(mb, '\n')
	sig, err := o.Signer.Sign(mb)
	if err != nil {
		return "", err
	}
	sb, err := json.MarshalIndent(sig, "", "  ")
	if err != nil {
		return "", fmt.Errorf("signature: %w", err)
	}
	entries = append(entries, entry{File: File{Path: ManifestFile}, data: mb}, entry{File: File{Path: SignatureFile}, data: append(sb, '\n')})
	return o.Out, writeZip(o.Out, entries, o.Now)
}

// complete checks that dir holds a whole run: results.json with a finished
// time, and every exchange it names on file with the bodies its record
// hashes.
func complete(dir string) error {
	run, err := result.Read(dir)
	if err != nil {
		return fmt.Errorf("bundle %s: %w: %v", dir, ErrIncomplete, err)
	}
	if why := run.Incomplete(); why != "" {
		return fmt.Errorf("bundle %s: %w: %s", dir, ErrIncomplete, why)
	}
	if pl := run.PlatformLog; pl != nil && pl.File != "" {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(pl.File))); err != nil {
			return fmt.Errorf("bundle %s: %w: results.json names the platform's log lines %s: %v", dir, ErrIncomplete, pl.File, err)
		}
	}
	for _, id := range run.ExchangeIDs() {
		ex, req, resp, err := exchange.Read(dir, id)
		if err != nil {
			return fmt.Errorf("bundle %s: %w: results.json names %s: %v", dir, ErrIncomplete, id, err)
		}
		if sha256hex(req) != ex.Request.BodySHA256 || sha256hex(resp) != ex.Response.BodySHA256 {
			return fmt.Errorf("bundle %s: %w: the bodies of %s are not the ones its record hashes", dir, ErrIncomplete, id)
		}
	}
	return nil
}

// addSuite bundles the suite directory, its contracts and every file its
// steps reference, keeping their relative layout under suite/ so the
// suite's file names still resolve. It returns the suite directory's path
// in the bundle.
func addSuite(s *scenario.Suite, add func(p, role string, data []byte) error) (string, error) {
	type src struct{ p, role string }
	var files []src
	walk := func(dir, role string) error {
		return fs.WalkDir(s.FS, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && d.Type().IsRegular() {
				files = append(files, src{p, role})
			}
			return nil
		})
	}
	if err := walk(s.ContractsDir(), "contract"); err != nil {
		return "", fmt.Errorf("bundle contracts: %w", err)
	}
	if err := walk(s.Dir, "suite"); err != nil {
		return "", fmt.Errorf("bundle suite: %w", err)
	}
	for _, sc := range s.Scenarios {
		for _, st := range sc.Steps {
			if st.Request != "" {
				files = append(files, src{s.Path(st.Request), "suite"})
			}
			if st.Respond != nil && st.Respond.File != "" {
				files = append(files, src{s.Path(st.Respond.File), "suite"})
			}
			if st.Respond != nil && st.Respond.Template != "" {
				files = append(files, src{path.Join(s.Dir, st.Respond.Template), "suite"})
			}
		}
	}
	// The files keep their layout below the directory they share, or, when
	// the suite names one by an absolute path, their full paths (verify
	// loads the suite rooted at suite/).
	root := s.Dir
	for _, f := range files {
		root = commonDir(root, path.Dir(f.p))
	}
	if s.Absolute {
		root = "."
	}
	rel := func(p string) string {
		if root == "." || root == "" {
			return p
		}
		return strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	}
	for _, f := range files {
		data, err := fs.ReadFile(s.FS, f.p)
		if err != nil {
			return "", fmt.Errorf("bundle suite file: %w", err)
		}
		if err := add(SuitePrefix+rel(f.p), f.role, data); err != nil {
			return "", err
		}
	}
	return strings.TrimSuffix(SuitePrefix+rel(s.Dir), "/"), nil
}

// commonDir is the longest common directory of two slash paths.
func commonDir(a, b string) string {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] {
		n++
	}
	if n == 0 {
		return "."
	}
	return strings.Join(as[:n], "/")
}

func writeZip(out string, entries []entry, now time.Time) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	err := atomicfile.Write(out, 0o644, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, e := range entries {
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: e.Path, Method: zip.Deflate, Modified: now.UTC()})
			if err != nil {
				return err
			}
			if _, err := fw.Write(e.data); err != nil {
				return err
			}
		}
		return zw.Close()
	})
	if err != nil {
		return fmt.Errorf("write bundle %s: %w", out, err)
	}
	return nil
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
