package harness

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPlatformLogFollow: the follower reads only what was appended after
// it opened, whole lines only (a line being written is read once it ends),
// and starts over on a file that was truncated or replaced.
func TestPlatformLogFollow(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "gw.log")
	write := func(s string, flag int) {
		t.Helper()
		f, err := os.OpenFile(p, flag|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write("before the run\n", os.O_TRUNC)
	l, err := openPlatformLog(p)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		append string
		flag   int
		want   []string
	}{
		{"nothing new", "", os.O_APPEND, nil},
		{"a whole line and half of one", "one\r\ntw", os.O_APPEND, []string{"one"}},
		{"the rest of the line", "o\n", os.O_APPEND, []string{"two"}},
		{"truncated and rewritten", "new\n", os.O_TRUNC, []string{"new"}},
	}
	for _, st := range steps {
		if st.append != "" || st.flag == os.O_TRUNC {
			write(st.append, st.flag)
		}
		lines, err := l.next()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var got []string
		for _, b := range lines {
			got = append(got, string(b))
		}
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: %q, want %q", st.name, got, st.want)
		}
	}
}

// TestPlatformLogOptions: the log needs the platform in front, and a file
// that exists.
func TestPlatformLogOptions(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	suite := loadBehaviourSuite(t)
	missing := filepath.Join(t.TempDir(), "no.log")
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"without the platform", Options{TLS: p.serverTLS(), PlatformLog: missing}, errPlatformLogAlone.Error()},
		{"missing file", Options{TLS: p.serverTLS(), PlatformLog: missing, ViaPlatform: "SE-GW"}, "no.log"},
	} {
		_, err := New(suite, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if tc.name == "missing file" && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %v is not ErrNotExist", tc.name, err)
		}
	}
}
