package gatewaycmd

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profileOptions are the hidden flags scripts/bench.sh --profile uses to
// profile the gateway under load: a CPU profile of the whole run and an
// allocation profile written when the gateway stops. They live in the
// real command (not a separate program) so the profile is of exactly the
// code operators run.
type profileOptions struct {
	dir     string
	memRate int
}

func (p *profileOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.dir, "pprof-dir", "", "write cpu.prof (whole run) and allocs.prof (at exit) into this directory")
	cmd.Flags().IntVar(&p.memRate, "memprofilerate", 0, "runtime.MemProfileRate with --pprof-dir (0: Go's default)")
	for _, name := range []string{"pprof-dir", "memprofilerate"} {
		_ = cmd.Flags().MarkHidden(name) // a developer's tool, not an operator's
	}
}

// start begins CPU profiling when --pprof-dir is set and returns the
// function that stops it and writes the allocation profile.
func (p *profileOptions) start() (stop func() error, err error) {
	if p.dir == "" {
		return func() error { return nil }, nil
	}
	if p.memRate > 0 {
		runtime.MemProfileRate = p.memRate
	}
	cpu, err := os.Create(filepath.Join(p.dir, "cpu.prof"))
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := cpu.Close(); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		a, err := os.Create(filepath.Join(p.dir, "allocs.prof"))
		if err != nil {
			return fmt.Errorf("alloc profile: %w", err)
		}
		defer a.Close()
		if err := pprof.Lookup("allocs").WriteTo(a, 0); err != nil {
			return fmt.Errorf("alloc profile: %w", err)
		}
		return a.Close()
	}, nil
}
