// Command gwprof runs `rivgate gateway` (the same gatewaycmd code) with
// pprof: a CPU profile for the whole run and an allocation profile at the
// end, written when the process gets SIGTERM. scripts/bench.sh --profile
// uses it to profile the gateway under the bench's load; it is not part
// of the rivgate binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/rivgate/rivgate/gateway/gatewaycmd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gwprof:", err)
		os.Exit(2)
	}
}

func run() error {
	dir := flag.String("dir", ".", "directory for cpu.prof and allocs.prof")
	cfg := flag.String("c", "", "gateway configuration file")
	rate := flag.Int("memprofilerate", 0, "runtime.MemProfileRate (0: Go's default, one sample per 512 KiB)")
	flag.Parse()
	if *cfg == "" {
		return fmt.Errorf("missing -c gateway.yaml")
	}
	if *rate > 0 {
		runtime.MemProfileRate = *rate
	}
	f, err := os.Create(filepath.Join(*dir, "cpu.prof"))
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return fmt.Errorf("start cpu profile: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cmd := gatewaycmd.New()
	cmd.SetArgs([]string{"-c", *cfg})
	runErr := cmd.ExecuteContext(ctx)
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	a, err := os.Create(filepath.Join(*dir, "allocs.prof"))
	if err != nil {
		return fmt.Errorf("alloc profile: %w", err)
	}
	defer a.Close()
	if err := pprof.Lookup("allocs").WriteTo(a, 0); err != nil {
		return fmt.Errorf("alloc profile: %w", err)
	}
	return runErr
}
