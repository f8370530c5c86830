package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
)

// cliLibraries are the command-line libraries only the command layer may
// import: everything else returns data and errors, and cmd/ renders them.
var cliLibraries = []string{"github.com/spf13/cobra", "github.com/spf13/pflag"}

// TestCobraOnlyInCmd parses the imports of every Go file in the module
// (tests included) and fails on any file outside cmd/ that imports cobra or
// pflag (or a package under them).
func TestCobraOnlyInCmd(t *testing.T) {
	t.Parallel()
	root := testutil.RepoRoot(t)
	fset := token.NewFileSet()
	var (
		offenders []string
		files     int
		cmdUses   bool // the check sees the imports it is after
		seenTop   = map[string]bool{}
	)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// What the go command ignores too.
			if name := d.Name(); path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		top, _, _ := strings.Cut(rel, "/")
		seenTop[top] = true
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if !isCLILibrary(p) {
				continue
			}
			if top == "cmd" {
				cmdUses = true
				continue
			}
			offenders = append(offenders, rel+" imports "+p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, top := range []string{"cmd", "conformance", "contracts", "gateway", "internal", "tools"} {
		if !seenTop[top] {
			t.Errorf("no Go file read under %s/: the walk missed part of the tree (%d files read)", top, files)
		}
	}
	if !cmdUses {
		t.Errorf("no file under cmd/ imports %v: the check does not see imports (%d files read)", cliLibraries, files)
	}
	for _, o := range offenders {
		t.Errorf("%s: only cmd/ may import command-line libraries; return data and errors and let the command render them", o)
	}
}

func isCLILibrary(importPath string) bool {
	return slices.ContainsFunc(cliLibraries, func(lib string) bool {
		return importPath == lib || strings.HasPrefix(importPath, lib+"/")
	})
}
