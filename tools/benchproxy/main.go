// Command benchproxy is the bench's "bare Go proxy" reference: the
// standard library's httputil.ReverseProxy with mutual TLS in (client
// certificate required and verified) and HTTP keep-alive out, tuned as the
// gateway's transport is, and nothing else: no SOAP, no catalogue, no log.
// Its throughput is what the Go HTTP and TLS stack gives on this machine,
// the ceiling for any net/http gateway. It prints "listening <addr>".
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/rivgate/rivgate/internal/mtls"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchproxy:", err)
		os.Exit(2)
	}
}

type pool struct{ p sync.Pool }

func (b *pool) Get() []byte  { return *(b.p.Get().(*[]byte)) }
func (b *pool) Put(p []byte) { b.p.Put(&p) }

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "address (loopback only)")
	upstream := flag.String("upstream", "", "producer host:port")
	certFile := flag.String("cert", "", "server certificate (PEM)")
	keyFile := flag.String("key", "", "server key (PEM)")
	caFile := flag.String("ca", "", "client CA bundle (PEM)")
	maxDur := flag.Duration("max-duration", 30*time.Minute, "exit after this long")
	flag.Parse()
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", *listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %q: loopback addresses only", *listen)
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		return fmt.Errorf("server certificate: %w", err)
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		return fmt.Errorf("client CA: %w", err)
	}
	cas := x509.NewCertPool()
	if !cas.AppendCertsFromPEM(caPEM) {
		return errors.New("client CA: no certificates")
	}
	target := &url.URL{Scheme: "http", Host: *upstream}
	bufs := &pool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second, DisableCompression: true,
			DialContext:     (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			WriteBufferSize: 32 << 10, ReadBufferSize: 32 << 10,
		},
		BufferPool: bufs,
		ErrorLog:   log.New(io.Discard, "", 0),
	}
	ln, err := mtls.Listen(*listen, &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: cas, MinVersion: tls.VersionTLS12})
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
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
	return nil
}
