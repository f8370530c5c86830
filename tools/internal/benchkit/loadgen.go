package benchkit

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one server the load generator calls: the gateway, nginx or the
// producer directly. Every target gets the same request bytes (apart from
// Host and path), the same client certificate when TLS is set, and the
// same number of keep-alive connections.
type Target struct {
	Name string
	Addr string      // host:port on loopback
	Path string      // request path
	TLS  *tls.Config // nil: plain HTTP (the producer called directly)
	Body []byte
	// Timeout bounds each call (write and read); default 10s.
	Timeout time.Duration
}

// request builds the raw HTTP/1.1 request once: the generator writes the
// same bytes on every call so its own cost is the same for every target.
func (t Target) request() []byte {
	return []byte("POST " + t.Path + " HTTP/1.1\r\n" +
		"Host: " + t.Addr + "\r\n" +
		"User-Agent: rivgate-bench\r\n" +
		"Content-Type: text/xml; charset=UTF-8\r\n" +
		`SOAPAction: "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"` + "\r\n" +
		"Content-Length: " + strconv.Itoa(len(t.Body)) + "\r\n\r\n" +
		string(t.Body))
}

// conn is one keep-alive connection owned by one worker.
type conn struct {
	t   Target
	nc  net.Conn
	br  *bufio.Reader
	req []byte
}

func (t Target) dial(ctx context.Context) (*conn, error) {
	timeout := t.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	d := &net.Dialer{Timeout: timeout}
	var nc net.Conn
	var err error
	if t.TLS != nil {
		td := &tls.Dialer{NetDialer: d, Config: t.TLS}
		nc, err = td.DialContext(ctx, "tcp", t.Addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", t.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s %s: %w", t.Name, t.Addr, err)
	}
	return &conn{t: t, nc: nc, br: bufio.NewReaderSize(nc, 16<<10), req: t.request()}, nil
}

// do sends one call and reads the whole answer; a non-200 status is an
// error, and so is a connection the server closed.
func (c *conn) do() error {
	timeout := c.t.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	if _, err := c.nc.Write(c.req); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if resp.Close {
		// A complete answer on a connection the server ends (a
		// keep-alive request limit): the call counts, the worker redials.
		return errReconnect
	}
	return nil
}

// errReconnect: the call succeeded but the connection must be replaced.
var errReconnect = errors.New("server closed the connection after the answer")

func (c *conn) close() { _ = c.nc.Close() }

// Result is one run against one target.
type Result struct {
	Target    string
	Conns     int
	Rate      float64       // requested rate (0: as fast as possible)
	Duration  time.Duration // measured window
	Requests  int64         // completed with 200 in the window
	Errors    int64
	FirstErr  string
	Latencies []time.Duration // fixed-rate runs: from the scheduled send time
}

// RPS is completed calls per second in the measured window.
func (r Result) RPS() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Duration.Seconds()
}

// Quantile returns the q-quantile (0..1) of the latencies (nearest rank).
func (r Result) Quantile(q float64) time.Duration {
	return Quantile(r.Latencies, q)
}

// Quantile is the nearest-rank q-quantile of sorted latencies.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// Window marks the measured part of a run: Start and End are called right
// when it begins and ends, so CPU time can be read from /proc at the same
// moments.
type Window struct {
	Start, End func()
}

// errorTracker keeps the count and the first message.
type errorTracker struct {
	n     atomic.Int64
	once  sync.Once
	first string
}

func (e *errorTracker) add(err error) {
	e.n.Add(1)
	e.once.Do(func() { e.first = err.Error() })
}

// MaxRate drives t as fast as it answers with conns closed-loop workers,
// one keep-alive connection each: warmup first, then dur measured.
func MaxRate(ctx context.Context, t Target, conns int, warmup, dur time.Duration, w Window) (Result, error) {
	cs, err := dialAll(ctx, t, conns)
	if err != nil {
		return Result{}, err
	}
	var measuring, stop atomic.Bool
	var done atomic.Int64
	var errs errorTracker
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker(ctx, t, c, &stop, &errs, func() {
				if measuring.Load() {
					done.Add(1)
				}
			})
		}()
	}
	sleepCtx(ctx, warmup)
	if w.Start != nil {
		w.Start()
	}
	begin := time.Now()
	measuring.Store(true)
	sleepCtx(ctx, dur)
	measuring.Store(false)
	elapsed := time.Since(begin)
	n := done.Load()
	if w.End != nil {
		w.End()
	}
	stop.Store(true)
	wg.Wait()
	return Result{Target: t.Name, Conns: conns, Duration: elapsed, Requests: n, Errors: errs.n.Load(), FirstErr: errs.first}, ctx.Err()
}

