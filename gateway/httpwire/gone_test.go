package httpwire

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoneWatch: AfterGone's function runs when the context ends unless
// StopGone took it back first (or the server dropped it after the
// handler), and at once when the context has already ended.
func TestGoneWatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		before   func(r *Request) // between AfterGone and the context's end
		wantRun  bool
		wantStop bool // StopGone's answer after the end
	}{
		{name: "runs when the context ends", wantRun: true},
		{name: "stopped in time", before: func(r *Request) { assert.True(t, r.StopGone()) }},
		{name: "dropped after the handler", before: func(r *Request) { r.gone.clear() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{gone: &goneWatch{}}
			ran := 0
			r.AfterGone(func() { ran++ })
			if tc.before != nil {
				tc.before(r)
			}
			r.gone.fire() // the connection's AfterFunc, here on this goroutine
			assert.Equal(t, tc.wantRun, ran == 1)
			assert.Equal(t, tc.wantStop, r.StopGone())
		})
	}
	t.Run("already gone", func(t *testing.T) {
		r := &Request{gone: &goneWatch{}}
		r.gone.fire()
		ran := make(chan struct{})
		r.AfterGone(func() { close(ran) })
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("the function never ran")
		}
		assert.False(t, r.StopGone())
	})
}

// TestAfterGoneOverTheConnection: the function runs when the consumer
// goes away mid-request, and one a handler left set does not carry over
// to the connection's next request.
func TestAfterGoneOverTheConnection(t *testing.T) {
	t.Parallel()
	fired := make(chan struct{})
	stopAnswer := make(chan bool, 1)
	addr, _ := serve(t, func(w *ResponseWriter, r *Request) {
		switch r.Path {
		case "/leave-set":
			r.AfterGone(func() { t.Error("a function of an earlier request ran") })
		case "/next":
			stopAnswer <- r.StopGone()
		case "/wait":
			r.AfterGone(func() { close(fired) })
			_, _ = io.Copy(io.Discard, r.Body)
			select { // still in the call, as a producer client would be
			case <-fired:
			case <-time.After(10 * time.Second):
			}
		}
	}, Options{})
	c, br := dial(t, addr)
	for _, path := range []string{"/leave-set", "/next"} {
		_, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		resp, _ := readResponse(t, br)
		require.Equal(t, 200, resp.StatusCode)
	}
	assert.False(t, <-stopAnswer, "the server keeps no function of an earlier request")
	_, err := io.WriteString(c, "POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	require.NoError(t, err)
	_ = c.Close()
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("the consumer went away and the function never ran")
	}
}
