// Command bench is the driver behind scripts/bench.sh. On loopback only,
// with bounded durations, it starts the bench producer, the rivgate gateway
// (mutual TLS in, HTTP out, a generated catalogue) and nginx as the
// reference mTLS reverse proxy, drives all three targets (and the producer
// directly) with the same load generator, connections and client
// certificate, and measures throughput, latency at a fixed rate, CPU time
// per call and peak RSS from /proc; then 100 MB each way through a fresh
// gateway, XSD validation against xmllint, sniff cost and TAK load time.
// It prints a table, writes results JSON and ends with the line
// "gateway/nginx throughput ratio: X.XX".
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	quick    bool
	smoke    bool
	rivgate  string
	producer string
	nginx    string
	rivta    string
	out      string
	profile  string
	goproxy  string
	takFmt   string
	conns    int
	routes   int
	pin      bool
	gogc     string
	memLimit string
	logLevel string
	logFlush string
	keep     bool
	only     string
}

// plan is how long each part runs; quick fits in 3 minutes, full in 15.
type plan struct {
	rounds       int
	warmup, dur  time.Duration
	fixedRounds  int
	fixedWarmup  time.Duration
	fixedDur     time.Duration // per round
	oneMB        bool
	oneMBDur     time.Duration
	takRoutes    int
	takYAML      bool // YAML at 100k routes takes long: full mode only
	xsdRepeat    int
	xmllintBatch int
}

func planFor(quick, smoke bool) plan {
	if smoke {
		// Every part for a moment: proves the machinery, measures nothing.
		return plan{rounds: 1, warmup: 200 * time.Millisecond, dur: 500 * time.Millisecond, fixedRounds: 1, fixedWarmup: 200 * time.Millisecond,
			fixedDur: 500 * time.Millisecond, oneMB: true, oneMBDur: 300 * time.Millisecond, takRoutes: 2000, takYAML: true, xsdRepeat: 1, xmllintBatch: 3}
	}
	if quick {
		return plan{rounds: 5, warmup: 500 * time.Millisecond, dur: 2 * time.Second, fixedRounds: 3, fixedWarmup: 500 * time.Millisecond, fixedDur: 2 * time.Second,
			oneMB: false, takRoutes: 100_000, takYAML: false, xsdRepeat: 20, xmllintBatch: 100}
	}
	return plan{rounds: 6, warmup: time.Second, dur: 5 * time.Second, fixedRounds: 5, fixedWarmup: time.Second, fixedDur: 4 * time.Second,
		oneMB: true, oneMBDur: 5 * time.Second, takRoutes: 100_000, takYAML: true, xsdRepeat: 100, xmllintBatch: 100}
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "short runs (under 3 minutes in all)")
	flag.BoolVar(&o.smoke, "smoke", false, "every part for a moment (a test of the bench itself; the figures mean nothing)")
	flag.StringVar(&o.rivgate, "rivgate", "", "rivgate binary (required)")
	flag.StringVar(&o.producer, "producer", "", "benchprod binary (required)")
	flag.StringVar(&o.nginx, "nginx", "/usr/sbin/nginx", "nginx binary")
	flag.StringVar(&o.rivta, "rivta", "", "shared RIV-TA directory (contracts and samples for the XSD comparison)")
	flag.StringVar(&o.out, "out", "bench/results.json", "results file")
	flag.StringVar(&o.profile, "profile", "", "only profile: run the gateway with its hidden --pprof-dir flag at max rate and write cpu.prof and allocs.prof into this directory")
	flag.StringVar(&o.goproxy, "goproxy", "", "benchproxy binary: adds the bare Go ReverseProxy as a reference target (\"\": left out)")
	flag.StringVar(&o.takFmt, "tak-format", "cache", "format of the gateway's generated catalogue: cache (VP's local cache XML), json or yaml")
	flag.IntVar(&o.conns, "conns", 32, "keep-alive connections per target (the same for every target)")
	flag.IntVar(&o.routes, "routes", 10_000, "generated routes in the gateway's catalogue")
	flag.BoolVar(&o.pin, "pin", false, "pin the load generator to CPU 0 and the servers to the other CPUs (taskset)")
	flag.StringVar(&o.gogc, "gogc", "", "GOGC for the gateway process (\"\": Go's default)")
	flag.StringVar(&o.memLimit, "gomemlimit", "", "GOMEMLIMIT for the gateway process (\"\": none)")
	flag.StringVar(&o.logLevel, "log-level", "info", "the gateway's logging.level (warn drops the per-call exchange line)")
	flag.StringVar(&o.logFlush, "log-flush-interval", "", "the gateway's logging.flush_interval (0s: a write per exchange line; \"\": the default)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configs, logs)")
	flag.StringVar(&o.only, "only", "", "run only this part: load, large, xsd, sniff, tak (default: all)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: bench --rivgate BIN --producer BIN [--quick] [flags]\n\nscripts/bench.sh builds the binaries and runs this.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if o.rivgate == "" || o.producer == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Every run is bounded: quick and full both end well before this.
	limit := 14 * time.Minute
	if o.quick {
		limit = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	p := planFor(o.quick, o.smoke)
	dir, err := os.MkdirTemp("", "rivgate-bench-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "bench: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	// nginx may run as nobody: it must reach its files.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	res := &Results{Version: 1, Started: time.Now().UTC(), Mode: modeName(o.quick, o.smoke)}
	res.Machine = machineInfo(o)
	res.Method = methodInfo(o, p)
	env, err := newEnv(ctx, o, dir)
	if err != nil {
		return err
	}
	defer env.close()
	want := func(part string) bool { return o.only == "" || o.only == part }

	if o.profile != "" {
		return runProfile(ctx, env, o, p)
	}
	if want("load") {
		if err := env.startAll(ctx, o); err != nil {
			return err
		}
		if err := runLoad(ctx, env, o, p, res); err != nil {
			return err
		}
	}
	if want("large") {
		if err := runLarge(ctx, env, o, res); err != nil {
			return err
		}
	}
	env.stopServers()
	if want("xsd") {
		res.XSD = runXSD(ctx, o, p)
	}
	if want("sniff") {
		res.Sniff = runSniff(o)
	}
	if want("tak") {
		res.TAKLoad = runTAKLoad(ctx, dir, p.takRoutes, p.takYAML)
	}
	res.Machine.LoadEnd = loadAvg()
	res.Finished = time.Now().UTC()
	if err := writeResults(o.out, res); err != nil {
		return err
	}
	printReport(os.Stdout, res)
	return nil
}

func modeName(quick, smoke bool) string {
	if smoke {
		return "smoke"
	}
	if quick {
		return "quick"
	}
	return "full"
}

func writeResults(path string, r *Results) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("results dir: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	s := string(b)
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return s
}

func cpus() int { return runtime.NumCPU() }
