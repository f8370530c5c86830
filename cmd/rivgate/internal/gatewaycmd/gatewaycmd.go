// Package gatewaycmd provides the `rivgate gateway` command: run the
// gateway from gateway.yaml, or check that file and exit.
package gatewaycmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/gateway"
	"github.com/rivgate/rivgate/gateway/config"
	"github.com/rivgate/rivgate/internal/buildinfo"
	"github.com/rivgate/rivgate/internal/logbatch"
)

// New returns the `gateway` command.
func New() *cobra.Command {
	var file string
	var check bool
	var prof profileOptions
	cmd := &cobra.Command{
		Use:   "gateway -c gateway.yaml",
		Short: "Run the mutual-TLS SOAP routing gateway (VP's behaviour, driven by TAK)",
		Long: `Run the gateway: RIV-TA calls are routed by the contract namespace of the
first Body child and the receiver in To/LogicalAddress, authorised from the
TAK catalogue, and streamed to producers; failures are answered with VP's own
faults (VP002-VP015).

Signals: SIGHUP reloads the catalogue and all certificates (new handshakes use
the new ones); SIGTERM or Ctrl-C stops accepting calls, drains in-flight calls
(shutdown.drain) and exits.

The exchange log (JSON lines on stderr, one per call) is written in
batches, at most logging.flush_interval (default 100ms) after the call;
warnings and errors at once. A stop writes what is held; a kill -9 or a
crash loses it (logging.flush_interval: 0s writes every line at once).

With --check the configuration is validated (keys, values, listen addresses
and ports, certificate and CA files, secrets, contract directory, TAK
sources and their producer addresses) and the command exits: 0 when
everything loads, 2 with every problem named by file, line and key, all in
one run (an unknown key near a known one says which was meant). Warnings (an expired CRL) are printed
and do not fail the check. With producers.tls_profiles set it also lists
each producer host:port of the catalogue with the TLS profile its calls get.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return cliutil.BadInput("missing -c gateway.yaml")
			}
			cfg, err := config.Load(file)
			if err != nil {
				return cliutil.BadInput("%w", err)
			}
			if check {
				return runCheck(cmd.Context(), cmd.OutOrStdout(), cfg)
			}
			stopProfile, err := prof.start()
			if err != nil {
				return err
			}
			runErr := run(cmd.Context(), cmd.ErrOrStderr(), cfg)
			return errors.Join(runErr, stopProfile())
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "", "gateway configuration file (YAML)")
	cmd.Flags().BoolVar(&check, "check", false, "validate the configuration and its files, then exit")
	prof.addFlags(cmd)
	return cmd
}

func newLogger(w io.Writer, cfg *config.Config) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(cfg.Logging.Level)
	if err != nil {
		lvl = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Str("instance", cfg.Instance.ID).Logger()
}

func runCheck(ctx context.Context, out io.Writer, cfg *config.Config) error {
	g, err := gateway.New(cfg, gateway.Deps{Logger: zerolog.Nop()})
	if err != nil {
		return cliutil.BadInput("%s: %w", cfg.File, err)
	}
	res := g.CheckCatalogue(ctx)
	if !res.OK {
		return cliutil.BadInput("%s: TAK sources: %s", cfg.File, res.Message)
	}
	if errs := g.CheckAddresses(); len(errs) > 0 {
		return cliutil.BadInput("%s: TAK sources: %d routes the gateway will not call (VP009):\n%w", cfg.File, len(errs), errors.Join(errs...))
	}
	for _, w := range g.Warnings() {
		fmt.Fprintf(out, "%s: warning: %s\n", cfg.File, w)
	}
	fmt.Fprintf(out, "%s: OK (instance %q, https %q, http %q, admin %q; catalogue: %s)\n",
		cfg.File, cfg.Instance.Name, cfg.Listen.HTTPS, cfg.Listen.HTTP, cfg.Listen.Admin, res.Message)
	if len(cfg.Producers.TLSProfiles) > 0 {
		return printProducerTLS(out, g.ProducerTLS())
	}
	return nil
}

// printProducerTLS shows which TLS profile each producer endpoint of the
// catalogue gets (producers.tls_profiles; the first match wins).
func printProducerTLS(out io.Writer, eps []gateway.ProducerEndpoint) error {
	fmt.Fprintln(out, "producer TLS profiles (producers.tls_profiles, first match wins):")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, e := range eps {
		profile := e.Profile
		if profile == "" {
			profile = "- (plain http)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d address(es)\n", e.Endpoint, profile, e.Addresses)
	}
	return tw.Flush()
}

func run(ctx context.Context, stderr io.Writer, cfg *config.Config) (err error) {
	// Lines go out in batches (logging.flush_interval); whatever is still
	// held when run returns, on any path, is written then.
	logw := logbatch.New(stderr, cfg.Logging.FlushInterval.D(), 0)
	defer func() { err = errors.Join(err, logw.Close()) }()
	log := newLogger(logw, cfg)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	g, err := gateway.New(cfg, gateway.Deps{Logger: log, Registry: reg, Version: buildinfo.Get().Version})
	if err != nil {
		return cliutil.BadInput("%s: %w", cfg.File, err)
	}
	// Catch SIGHUP before serving, so an early one reloads instead of
	// killing the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := g.Start(ctx); err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}
	log.Info().Str("config", cfg.File).Str("version", buildinfo.Get().Version).Msg("gateway started")
	for {
		select {
		case <-hup:
			g.Reload(ctx)
		case <-ctx.Done():
			log.Info().Dur("drain", cfg.Shutdown.Drain.D()).Msg("shutting down: draining in-flight calls")
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Shutdown.Drain.D())
			err := g.Shutdown(dctx)
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("shutdown: %w", err)
			}
			if err != nil {
				log.Warn().Msg("drain time over: in-flight calls were cut")
			}
			log.Info().Time("at", time.Now()).Msg("gateway stopped")
			return nil
		}
	}
}