// worker calls until stop, redialling after a failed call; each call runs
// ok on success. The worker owns c and closes it.
func worker(ctx context.Context, t Target, c *conn, stop *atomic.Bool, errs *errorTracker, ok func()) {
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	for !stop.Load() && ctx.Err() == nil {
		if c == nil {
			var err error
			if c, err = t.dial(ctx); err != nil {
				errs.add(err)
				sleepCtx(ctx, 10*time.Millisecond)
				continue
			}
		}
		err := c.do()
		if err == nil || err == errReconnect {
			ok()
		} else {
			errs.add(err)
		}
		if err != nil {
			c.close()
			c = nil
		}
	}
}

// FixedRate sends calls at rate per second for warmup+dur on an open-loop
// schedule spread over conns keep-alive connections; latency is measured
// from each call's scheduled time, so a stalled server cannot hide its
// queue (no coordinated omission). Only calls scheduled after warmup are
// recorded.
func FixedRate(ctx context.Context, t Target, conns int, rate float64, warmup, dur time.Duration, w Window) (Result, error) {
	if rate <= 0 {
		return Result{}, fmt.Errorf("fixed rate %v: must be > 0", rate)
	}
	cs, err := dialAll(ctx, t, conns)
	if err != nil {
		return Result{}, err
	}
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now().Add(10 * time.Millisecond)
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(dur)
	total := int64((warmup + dur) / interval)
	var next atomic.Int64
	var errs errorTracker
	lats := make([][]time.Duration, len(cs))
	var started sync.Once
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if c != nil {
					c.close()
				}
			}()
			local := make([]time.Duration, 0, int(float64(dur/time.Second+1)*rate)/len(cs)+16)
			for ctx.Err() == nil {
				k := next.Add(1) - 1
				if k >= total {
					break
				}
				due := start.Add(time.Duration(k) * interval)
				if wait := time.Until(due); wait > 0 {
					time.Sleep(wait)
				}
				if !due.Before(measureFrom) && w.Start != nil {
					started.Do(w.Start)
				}
				if c == nil {
					var err error
					if c, err = t.dial(ctx); err != nil {
						errs.add(err)
						continue
					}
				}
				err := c.do()
				lat := time.Since(due)
				if err != nil {
					c.close()
					c = nil
					if err != errReconnect {
						errs.add(err)
						continue
					}
				}
				if !due.Before(measureFrom) {
					local = append(local, lat)
				}
			}
			lats[i] = local
		}()
	}
	wg.Wait()
	if w.End != nil {
		w.End()
	}
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.Sort(all)
	return Result{Target: t.Name, Conns: conns, Rate: rate, Duration: end.Sub(measureFrom), Requests: int64(len(all)),
		Errors: errs.n.Load(), FirstErr: errs.first, Latencies: all}, ctx.Err()
}

func dialAll(ctx context.Context, t Target, n int) ([]*conn, error) {
	if n <= 0 {
		return nil, fmt.Errorf("%s: %d connections: must be > 0", t.Name, n)
	}
	cs := make([]*conn, 0, n)
	for range n {
		c, err := t.dial(ctx)
		if err != nil {
			for _, c := range cs {
				c.close()
			}
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// sleepCtx sleeps d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// Probe makes one call to t and returns the size of the answer's body; a
// non-200 answer or a failed call is an error.
func Probe(ctx context.Context, t Target) (int64, error) {
	c, err := t.dial(ctx)
	if err != nil {
		return 0, err
	}
	defer c.close()
	timeout := t.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	if _, err := c.nc.Write(c.req); err != nil {
		return 0, fmt.Errorf("%s: write: %w", t.Name, err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: read response: %w", t.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, fmt.Errorf("%s: read body: %w", t.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return int64(len(body)), fmt.Errorf("%s: HTTP %d: %.300s", t.Name, resp.StatusCode, body)
	}
	return int64(len(body)), nil
}
