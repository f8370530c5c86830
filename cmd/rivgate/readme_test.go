package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testMainEnv makes the test binary act as rivgate itself: the docs test
// runs its commands through a wrapper that sets it, so the commands run
// the code under test (with the race detector when the tests have it)
// without building a second binary.
const testMainEnv = "RIVGATE_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(testMainEnv) == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// docBlock is a fenced code block of README.md or docs/*.md.
type docBlock struct {
	file string // relative to the repository root, slash-separated
	line int    // of the opening fence
	lang string // info string: sh, text, yaml, ...
	text string
	// From a <!-- readme-test: ... --> comment on the line before it:
	skip string // why it is not run, naming what exercises it
	exit int    // expected exit status
	// output: the ```text block right after this one is, exactly, what
	// the commands print on stdout (filled in as want).
	output bool
	want   *string
}

// where is the block's position for messages and subtest names.
func (b docBlock) where() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

var directiveRe = regexp.MustCompile(`^<!-- readme-test: (.*) -->$`)

// docBlocks extracts the fenced blocks of file with their directives.
func docBlocks(t *testing.T, file, text string) []docBlock {
	t.Helper()
	var out []docBlock
	var cur *docBlock
	var body []string
	prev := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &docBlock{file: file, line: n, lang: strings.TrimSpace(strings.TrimPrefix(line, "```"))}
			if m := directiveRe.FindStringSubmatch(prev); m != nil {
				d := strings.TrimSpace(m[1])
				switch {
				case strings.HasPrefix(d, "skip;"):
					cur.skip = strings.TrimSpace(strings.TrimPrefix(d, "skip;"))
				default:
					for _, f := range strings.Fields(d) {
						switch {
						case strings.HasPrefix(f, "exit="):
							code, err := strconv.Atoi(strings.TrimPrefix(f, "exit="))
							require.NoError(t, err, "%s:%d: directive %q", file, n-1, d)
							cur.exit = code
						case f == "output":
							cur.output = true
						default:
							t.Fatalf("%s:%d: unknown directive %q (want skip; ..., exit=N, output)", file, n-1, d)
						}
					}
				}
			}
			body = nil
		case cur != nil && line == "```":
			cur.text = strings.Join(body, "\n") + "\n"
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
		if strings.TrimSpace(line) != "" {
			prev = strings.TrimSpace(line)
		}
	}
	require.NoError(t, sc.Err())
	for i := range out {
		if !out[i].output {
			continue
		}
		require.True(t, i+1 < len(out) && out[i+1].lang == "text",
			"%s: an output directive needs the ```text block of what it prints right after the block", out[i].where())
		out[i].want = &out[i+1].text
	}
	require.Nil(t, cur, "%s ends inside a code block opened at line %d", file, func() int {
		if cur != nil {
			return cur.line
		}
		return 0
	}())
	return out
}

