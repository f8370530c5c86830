package archtest

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
)

// rule forbids the packages of one area (the first element of a package's
// path in the module: cmd, gateway, conformance, contracts, internal,
// tools) to import those of other areas. No two rules forbid the same
// import, so each wrong import is reported once.
type rule struct {
	// from is the importing area; "*" is every area except the forbidden
	// ones themselves (so cmd may import cmd, but nothing else may).
	from      string
	forbidden []string
	why       string
}

var rules = []rule{
	{from: "gateway", forbidden: []string{"conformance"},
		why: "the gateway and the conformance harness are separate halves; what both need belongs in contracts or internal"},
	{from: "conformance", forbidden: []string{"gateway"},
		why: "the gateway and the conformance harness are separate halves; what both need belongs in contracts or internal"},
	{from: "contracts", forbidden: []string{"gateway", "conformance"},
		why: "contracts is the foundation both halves build on"},
	{from: "internal", forbidden: []string{"gateway", "conformance", "contracts"},
		why: "internal holds small shared libraries below everything else"},
	// The two rules below keep cmd and tools out of contracts and internal
	// too; each import breaks at most one rule.
	{from: "*", forbidden: []string{"cmd"},
		why: "cmd wires the binary and its CLI; nothing builds on it"},
	{from: "*", forbidden: []string{"tools"},
		why: "tools are programs outside the binary; the binary and its libraries never depend on them"},
}

// name is the rule as the subtest calls it: gateway-not-conformance.
func (r rule) name() string {
	from := r.from
	if from == "*" {
		from = "others"
	}
	return from + "-not-" + strings.Join(r.forbidden, "-")
}

// String states the rule for a failure message.
func (r rule) String() string {
	if r.from == "*" {
		return fmt.Sprintf("nothing outside %[1]s/ may import %[1]s/", strings.Join(r.forbidden, "/, "))
	}
	return fmt.Sprintf("%s/ must not import %s/", r.from, strings.Join(r.forbidden, "/, "))
}

// applies reports whether r forbids an import from area to area.
func (r rule) applies(from, to string) bool {
	if !slices.Contains(r.forbidden, to) {
		return false
	}
	if r.from == "*" {
		return from != to
	}
	return from == r.from
}

// importLine is one import of a module package by a Go file.
type importLine struct {
	file string // slash path relative to the module root
	line int
	pkg  string // the importing package's directory, relative to the root
	path string // imported path, relative to the module ("" for the root)
}

// area is the first element of a module-relative package path.
func area(rel string) string {
	first, _, _ := strings.Cut(rel, "/")
	return first
}

// modulePath reads the module line of root/go.mod.
func modulePath(root string) (string, error) {
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: no module line", filepath.Join(root, "go.mod"))
}

// moduleImports parses the import lines of every Go file under root (the
// module's own; testdata, hidden directories and nested modules are not
// part of it) and returns those that import packages of the module.
// go/parser rather than go list: files behind build tags (a libxml2
// backend, a platform) count as much as the default build.
func moduleImports(root string) ([]importLine, error) {
	mod, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	var out []importLine
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root {
				if name == "testdata" || name == "vendor" || name == "node_modules" ||
					strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
					return filepath.SkipDir
				}
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return fmt.Errorf("parse imports: %w", err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: import %s: %w", rel, spec.Path.Value, err)
			}
			if path != mod && !strings.HasPrefix(path, mod+"/") {
				continue
			}
			out = append(out, importLine{
				file: rel, line: fset.Position(spec.Pos()).Line, pkg: filepath.ToSlash(filepath.Dir(rel)),
				path: strings.TrimPrefix(strings.TrimPrefix(path, mod), "/"),
			})
		}
		return nil
	})
	return out, err
}

// violations lists the imports r forbids, one line each, naming the file.
func violations(r rule, imports []importLine) []string {
	var out []string
	for _, im := range imports {
		if r.applies(area(im.pkg), area(im.path)) {
			out = append(out, fmt.Sprintf("%s:%d: %s imports %s", im.file, im.line, im.pkg, im.path))
		}
	}
	return out
}

// TestImportDirections fails on any import that goes against the module's
// layout, naming the file and line.
func TestImportDirections(t *testing.T) {
	t.Parallel()
	root := testutil.RepoRoot(t)
	imports, err := moduleImports(root)
	if err != nil {
		t.Fatal(err)
	}
	// Not vacuous: every area was read and imports something of the module.
	seen := map[string]int{}
	for _, im := range imports {
		seen[area(im.pkg)]++
	}
	for _, a := range []string{"cmd", "gateway", "conformance", "contracts", "internal", "tools"} {
		if seen[a] == 0 {
			t.Errorf("no file under %s/ imports a package of the module: the scan of %s is broken", a, root)
		}
	}
	for _, r := range rules {
		t.Run(r.name(), func(t *testing.T) {
			if v := violations(r, imports); len(v) > 0 {
				t.Errorf("%s (%s):\n%s", r, r.why, strings.Join(v, "\n"))
			}
		})
	}
}

