// Command benchtakdiff is the driver behind `scripts/bench.sh --takdiff`. It
// times the TAK change preview at national scale on this machine: a
// generated catalogue of 100,000 routes and 100,000 permissions and a copy
// with 1% of its entries changed each way (takdifftest.Change), diffed at a
// moment and across a 30-day window; a day of traffic (1,000,000 exchange
// lines over 10,000 distinct calls) read and replayed through both; and the
// whole as an operator runs it, `rivgate tak diff OLD NEW --window 30d
// --calls -` with the log on stdin. Every part checks its result against
// the counts the change implies, and the run is bounded by --timeout.
// Wall and CPU time are both reported: the machine is shared.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/rivgate/rivgate/gateway/tak"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takdiff"
	"github.com/rivgate/rivgate/gateway/tak/takdiff/takdifftest"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/internal/exchangelog"
	"github.com/rivgate/rivgate/tools/internal/benchkit"
)

type options struct {
	rivgate  string
	routes   int
	lines    int
	distinct int
	out      string
	timeout  time.Duration
}

// Results is bench/takdiff.json.
type Results struct {
	Started     time.Time `json:"started"`
	LoadStart   string    `json:"loadavg_start"`
	LoadEnd     string    `json:"loadavg_end"`
	CPUs        int       `json:"cpus"`
	Routes      int       `json:"routes"`
	Permissions int       `json:"permissions"`
	Changes     int       `json:"changes"`
	Lines       int       `json:"log_lines"`
	Distinct    int       `json:"log_distinct_calls"`
	LogMB       float64   `json:"log_mb"`
	Parts       []Part    `json:"parts"`
	// EndToEnd is the rivgate binary's run (absent without --rivgate).
	EndToEnd *Part `json:"end_to_end,omitempty"`
}

// Part is one timed step.
type Part struct {
	Name   string  `json:"name"`
	WallS  float64 `json:"wall_s"`
	CPUS   float64 `json:"cpu_s"`
	PeakMB float64 `json:"peak_rss_mb,omitempty"`
	Note   string  `json:"note"`
}

func main() {
	var o options
	flag.StringVar(&o.rivgate, "rivgate", "", "rivgate binary for the end-to-end run (\"\": library parts only)")
	flag.IntVar(&o.routes, "routes", 100_000, "generated routes (and as many permissions)")
	flag.IntVar(&o.lines, "lines", 1_000_000, "exchange log lines to replay")
	flag.IntVar(&o.distinct, "distinct", 10_000, "distinct calls in the log")
	flag.StringVar(&o.out, "out", "bench/takdiff.json", "results file")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "bound on the whole run")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtakdiff:", err)
		os.Exit(1)
	}
}

