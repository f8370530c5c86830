package demo

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"

	"github.com/rivgate/rivgate/conformance/publish/workbench"
)

// startWorkbench serves the certifier's workbench on loopback over the
// directory holding the demo's output directory (so earlier demo runs
// beside it can be compared as rounds), signing bundles with the run's key.
// It returns the run's page and the server's end.
func (e *env) startWorkbench(ctx context.Context) (string, <-chan error, error) {
	wb, err := workbench.New(workbench.Options{RunsDir: filepath.Dir(e.dir), Signer: e.signer})
	if err != nil {
		return "", nil, fmt.Errorf("workbench: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("workbench: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- wb.Serve(ctx, ln) }()
	page := (&url.URL{Scheme: "http", Host: ln.Addr().String(), Path: "/runs/" + filepath.Base(e.dir) + "/"}).String()
	return page, done, nil
}
