package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// leftovers lists the files in dir other than want.
func leftovers(t *testing.T, dir string, want ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		keep := false
		for _, w := range want {
			keep = keep || e.Name() == w
		}
		if !keep {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		old  []byte // nil: no file before
		perm fs.FileMode
	}{
		{"new file", nil, 0o644},
		{"replaces an old file", []byte("old content, longer than the new"), 0o644},
		{"private permission", nil, 0o600},
		{"permission set exactly, not masked", []byte("old"), 0o666},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := filepath.Join(dir, "f.json")
			if tt.old != nil {
				if err := os.WriteFile(p, tt.old, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(p, []byte("new"), tt.perm); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil || string(got) != "new" {
				t.Fatalf("read back %q, %v", got, err)
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.perm {
				t.Errorf("permission %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			if left := leftovers(t, dir, "f.json"); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// TestFailureKeepsOldFile: a write that fails at any step leaves the old
// file as it was and no temporary file.
func TestFailureKeepsOldFile(t *testing.T) {
	t.Parallel()
	errWrite := errors.New("encoder failed")
	tests := []struct {
		name   string
		target string // relative to the directory; "sub" is a non-empty directory
		write  func(io.Writer) error
		is     error
	}{
		{"the writer fails half way", "f.json", func(w io.Writer) error {
			if _, err := w.Write([]byte("half of the ne")); err != nil {
				return err
			}
			return errWrite
		}, errWrite},
		{"the rename fails", "sub", func(w io.Writer) error {
			_, err := w.Write([]byte("new"))
			return err
		}, nil},
		{"the directory does not exist", "missing/f.json", func(w io.Writer) error {
			t.Error("write called without a temporary file")
			return nil
		}, fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			old := filepath.Join(dir, "f.json")
			if err := os.WriteFile(old, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "sub", "x"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := Write(filepath.Join(dir, tt.target), 0o644, tt.write)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			if got, _ := os.ReadFile(old); string(got) != "old" {
				t.Errorf("old file now %q", got)
			}
			if left := leftovers(t, dir, "f.json", "sub"); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
			if left := leftovers(t, filepath.Join(dir, "sub"), "x"); len(left) > 0 {
				t.Errorf("left behind in sub: %v", left)
			}
		})
	}
}

// TestConcurrentWriters: writers racing on one path leave one whole
// version, never a mix, and no temporary file.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	const writers = 8
	versions := make([][]byte, writers)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte(fmt.Sprintf("%d", i)), 64<<10)
	}
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			if err := WriteFile(p, versions[i], 0o644); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	whole := false
	for _, v := range versions {
		whole = whole || bytes.Equal(got, v)
	}
	if !whole {
		t.Errorf("the file is not one writer's version (%d bytes)", len(got))
	}
	if left := leftovers(t, dir, "f"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
