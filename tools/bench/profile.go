package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rivgate/rivgate/tools/internal/benchkit"
)

// runProfile drives the gateway (run with --pprof-dir) at max rate and
// stops it, so it writes cpu.prof and allocs.prof.
func runProfile(ctx context.Context, e *env, o options, p plan) error {
	dir, err := filepath.Abs(o.profile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("profile dir: %w", err)
	}
	e.o.profile = dir
	if err := e.startProducer(ctx); err != nil {
		return err
	}
	if err := e.writeGatewayConfig(o.routes); err != nil {
		return err
	}
	if err := e.startGateway(ctx, "gateway"); err != nil {
		return err
	}
	body := benchkit.Request(benchkit.BenchContract, benchkit.BenchReceiver(o.routes))
	t := e.gatewayTarget(body)
	if _, err := benchkit.Probe(ctx, t); err != nil {
		return err
	}
	r, err := benchkit.MaxRate(ctx, t, o.conns, p.warmup, p.dur, benchkit.Window{})
	if err != nil {
		return err
	}
	e.gateway.stop()
	e.gateway = nil
	fmt.Printf("gateway under --pprof-dir: %.0f req/s, %d errors; profiles in %s (cpu.prof, allocs.prof)\n", r.RPS(), r.Errors, dir)
	return nil
}
