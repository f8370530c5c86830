// Command soak runs the gateway soak (tools/internal/soak): a real rivgate
// gateway process on loopback under a steady mixed load, sampled for
// goroutines, open file descriptors and heap. It exits 0 when nothing grew
// without bound and every call had its expected outcome, 1 when something
// did not hold, 2 when the run could not be made. scripts/soak.sh runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/rivgate/rivgate/tools/internal/soak"
)

func main() {
	os.Exit(run())
}

func run() int {
	var o soak.Options
	var jsonOut string
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.DurationVar(&o.Duration, "duration", 10*time.Minute, "how long the load runs")
	fs.Float64Var(&o.Rate, "rate", 40, "calls per second (the mix: 58% good calls, 20% VP faults, 19% producer faults, 3% consumers hanging up)")
	fs.DurationVar(&o.Sample, "sample", 10*time.Second, "sampling interval for goroutines, descriptors and heap")
	fs.StringVar(&o.Rivgate, "rivgate", "", "rivgate binary to run as the gateway (default: go build ./cmd/rivgate into the work directory)")
	fs.StringVar(&o.Dir, "dir", "", "work directory for PKI, config and the gateway log (default: a temporary one)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary work directory")
	fs.StringVar(&jsonOut, "json", "", "also write the report as JSON to this file")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: soak [flags]\n\nRuns a rivgate gateway on loopback under a steady mixed load and fails if\ngoroutines, open descriptors or heap grow without bound.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.Rivgate == "" {
		dir, err := os.MkdirTemp("", "rivgate-soak-bin-*")
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 2
		}
		defer os.RemoveAll(dir)
		o.Rivgate = filepath.Join(dir, "rivgate")
		build := exec.CommandContext(ctx, "go", "build", "-o", o.Rivgate, "./cmd/rivgate")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "soak: build rivgate (run from the module root):", err)
			return 2
		}
	}
	o.Progress = os.Stdout
	fmt.Printf("soak: %s at %.0f calls/s, sampling every %s\n", o.Duration, o.Rate, o.Sample)
	rep, err := soak.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	printReport(rep)
	if jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(jsonOut, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 2
		}
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

func printReport(r *soak.Report) {
	fmt.Printf("\nload %s at %.0f/s; %d calls on a new TLS connection; producer answered %d good calls; gateway %s\n",
		r.Duration.Round(time.Second), r.Rate, r.NewConns, r.ProducerCalls, r.GatewayExit)
	kinds := make([]string, 0, len(r.Kinds))
	for k := range r.Kinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c := r.Kinds[soak.Kind(k)]
		fmt.Printf("  %-11s sent %7d  expected %7d  unexpected %d\n", k, c.Sent, c.Expected, c.Unexpected)
	}
	if len(r.Samples) > 0 {
		first, last := r.Samples[0], r.Samples[len(r.Samples)-1]
		fmt.Printf("start: goroutines %d, fds %d, heap %.1f MiB; end (after the load): goroutines %d, fds %d, heap %.1f MiB\n",
			first.Goroutines, first.FDs, float64(first.HeapBytes)/(1<<20), last.Goroutines, last.FDs, float64(last.HeapBytes)/(1<<20))
	}
	for _, g := range r.Growth {
		verdict := "ok"
		if !g.OK {
			verdict = "FAIL"
		}
		fmt.Printf("  %-22s %-4s %s\n", g.Metric, verdict, g.Detail)
	}
	if r.OK() {
		fmt.Println("soak: PASS")
		return
	}
	for _, p := range r.Problems {
		fmt.Println("  problem:", p)
	}
	fmt.Println("soak: FAIL")
}
