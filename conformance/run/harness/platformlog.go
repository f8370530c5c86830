package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/check"
	"github.com/rivgate/rivgate/conformance/results/result"
	"github.com/rivgate/rivgate/internal/atomicfile"
	"github.com/rivgate/rivgate/internal/exchangelog"
)

// Behind a platform (Options.PlatformLog), a call the gateway refuses
// never reaches the harness. The runner follows the gateway's JSON
// exchange log while it runs: each refused call of the consumer becomes a
// finding (check.Env.Refused) of the scenario whose time holds it; one that
// arrives while a step awaits its request ends that wait, so the run goes
// on instead of waiting in vain and aborting as "unreachable". The lines
// used are copied verbatim into result.PlatformLogFile for the evidence.

// platformPoll is how often the runner reads the platform log.
const platformPoll = 50 * time.Millisecond

// maxPlatformRead bounds what one poll reads of the log (a busy gateway's
// log grows fast; the rest is read at the next poll).
const maxPlatformRead = 16 << 20

// maxPlatformLine bounds one log line kept across polls.
const maxPlatformLine = 4 << 20

// platformLog follows a file the gateway appends to (runner only).
type platformLog struct {
	path    string
	off     int64
	partial []byte
	lastErr string
	kept    [][]byte // the lines that became findings, in order
	tick    *time.Ticker
}

// openPlatformLog starts following path at its current end: what the
// gateway logged before the run is not the run's.
func openPlatformLog(path string) (*platformLog, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("platform log: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("platform log %s: not a regular file", path)
	}
	return &platformLog{path: path, off: st.Size()}, nil
}

// next returns the whole lines appended since the last call.
func (l *platformLog) next() ([][]byte, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < l.off { // truncated or replaced: read the new file from its start
		l.off, l.partial = 0, nil
	}
	if st.Size() == l.off {
		return nil, nil
	}
	if _, err := f.Seek(l.off, io.SeekStart); err != nil {
		return nil, err
	}
	buf, err := io.ReadAll(io.LimitReader(f, min(st.Size()-l.off, maxPlatformRead)))
	l.off += int64(len(buf))
	data := append(l.partial, buf...)
	var lines [][]byte
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		lines = append(lines, bytes.TrimSuffix(data[:i], []byte("\r")))
		data = data[i+1:]
	}
	l.partial = nil
	if len(data) <= maxPlatformLine {
		l.partial = bytes.Clone(data)
	}
	return lines, err
}

// platformTick fires when the platform log is to be read; nil (never)
// without one.
func (h *Harness) platformTick() <-chan time.Time {
	if h.plog == nil || h.plog.tick == nil { // serve mode: no run to place them in
		return nil
	}
	return h.plog.tick.C
}

// refusedCall is a call the platform refused, as its log line says.
type refusedCall struct {
	x    *exchangelog.Entry
	line []byte
}

// platformRefusals reads the platform log's new lines and returns the
// consumer's calls the platform refused since the run started.
func (h *Harness) platformRefusals() []refusedCall {
	lines, err := h.plog.next()
	if err != nil {
		if msg := err.Error(); msg != h.plog.lastErr {
			h.plog.lastErr = msg
			h.progress("WARNING: platform log %s: %v", h.plog.path, err)
		}
	}
	var out []refusedCall
	for _, line := range lines {
		x, err := exchangelog.Parse(line, 0)
		if err != nil || !check.RefusedBy(x, h.suite.Consumer.HSAID) {
			continue
		}
		if _, to := check.Window(x); to.Before(h.cur.Started) {
			continue
		}
		out = append(out, refusedCall{x: x, line: bytes.Clone(line)})
	}
	return out
}

// pollPlatform places the refused calls the platform log has gained: s is
// the step awaiting its request now (nil when none), w the step being
// watched. It returns how many were placed in the scenario running now (the
// consumer was active) and whether one was s's.
func (h *Harness) pollPlatform(s *stepRun, w *watch) (placed int, onStep bool) {
	if h.plog == nil || h.cur == nil {
		return 0, false
	}
	for _, rc := range h.platformRefusals() {
		cur, mine := h.placeRefused(rc, s, w)
		if cur {
			placed++
		}
		onStep = onStep || mine
	}
	return placed, onStep
}

