// Package logbatch gathers log lines in memory and writes them to the
// underlying writer in batches: when the batch reaches its size, at most
// an interval after its first line, at once for warnings and errors, and
// on Flush and Close.
//
// It exists because a write(2) per line is the gateway's most expensive
// single step per call (issue 24): a regular file or a pipe is not on
// Go's network poller, so every line's write is a blocking system call
// after which the scheduler may hand the processor to another thread.
// Measured at max rate, batching took 5-14 µs of CPU off each call
// (docs/performance.md, "The exchange log line"). The price is stated in
// the configuration docs: lines not yet written are lost if the process
// is killed (a graceful stop flushes them).
package logbatch

import (
	"io"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Writer is an io.Writer and zerolog.LevelWriter that batches lines. Each
// Write must be whole lines (zerolog writes one event per call). Safe for
// concurrent use.
type Writer struct {
	out      io.Writer
	interval time.Duration
	size     int

	mu     sync.Mutex
	buf    []byte
	timer  *time.Timer // armed while buf holds lines; nil until first use
	armed  bool
	closed bool
	err    error // the last failed write, reported by the next Write
}

// DefaultSize is the batch size: about a hundred exchange lines.
const DefaultSize = 32 << 10

// New returns a Writer over out that writes a batch when it reaches size
// bytes (<= 0: DefaultSize) or interval after its first line. An interval
// <= 0 returns a writer that writes every line at once (no batching).
func New(out io.Writer, interval time.Duration, size int) *Writer {
	if size <= 0 {
		size = DefaultSize
	}
	return &Writer{out: out, interval: interval, size: size}
}

// Write adds p to the batch (or writes it at once when batching is off,
// the writer is closed or p alone is larger than a batch). An error of an
// earlier batch write is returned once, so the caller learns of it.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.err; err != nil {
		w.err = nil
		return 0, err
	}
	if w.interval <= 0 || w.closed || len(p) >= w.size {
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
		return w.out.Write(p)
	}
	if len(w.buf)+len(p) > w.size {
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
	}
	if w.buf == nil {
		w.buf = make([]byte, 0, w.size)
	}
	w.buf = append(w.buf, p...)
	if !w.armed {
		w.armed = true
		if w.timer == nil {
			w.timer = time.AfterFunc(w.interval, w.flushByTimer)
		} else {
			w.timer.Reset(w.interval)
		}
	}
	return len(p), nil
}

// WriteLevel writes warnings and worse at once (with the batch before
// them, keeping the order): an operator watching the log sees a problem
// when it happens. Other levels are batched.
func (w *Writer) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	if l < zerolog.WarnLevel || l == zerolog.NoLevel {
		return w.Write(p)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.flushLocked(); err != nil {
		return 0, err
	}
	return w.out.Write(p)
}

// Flush writes the batch now.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

// Close writes the batch; later lines are written at once. It does not
// close the underlying writer.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.timer != nil {
		w.timer.Stop()
	}
	return w.flushLocked()
}

func (w *Writer) flushByTimer() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.flushLocked(); err != nil {
		w.err = err
	}
}

// flushLocked writes the batch (held under mu, so lines keep their order
// and a line is never split between writes).
func (w *Writer) flushLocked() error {
	if w.armed {
		w.armed = false
		w.timer.Stop()
	}
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.out.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}
