// Command benchprod is the bench's service producer: keep-alive HTTP on
// loopback answering every POST with a fixed SOAP response whose size is
// chosen by the last path segment (small = 2 KB, 1mb, 100mb). It prints
// "listening <addr>" on stdout once it accepts calls and runs until
// SIGTERM or --max-duration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rivgate/rivgate/tools/internal/benchkit"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchprod:", err)
		os.Exit(2)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (loopback only)")
	maxDur := flag.Duration("max-duration", 30*time.Minute, "exit after this long even without SIGTERM")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: benchprod [--listen 127.0.0.1:0] [--max-duration 30m]")
		flag.PrintDefaults()
	}
	flag.Parse()
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", *listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--listen %q: loopback addresses only", *listen)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *listen, err)
	}
	p := benchkit.NewProducer()
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *maxDur)
	defer cancel()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Println("listening", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(os.Stderr, "benchprod: %d calls, %s received\n", p.Calls.Load(), strings.TrimSpace(fmt.Sprintf("%d bytes", p.BytesIn.Load())))
	return nil
}