// testFuncs lists the Test and Benchmark functions defined anywhere in the
// module.
func testFuncs(t *testing.T, root string) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark)\w+)\(`)
	found := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, "_test.go") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllSubmatch(b, -1) {
				found[string(m[1])] = true
			}
		}
		return nil
	})
	require.NoError(t, err)
	return found
}

// copyRepo copies the module's files (what git tracks or would track,
// without ignored build output) to dst.
func copyRepo(t *testing.T, root, dst string) {
	t.Helper()
	var files []string
	if out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output(); err == nil {
		for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
	} else {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "bench" || strings.HasPrefix(d.Name(), "rivgate-demo-") || rel == filepath.Join("fixtures", "gateway", "pki")) {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() && !strings.HasSuffix(p, ".test") && rel != "rivgate" {
				files = append(files, rel)
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.NotEmpty(t, files)
	for _, f := range files {
		src := filepath.Join(root, f)
		st, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree
		}
		require.NoError(t, err)
		if !st.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		target := filepath.Join(dst, f)
		require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
		require.NoError(t, os.WriteFile(target, b, st.Mode().Perm()))
	}
}

// docFiles are the documents whose blocks run, in the order they run:
// README.md, then docs/*.md by name. They share one copy of the repository,
// so a doc's blocks may use what README's made (the tour's tour/), and
// each doc's blocks what its earlier blocks made.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, docs, "docs/*.md")
	files := []string{"README.md"}
	for _, d := range docs { // Glob sorts
		files = append(files, "docs/"+filepath.Base(d))
	}
	return files
}

// TestDocsCommands runs every ```sh block of README.md and docs/*.md, in
// order (docFiles), in a copy of the repository with ../shared beside it,
// as a newcomer would paste them. `rivgate` and `./rivgate` are this test
// binary acting as rivgate (TestMain), and `go run ./cmd/rivgate` is
// replaced by it (same source, no second build). A block after
// `<!-- readme-test: skip; ... -->` is not run and must name the test (or
// .ci/run, or the benchmarks) that exercises it, which must exist;
// `<!-- readme-test: exit=N -->` expects exit status N; with `output`
// (`exit=N output`) the ```text block right after is, exactly, what the
// commands print on stdout.
func TestDocsCommands(t *testing.T) {
	t.Parallel()
	root := testutil.RepoRoot(t)
	tests := testFuncs(t, root)
	nameRe := regexp.MustCompile(`\b(?:Test|Benchmark)[A-Z]\w*`)
	var runnable []docBlock
	perFile := map[string]int{}
	for _, file := range docFiles(t, root) {
		text, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		require.NoError(t, err)
		for _, b := range docBlocks(t, file, string(text)) {
			if b.lang != "sh" {
				assert.NotContains(t, []string{"bash", "shell", "console", ""}, b.lang,
					"%s: shell commands go in ```sh blocks (run by this test); output examples and synopses in ```text", b.where())
				continue
			}
			if b.skip == "" {
				runnable = append(runnable, b)
				perFile[file]++
				continue
			}
			names := nameRe.FindAllString(b.skip, -1)
			if len(names) == 0 {
				assert.Contains(t, b.skip, ".ci/run", "%s: a skipped block names the test that exercises it", b.where())
			}
			for _, n := range names {
				assert.True(t, tests[n], "%s: %s (named as exercising the block) does not exist", b.where(), n)
			}
		}
	}
	// A floor, so that a broken parser cannot pass by finding nothing.
	require.GreaterOrEqual(t, perFile["README.md"], 2, "README.md's runnable blocks")
	require.GreaterOrEqual(t, len(runnable), 10, "runnable blocks of README.md and docs/*.md")

	self, err := os.Executable()
	require.NoError(t, err)
	work := t.TempDir()
	dir := filepath.Join(work, "main")
	copyRepo(t, root, dir)
	shared := filepath.Join(root, "..", "shared")
	haveShared := false
	if _, err := os.Stat(filepath.Join(shared, "rivta")); err == nil {
		haveShared = true
		require.NoError(t, os.Symlink(shared, filepath.Join(work, "shared")))
	}
	wrapper := fmt.Sprintf("#!/bin/sh\n%s=1 exec %q \"$@\"\n", testMainEnv, self)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rivgate"), []byte(wrapper), 0o755))
	env := append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, b := range runnable {
		// The base name: a slash in a subtest name would split -run patterns.
		t.Run(fmt.Sprintf("%s:%d", path.Base(b.file), b.line), func(t *testing.T) {
			if strings.Contains(b.text, "../shared") && !haveShared {
				t.Skipf("../shared/rivta missing next to the repository: the block reads it\n%s", b.text)
			}
			if testing.Short() && strings.Contains(b.text, "tour") {
				t.Skip("-short: the demo run and the blocks that use its output (tour/) are long")
			}
			script := strings.ReplaceAll(b.text, "go run ./cmd/rivgate", "rivgate")
			cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\n"+script)
			cmd.Dir = dir
			cmd.Env = env
			start := time.Now()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			out := append(stdout.Bytes(), stderr.Bytes()...)
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			t.Logf("%s (%s, exit %d)", strings.TrimSpace(b.text), time.Since(start).Round(100*time.Millisecond), code)
			if code != b.exit {
				t.Fatalf("exit %d, want %d:\n%s\n--- output:\n%s", code, b.exit, b.text, out)
			}
			if b.want != nil && stdout.String() != *b.want {
				t.Fatalf("the page shows other output than the commands print; they print:\n%s", stdout.String())
			}
			if strings.Contains(b.text, "rivgate demo") {
				// The tour's run: the summary and files it promises.
				for _, want := range []string{"Summary (", "findings by risk: high 0 · medium 0 · low 0", "decision proposal: Ofullständig",
					"report.html", "evidence.zip", "rivgate conform verify"} {
					assert.Contains(t, string(out), want)
				}
			}
		})
	}
}

// TestBuildScript builds the binary with scripts/build.sh, as the README
// and the Dockerfile do: static (no ELF interpreter, no shared libraries),
// with version, commit and date stamped in, which `rivgate version`
// prints.
func TestBuildScript(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: builds the whole binary without the race detector")
	}
	root := testutil.RepoRoot(t)
	out := filepath.Join(t.TempDir(), "rivgate")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "build.sh"), out)
	cmd.Env = append(os.Environ(), "VERSION=v9.8.7-test", "COMMIT=0123abcd", "BUILD_DATE=2026-01-02T03:04:05Z")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	want := "rivgate v9.8.7-test (commit 0123abcd, built 2026-01-02T03:04:05Z, go"
	assert.Contains(t, string(b), out+": "+want)
	v, err := exec.Command(out, "version").Output()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(v), want), "%s", v)
	v2, err := exec.Command(out, "--version").Output()
	require.NoError(t, err)
	assert.Equal(t, string(v), string(v2))

	f, err := elf.Open(out)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "a static binary has no ELF interpreter")
	}
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	assert.Empty(t, libs, "no shared libraries")
}
