// Package rivtatest finds the shared RIV-TA test data (../shared/rivta next
// to the repository) and the xmllint oracle for the contract tests.
package rivtatest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
)

// Contracts returns ../shared/rivta/contracts, or skips the test saying why.
func Contracts(t testing.TB) string {
	t.Helper()
	return filepath.Clean(testutil.Shared(t, "contracts"))
}

// Folders returns the contract folders directly below Contracts.
func Folders(t testing.TB) []string {
	t.Helper()
	dir := Contracts(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	if len(out) == 0 {
		t.Fatalf("no contract folders in %s", dir)
	}
	return out
}

// Xmllint returns the path of xmllint, or skips the test saying how to get it.
func Xmllint(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint missing: apt-get install -y libxml2-utils (scripts/test.sh installs it)")
	}
	return p
}

// Sample is a published sample message with the XSD xmllint validates it
// against: the Responder XSD in its directory with the same version.
type Sample struct {
	XML    string // path of the sample
	XSD    string // Responder XSD of the same interaction and version
	Folder string // contract folder directly below Contracts
	// ContractsDir is the --contracts DIR to validate it with: the sample's
	// own directory when it holds a WSDL (so the schema is the one next to
	// the sample, as xmllint gets it), else Folder.
	ContractsDir string
	Name         string // path relative to Contracts, for test names
}

var (
	xsdVersion    = regexp.MustCompile(`Responder_(\d+)\.(\d+)\.xsd$`)
	sampleVersion = regexp.MustCompile(`_(\d+)(?:\.(\d+))?(?:_|\.xml$)`)
)

// Samples returns every *.xml below Contracts paired with its XSD. A sample
// whose XSD cannot be chosen fails the test: the pairing must be explicit.
func Samples(t testing.TB) []Sample {
	t.Helper()
	root := Contracts(t)
	var out []Sample
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".xml") {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		folder := filepath.Join(root, strings.SplitN(filepath.ToSlash(rel), "/", 2)[0])
		xsds, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "*Responder_*.xsd"))
		var pick []string
		m := sampleVersion.FindStringSubmatch(filepath.Base(p))
		for _, x := range xsds {
			v := xsdVersion.FindStringSubmatch(filepath.Base(x))
			if v == nil {
				continue
			}
			if len(xsds) == 1 || (m != nil && m[1] == v[1] && (m[2] == "" || m[2] == v[2])) {
				pick = append(pick, x)
			}
		}
		if len(pick) != 1 {
			// No version in the name: the XSD whose targetNamespace is
			// the sample's root namespace.
			pick = byRootNamespace(p, xsds)
		}
		if len(pick) != 1 {
			t.Fatalf("sample %s: cannot choose its XSD among %v", rel, xsds)
		}
		cdir := folder
		if wsdls, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "*.wsdl")); len(wsdls) > 0 {
			cdir = filepath.Dir(p)
		}
		out = append(out, Sample{XML: p, XSD: pick[0], Folder: folder, ContractsDir: cdir, Name: filepath.ToSlash(rel)})
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	if len(out) == 0 {
		t.Fatalf("no sample .xml files below %s", root)
	}
	return out
}

// XmllintVerdict validates xml against xsd with xmllint: valid, or not,
// with xmllint's output. A schema xmllint cannot compile fails the test.
func XmllintVerdict(t testing.TB, xmllint, xsd, xml string) (bool, string) {
	t.Helper()
	out, err := exec.Command(xmllint, "--noout", "--schema", xsd, xml).CombinedOutput()
	if err == nil {
		return true, string(out)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("run xmllint: %v", err)
	}
	switch ee.ExitCode() {
	case 1, 3, 4: // not well-formed, invalid
		return false, string(out)
	}
	t.Fatalf("xmllint --schema %s %s: exit %d: %s", xsd, xml, ee.ExitCode(), out)
	return false, ""
}

var (
	rootNamespace   = regexp.MustCompile(`<([\w.-]+:)?[\w.-]+[^>]*?\sxmlns(:[\w.-]+)?=["']([^"']*)["']`)
	targetNamespace = regexp.MustCompile(`targetNamespace=["']([^"']*)["']`)
)

// byRootNamespace returns the XSDs whose targetNamespace is the namespace
// the sample's root element start tag declares (a rough read: good enough
// to pair published samples).
func byRootNamespace(sample string, xsds []string) []string {
	data, err := os.ReadFile(sample)
	if err != nil {
		return nil
	}
	m := rootNamespace.FindSubmatch(data)
	if m == nil {
		return nil
	}
	var out []string
	for _, x := range xsds {
		xd, err := os.ReadFile(x)
		if err != nil {
			continue
		}
		if tm := targetNamespace.FindSubmatch(xd); tm != nil && string(tm[1]) == string(m[3]) {
			out = append(out, x)
		}
	}
	return out
}
