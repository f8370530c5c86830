package logbatch

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is the underlying writer: it keeps every write apart, so a
// test sees how lines were batched.
type recorder struct {
	mu     sync.Mutex
	writes []string
	fail   error
	wrote  chan struct{} // gets a value per write
}

func newRecorder() *recorder { return &recorder{wrote: make(chan struct{}, 1000)} }

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return 0, r.fail
	}
	r.writes = append(r.writes, string(p))
	r.wrote <- struct{}{}
	return len(p), nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes...)
}

func TestBatching(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		size     int
		lines    []string
		flush    bool // call Flush after the lines
		want     []string
	}{
		{name: "off writes each line", interval: 0, lines: []string{"a\n", "b\n"}, want: []string{"a\n", "b\n"}},
		{name: "held until flush", interval: time.Hour, lines: []string{"a\n", "b\n"}, flush: true, want: []string{"a\nb\n"}},
		{name: "nothing before flush", interval: time.Hour, lines: []string{"a\n", "b\n"}, want: nil},
		{name: "full batch goes out", interval: time.Hour, size: 4, lines: []string{"a\n", "b\n", "c\n"}, want: []string{"a\nb\n"}},
		{name: "line larger than a batch goes out alone, after the batch", interval: time.Hour, size: 4, lines: []string{"a\n", "long line\n"}, want: []string{"a\n", "long line\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			w := New(rec, tt.interval, tt.size)
			for _, l := range tt.lines {
				n, err := w.Write([]byte(l))
				require.NoError(t, err)
				assert.Equal(t, len(l), n)
			}
			if tt.flush {
				require.NoError(t, w.Flush())
			}
			assert.Equal(t, tt.want, rec.got())
			require.NoError(t, w.Close())
			assert.Equal(t, strings.Join(tt.lines, ""), strings.Join(rec.got(), ""), "Close writes what was held, in order")
		})
	}
}

func TestIntervalFlushes(t *testing.T) {
	rec := newRecorder()
	w := New(rec, 20*time.Millisecond, 0)
	defer w.Close()
	_, err := w.Write([]byte("first\n"))
	require.NoError(t, err)
	_, err = w.Write([]byte("second\n"))
	require.NoError(t, err)
	select {
	case <-rec.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the batch was not written after its interval")
	}
	assert.Equal(t, []string{"first\nsecond\n"}, rec.got())

	// The timer is armed again by the next line after a flush.
	_, err = w.Write([]byte("third\n"))
	require.NoError(t, err)
	select {
	case <-rec.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the second batch was not written after its interval")
	}
	assert.Equal(t, []string{"first\nsecond\n", "third\n"}, rec.got())
}

func TestWarningsGoOutAtOnceInOrder(t *testing.T) {
	rec := newRecorder()
	w := New(rec, time.Hour, 0)
	log := zerolog.New(w)
	log.Info().Msg("call")
	log.Warn().Msg("problem")
	log.Info().Msg("later")
	got := rec.got()
	require.Len(t, got, 2, "the info line before the warning is written with it; the one after waits")
	assert.Contains(t, got[0], `"message":"call"`)
	assert.Contains(t, got[1], `"message":"problem"`)
	require.NoError(t, w.Close())
	assert.Contains(t, rec.got()[2], `"message":"later"`)
}

func TestWriteErrorReachesTheNextWrite(t *testing.T) {
	rec := newRecorder()
	w := New(rec, time.Hour, 0)
	_, err := w.Write([]byte("a\n"))
	require.NoError(t, err)
	rec.fail = errors.New("disk full")
	assert.EqualError(t, w.Flush(), "disk full")
	rec.fail = nil
	_, err = w.Write([]byte("b\n"))
	require.NoError(t, err, "a failed Flush was returned to its caller already")

	// A failed write by the timer is returned by the next Write, once.
	w2 := New(rec, time.Millisecond, 0)
	rec.mu.Lock()
	rec.fail = errors.New("pipe closed")
	rec.mu.Unlock()
	_, err = w2.Write([]byte("c\n"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		w2.mu.Lock()
		defer w2.mu.Unlock()
		return w2.err != nil
	}, 10*time.Second, time.Millisecond)
	rec.mu.Lock()
	rec.fail = nil
	rec.mu.Unlock()
	_, err = w2.Write([]byte("d\n"))
	assert.EqualError(t, err, "pipe closed")
	_, err = w2.Write([]byte("e\n"))
	assert.NoError(t, err)
}

func TestConcurrentLinesStayWhole(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	w := New(lockedWriter{&mu, &out}, time.Millisecond, 256)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				_, _ = fmt.Fprintf(w, "g%d line %d\n", g, i)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, w.Close())
	mu.Lock()
	defer mu.Unlock()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 8*500)
	last := map[string]int{}
	for _, l := range lines {
		var g string
		var i int
		_, err := fmt.Sscanf(l, "%s line %d", &g, &i)
		require.NoError(t, err, "line %q", l)
		if prev, ok := last[g]; ok {
			assert.Equal(t, prev+1, i, "one writer's lines keep their order")
		}
		last[g] = i
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func BenchmarkWrite(b *testing.B) {
	line := []byte(`{"level":"info","time":"2026-12-08T01:00:00Z","instance":"rivgate","kind":"service","status":200}` + "\n")
	w := New(lockedWriter{&sync.Mutex{}, &bytes.Buffer{}}, time.Hour, 0)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = w.Write(line)
	}
}