// TestRulesCatchViolations runs the scan and the rules on a small module of
// one file per case: each forbidden import is reported with its file and
// line, each allowed one is not.
func TestRulesCatchViolations(t *testing.T) {
	t.Parallel()
	const mod = "example.com/m"
	cases := []struct {
		file, imports string
		want          string // the violation; "" = allowed
	}{
		{"gateway/x/x.go", "conformance/judge/check", "gateway/x/x.go:4: gateway/x imports conformance/judge/check"},
		{"gateway/x/x_test.go", "conformance/run/harness", "gateway/x/x_test.go:4: gateway/x imports conformance/run/harness"},
		{"conformance/run/x.go", "gateway", "conformance/run/x.go:4: conformance/run imports gateway"},
		{"contracts/x.go", "gateway/tak", "contracts/x.go:4: contracts imports gateway/tak"},
		{"contracts/xsd/x.go", "conformance/results/result", "contracts/xsd/x.go:4: contracts/xsd imports conformance/results/result"},
		{"contracts/x.go", "cmd/rivgate/internal/cliutil", "contracts/x.go:4: contracts imports cmd/rivgate/internal/cliutil"},
		{"internal/pki/x.go", "contracts/rivta", "internal/pki/x.go:4: internal/pki imports contracts/rivta"},
		{"internal/testutil/x.go", "gateway", "internal/testutil/x.go:4: internal/testutil imports gateway"},
		{"internal/x/x.go", "tools/internal/benchkit", "internal/x/x.go:4: internal/x imports tools/internal/benchkit"},
		{"gateway/x.go", "cmd/rivgate/internal/demo", "gateway/x.go:4: gateway imports cmd/rivgate/internal/demo"},
		{"tools/bench/x.go", "cmd/rivgate/internal/cliutil", "tools/bench/x.go:4: tools/bench imports cmd/rivgate/internal/cliutil"},
		{"cmd/rivgate/x.go", "tools/internal/soak", "cmd/rivgate/x.go:4: cmd/rivgate imports tools/internal/soak"},
		{"fixtures/x.go", "tools/internal/benchkit", "fixtures/x.go:4: fixtures imports tools/internal/benchkit"},
		{"cmd/rivgate/x.go", "gateway", ""},
		{"cmd/rivgate/x.go", "conformance/run/harness", ""},
		{"cmd/rivgate/x.go", "cmd/rivgate/internal/cliutil", ""},
		{"tools/bench/x.go", "gateway/tak", ""},
		{"tools/soak/x.go", "tools/internal/soak", ""},
		{"conformance/judge/check/x.go", "contracts/xsd", ""},
		{"gateway/x.go", "internal/pki", ""},
		{"internal/testutil/x/x.go", "internal/testutil", ""},
		{"deploy/x_test.go", "gateway", ""},
	}
	for _, c := range cases {
		t.Run(c.file+"->"+c.imports, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			write := func(rel, text string) {
				p := filepath.Join(root, filepath.FromSlash(rel))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("go.mod", "module "+mod+"\n\ngo 1.26\n")
			write(c.file, fmt.Sprintf("package x\n\nimport (\n\t_ %q\n\t_ \"strings\"\n)\n", mod+"/"+c.imports))
			// Not part of the module: never reported.
			write(filepath.Dir(c.file)+"/testdata/y.go", fmt.Sprintf("package y\n\nimport _ %q\n", mod+"/cmd/rivgate"))
			write("other/go.mod", "module example.com/other\n")
			write("other/gateway/z.go", fmt.Sprintf("package z\n\nimport _ %q\n", mod+"/conformance"))
			imports, err := moduleImports(root)
			if err != nil {
				t.Fatal(err)
			}
			if len(imports) != 1 {
				t.Fatalf("scan found %+v, want the one module import of %s", imports, c.file)
			}
			var got []string
			for _, r := range rules {
				got = append(got, violations(r, imports)...)
			}
			var want []string
			if c.want != "" {
				want = []string{c.want}
			}
			if !slices.Equal(got, want) {
				t.Errorf("violations %q, want %q", got, want)
			}
		})
	}
}
