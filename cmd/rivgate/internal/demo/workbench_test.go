package demo

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/conformance/publish/workbench/workbenchtest"
	"github.com/rivgate/rivgate/internal/testutil/syncbuf"
)

// TestDemoWorkbench: --workbench ends the demo by serving the workbench on
// loopback with the run's page printed, until the context ends.
func TestDemoWorkbench(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out syncbuf.Buffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	dir := filepath.Join(t.TempDir(), "round1")
	go func() {
		_, err := Run(ctx, Options{Out: dir, Workbench: true, Scenarios: []string{"S01"}, Stdout: &out,
			WorkbenchReady: func(page string) { ready <- page }})
		done <- err
	}()
	page := awaitReady(t, ctx, ready, done, &out, "the workbench")
	assert.Contains(t, out.String(), "open "+page+" to judge")
	u, err := url.Parse(page)
	require.NoError(t, err)
	host, _, _ := strings.Cut(u.Host, ":")
	assert.Equal(t, "127.0.0.1", host, "the workbench listens on loopback only")
	assert.Equal(t, "/runs/round1/", u.Path)

	c := workbenchtest.NewClient(t, "http://"+u.Host)
	c.Login("Tove Testare", "")
	resp, body := c.Get(u.Path)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "Run round1")
	assert.Contains(t, body, "demo-clinic")
	assert.Contains(t, body, `id="bundle-form"`)
	assert.NotContains(t, body, "start the workbench with --key", "the run's key signs bundles from the workbench")
	c.HC.CloseIdleConnections()

	cancel()
	awaitStopped(t, done)
	assert.Contains(t, out.String(), "stopping: workbench shut down")
	assertClosed(t, out.String())
	settledGoroutines(t, before)
}
