package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rivgate/rivgate/internal/benchkit"
)

// runProfile drives the gateway (run by gwprof) at max rate and stops it,
// so gwprof writes cpu.prof and allocs.prof.
func runProfile(ctx context.Context, e *env, o options, p plan) error {
	if o.gwprof == "" {
		return errors.New("--profile needs --gwprof (scripts/bench.sh --profile DIR builds it)")
	}
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
	fmt.Printf("gateway under gwprof: %.0f req/s, %d errors; profiles in %s (cpu.prof, allocs.prof)\n", r.RPS(), r.Errors, dir)
	return nil
}
