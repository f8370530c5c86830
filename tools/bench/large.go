package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/rivgate/rivgate/tools/internal/benchkit"
)

// largeTargetMB is the bound on the gateway's peak RSS.
const largeTargetMB = 64

// runLarge sends a 100 MB request and fetches a 100 MB response through a
// fresh gateway process (so its VmHWM is about these two calls only).
func runLarge(ctx context.Context, e *env, o options, res *Results) error {
	if e.producer == nil {
		if err := e.startProducer(ctx); err != nil {
			return err
		}
	}
	e.gateway.stop()
	e.gateway = nil
	if e.gwConfig == "" {
		if err := e.writeGatewayConfig(o.routes); err != nil {
			return err
		}
	}
	if err := e.startGateway(ctx, "gateway-large"); err != nil {
		return err
	}
	l := &Large{TargetMB: largeTargetMB}
	res.Large = l
	g := benchkit.Group{Name: "gateway", PIDs: []int{e.gateway.pid()}}
	st, err := g.Read()
	if err != nil {
		return err
	}
	l.GatewayStartMB, l.StartPeakMB = mb(st.RSS), mb(st.PeakRSS)
	// The peak that counts is the transfers': loading the catalogue at
	// start has its own (reported) peak.
	if err := benchkit.ResetPeakRSS(e.gateway.pid()); err != nil {
		return err
	}
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{TLSClientConfig: e.clientTLS, DisableCompression: true}}
	defer client.CloseIdleConnections()
	url := "https://" + e.gwAddr + "/vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21"

	// 100 MB request, small answer.
	start := time.Now()
	n, err := post(ctx, client, url, benchkit.LargeRequest(benchkit.BenchContract, benchkit.BenchReceiver(o.routes), benchkit.HundredMB), benchkit.HundredMB)
	if err == nil && n != benchkit.SmallSize {
		err = fmt.Errorf("answer of %d bytes, want %d", n, benchkit.SmallSize)
	}
	if err != nil {
		l.Error = "100 MB request: " + err.Error()
		return nil
	}
	l.RequestS = time.Since(start).Seconds()
	l.RequestMBps = 100 / l.RequestS

	// Small request, 100 MB answer.
	start = time.Now()
	body := benchkit.Request(benchkit.BenchContract, benchkit.LargeReceiver)
	n, err = post(ctx, client, url, bytes.NewReader(body), int64(len(body)))
	if err == nil && n != benchkit.HundredMB {
		err = fmt.Errorf("answer of %d bytes, want %d", n, benchkit.HundredMB)
	}
	if err != nil {
		l.Error = "100 MB response: " + err.Error()
		return nil
	}
	l.ResponseS = time.Since(start).Seconds()
	l.ResponseMBps = 100 / l.ResponseS
	if st, err = g.Read(); err != nil {
		return err
	}
	l.GatewayPeakMB = mb(st.PeakRSS)
	l.Met = l.GatewayPeakMB < largeTargetMB
	fmt.Fprintf(os.Stderr, "bench: 100 MB request %.2f s, response %.2f s, gateway peak RSS %.1f MB\n", l.RequestS, l.ResponseS, l.GatewayPeakMB)
	return nil
}

// post sends body and returns the size of a 200 answer.
func post(ctx context.Context, c *http.Client, url string, body io.Reader, length int64) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return 0, err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return n, nil
}