// at is the moment previewed: inside the generated validity.
var at = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func run(ctx context.Context, o options, w io.Writer) error {
	loc, err := takdata.LoadZone("")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "rivgate-benchtakdiff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	res := &Results{Started: time.Now().UTC(), LoadStart: loadAvg(), CPUs: runtime.NumCPU(), Lines: o.lines, Distinct: o.distinct}

	od := benchkit.Catalogue(o.routes, "http://127.0.0.1:9/bench", loc)
	nd := takdifftest.Change(od, takdifftest.ChangeOptions{Every: 100, At: at})
	want := takdifftest.Expect(len(od.Routes), 100)
	res.Routes, res.Permissions, res.Changes = len(od.Routes), len(od.Permissions), want.Changes
	oldF, newF := filepath.Join(dir, "old.xml"), filepath.Join(dir, "new.xml")
	for f, d := range map[string]*takdata.Data{oldF: od, newF: nd} {
		if err := writeCache(f, d, loc); err != nil {
			return err
		}
	}
	log := takdifftest.NewLog(od, o.distinct, at.Add(-24*time.Hour))
	res.LogMB = float64(log.Size(o.lines)) / 1e6
	fmt.Fprintf(w, "TAK change preview at national scale: %d routes + %d permissions, 1%% changed each way (%d changes); %d log lines (%.0f MB, %d distinct calls)\n",
		res.Routes, res.Permissions, res.Changes, o.lines, res.LogMB, o.distinct)

	var old, new *tak.Catalogue
	p, err := timed("read and index both catalogues (VP cache XML)", func() (string, error) {
		ocat, err := readCat(oldF, loc)
		if err != nil {
			return "", err
		}
		ncat, err := readCat(newF, loc)
		old, new = ocat, ncat
		st, _ := os.Stat(oldF)
		return fmt.Sprintf("%.0f MB each", float64(st.Size())/1e6), err
	})
	if err != nil {
		return err
	}
	res.add(w, p)
	p, err = timed("diff at a moment and across a 30-day window", func() (string, error) {
		rep := takdiff.Diff(old, new, takdiff.Options{At: at, Window: 30 * 24 * time.Hour})
		if rep.BrokenEffects() != want.Broken+want.Lapsing || len(rep.Changes) != want.Changes {
			return "", fmt.Errorf("diff: %d changes, %d broken; want %d, %d", len(rep.Changes), rep.BrokenEffects(), want.Changes, want.Broken+want.Lapsing)
		}
		return fmt.Sprintf("%d effects, %d broken (%d at the lapse)", len(rep.Effects), rep.BrokenEffects(), want.Lapsing), nil
	})
	if err != nil {
		return err
	}
	res.add(w, p)
	var tr *exchangelog.Traffic
	p, err = timed(fmt.Sprintf("read %d log lines", o.lines), func() (string, error) {
		tr = exchangelog.NewTraffic(loc)
		if err := tr.Read(log.Reader(o.lines)); err != nil {
			return "", err
		}
		tr.Finish()
		if tr.Exchanges != o.lines || len(tr.Calls) != o.distinct {
			return "", fmt.Errorf("log: %d exchanges, %d distinct", tr.Exchanges, len(tr.Calls))
		}
		return "", nil
	})
	if err != nil {
		return err
	}
	p.Note = fmt.Sprintf("%.0f MB/s wall", res.LogMB/p.WallS)
	res.add(w, p)
	p, err = timed("diff and replay the distinct calls through both", func() (string, error) {
		rep := takdiff.Diff(old, new, takdiff.Options{At: at, Traffic: tr})
		n, perDay := rep.BrokenCalls()
		if n == 0 {
			return "", errors.New("replay: no logged call breaks")
		}
		return fmt.Sprintf("%d logged calls change, %d break (%.0f calls/day)", len(rep.Calls), n, perDay), nil
	})
	if err != nil {
		return err
	}
	res.add(w, p)
	if o.rivgate != "" {
		p, err := endToEnd(ctx, o, oldF, newF, log)
		if err != nil {
			return err
		}
		res.EndToEnd = &p
		fmt.Fprintf(w, "  %-52s wall %6.2f s  cpu %6.2f s  peak RSS %5.0f MB  %s\n", p.Name, p.WallS, p.CPUS, p.PeakMB, p.Note)
	}
	res.LoadEnd = loadAvg()
	fmt.Fprintf(w, "loadavg %s at the start, %s at the end (%d CPUs; wall time grows with the load, CPU time much less)\n", res.LoadStart, res.LoadEnd, res.CPUs)
	return writeJSON(o.out, res)
}

func (r *Results) add(w io.Writer, p Part) {
	r.Parts = append(r.Parts, p)
	fmt.Fprintf(w, "  %-52s wall %6.2f s  cpu %6.2f s  %s\n", p.Name, p.WallS, p.CPUS, p.Note)
}

// timed runs f and measures its wall time and this process's CPU time.
func timed(name string, f func() (string, error)) (Part, error) {
	runtime.GC()
	c0, t0 := cpuTime(), time.Now()
	note, err := f()
	p := Part{Name: name, WallS: time.Since(t0).Seconds(), CPUS: (cpuTime() - c0).Seconds(), Note: note}
	if err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func readCat(path string, loc *time.Location) (*tak.Catalogue, error) {
	d, err := takformat.ReadFile(path, takformat.Options{Location: loc})
	if err != nil {
		return nil, err
	}
	return tak.Build(d, nil, tak.BuildOptions{}), nil
}

func writeCache(path string, d *takdata.Data, loc *time.Location) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := takformat.WriteCache(f, d, takformat.Options{Location: loc}); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// endToEnd runs `rivgate tak diff` as an operator would, the log on stdin,
// and checks its verdict.
func endToEnd(ctx context.Context, o options, oldF, newF string, log *takdifftest.Log) (Part, error) {
	name := "rivgate tak diff OLD NEW --window 30d --calls - --json"
	var out strings.Builder
	cmd := exec.CommandContext(ctx, o.rivgate, "tak", "diff", oldF, newF, "--at", at.Format(time.RFC3339), "--window", "30d", "--calls", "-", "--json")
	cmd.Stdin = log.Reader(o.lines)
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	p := Part{Name: name, WallS: time.Since(t0).Seconds()}
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	st := cmd.ProcessState
	p.CPUS = (st.UserTime() + st.SystemTime()).Seconds()
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		p.PeakMB = float64(ru.Maxrss) / 1024
	}
	var r struct {
		Broken       int `json:"broken"`
		BrokenLogged int `json:"brokenLogged"`
	}
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		return p, fmt.Errorf("%s: output: %w", name, err)
	}
	if st.ExitCode() != 1 || r.Broken == 0 || r.BrokenLogged == 0 {
		return p, fmt.Errorf("%s: exit %d, %d broken, %d logged broken; want exit 1 and both", name, st.ExitCode(), r.Broken, r.BrokenLogged)
	}
	p.Note = fmt.Sprintf("exit 1: %d broken, %d logged calls broken", r.Broken, r.BrokenLogged)
	return p, nil
}

func writeJSON(path string, r *Results) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
