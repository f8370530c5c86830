package takcmd_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/takcmd"
	"github.com/rivgate/rivgate/internal/testutil"
)

// mainEnv makes the test binary act as `rivgate` with the tak command, so
// the docs' shell blocks run the code under test.
const mainEnv = "RIVGATE_TAKCMD_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		root := &cobra.Command{Use: "rivgate", SilenceUsage: true, SilenceErrors: true}
		root.AddCommand(takcmd.New())
		root.SetArgs(os.Args[1:])
		err := root.Execute()
		if err != nil {
			if msg := cliutil.Message(err); msg != "" {
				fmt.Fprintln(os.Stderr, "rivgate:", msg)
			}
		}
		os.Exit(cliutil.Code(err))
	}
	os.Exit(m.Run())
}

var docsDirective = regexp.MustCompile("(?s)<!-- readme-test: exit=(\\d+) -->\n```sh\n(.*?)\n```\n\n```text\n(.*?)\n```")

// TestDocsChangePreview runs each ```sh block of docs/tak-change-preview.md
// that carries a readme-test directive (the README's syntax), with bash in
// the repository and ../shared beside it, and requires its exit status and,
// exactly, the ```text block after it as its output: the page shows what
// the commands print.
func TestDocsChangePreview(t *testing.T) {
	t.Parallel()
	root := testutil.RepoRoot(t)
	testutil.Shared(t, "samples") // skips, naming the step, without ../shared
	doc, err := os.ReadFile(filepath.Join(root, "docs", "tak-change-preview.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := docsDirective.FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 2 {
		t.Fatalf("%d runnable blocks with their output in the page, want the diff and the explain", len(blocks))
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	write(t, filepath.Join(bin, "rivgate"), fmt.Sprintf("#!/bin/sh\n%s=1 exec %q \"$@\"\n", mainEnv, self))
	if err := os.Chmod(filepath.Join(bin, "rivgate"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		wantExit, _ := strconv.Atoi(b[1])
		t.Run(strconv.Itoa(i+1), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\n"+b[2])
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != wantExit {
				t.Fatalf("exit %d, want %d\n%s\n%s%s", code, wantExit, b[2], out, stderr.String())
			}
			if got := strings.TrimSuffix(string(out), "\n"); got != b[3] {
				t.Fatalf("the page shows other output than the command prints; the command prints:\n%s", got)
			}
		})
	}
}