// placeRefused records rc as a finding of the latest scenario whose time
// may hold it (check.InScenario), or of the run after the last scenario.
// It reports whether that is the scenario running now, and whether the
// finding went on s.
func (h *Harness) placeRefused(rc refusedCall, s *stepRun, w *watch) (current, onStep bool) {
	run := h.cur
	last := len(run.Scenarios) - 1
	i := -1
	for j := last; j >= 0; j-- {
		if check.InScenario(run, j, rc.x) {
			i = j
			break
		}
	}
	if i < 0 && !check.AfterScenarios(run, rc.x) {
		return false, false // before the first scenario: not the run's
	}
	h.plog.kept = append(h.plog.kept, rc.line)
	n := len(h.plog.kept)
	if i < 0 {
		c := h.env.Refused(rc.x, n, nil)
		run.Unexpected = append(run.Unexpected, c)
		h.progress("FAIL after the last scenario: %s", c.Message)
		return false, false
	}
	c := h.env.Refused(rc.x, n, h.ran[i])
	running := i == last && run.Scenarios[i].Finished.IsZero()
	var target *result.Step
	switch {
	case running && s != nil:
		target, onStep = s.res, true
		s.refused++
	case running && w != nil:
		target = w.s.res
	default:
		target = h.lastAwaiting[i]
	}
	if target == nil { // the scenario had no step awaiting a request
		steps := run.Scenarios[i].Steps
		target = steps[len(steps)-1]
	}
	target.Checks = append(target.Checks, c)
	h.progress("scenario %s step %s: %s %s", run.Scenarios[i].ID, target.ID, strings.ToUpper(string(c.Status)), c.Message)
	return running, onStep
}

// refusedStep ends a step whose request the platform refused: its findings
// are on it already (placeRefused); no "no request" finding.
func (h *Harness) refusedStep(s *stepRun, w awaited) {
	s.res.Message = joinNote(s.res.Message, triggerNote(w.trig))
	s.res.TriggerOutput = triggerOutput(w.trig, false)
	s.res.Finished = h.opts.Now()
	h.progress("%s: the platform refused its request (%d call(s)); the harness never saw it", s.label, s.refused)
}

// awaitPlatform gives the platform log up to a second to show a refused
// call for s, when the trigger ended without any request reaching the
// harness (a consumer that exits non-zero on the platform's fault). It
// reports whether one came.
func (h *Harness) awaitPlatform(s *stepRun) bool {
	if h.platformTick() == nil {
		return false
	}
	deadline := time.Now().Add(time.Second)
	for {
		if _, mine := h.pollPlatform(s, nil); mine {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		<-h.plog.tick.C
	}
}

// writePlatformLog writes the lines used, before results.json names them.
func (h *Harness) writePlatformLog(run *result.Run) error {
	if h.plog == nil {
		return nil
	}
	pl := &result.PlatformLog{Source: h.opts.PlatformLog, Lines: len(h.plog.kept)}
	run.PlatformLog = pl
	if len(h.plog.kept) == 0 || h.opts.Out == "" {
		return nil
	}
	pl.File = result.PlatformLogFile
	b := append(bytes.Join(h.plog.kept, []byte("\n")), '\n')
	if err := atomicfile.WriteFile(filepath.Join(h.opts.Out, result.PlatformLogFile), b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", result.PlatformLogFile, err)
	}
	return nil
}

// errPlatformLogAlone: the log only means something behind a platform.
var errPlatformLogAlone = errors.New("harness: a platform log (--platform-log) needs the platform in front (--via-platform)")

// reachedPlatform reports whether a call of the consumer reached the
// platform in front and was refused there (the consumer is reachable).
func (h *Harness) reachedPlatform() bool {
	return h.plog != nil && len(h.plog.kept) > 0
}
