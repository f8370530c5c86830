package hostiletest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Request is one raw POST.
type Request struct {
	Path        string // "/" when empty
	ContentType string // text/xml; charset=UTF-8 when empty
	Body        io.Reader
	Size        int64
	// Chunked sends the body without Content-Length, so the server cannot
	// refuse it up front and must stop reading at its limit.
	Chunked bool
}

// Response is the server's answer, its body read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Post sends req over its own TLS connection to addr, writing the body
// while it reads the answer: a server answers a refused message before it
// has read it all and then closes, which a client that first writes
// everything would see as a broken pipe.
func Post(addr string, cfg *tls.Config, req Request) (Response, error) {
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return Response{}, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
	path, contentType := req.Path, req.ContentType
	if path == "" {
		path = "/"
	}
	if contentType == "" {
		contentType = "text/xml; charset=UTF-8"
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := bufio.NewWriterSize(conn, 64<<10)
		length := fmt.Sprintf("Content-Length: %d", req.Size)
		var dst io.Writer = w
		var cw *chunkedWriter
		if req.Chunked {
			length = "Transfer-Encoding: chunked"
			cw = &chunkedWriter{w}
			dst = cw
		}
		fmt.Fprintf(w, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n%s\r\nConnection: close\r\n\r\n", path, addr, contentType, length)
		if _, err := io.Copy(dst, req.Body); err == nil {
			if cw != nil {
				_ = cw.Close()
			}
			_ = w.Flush()
		}
	}()
	defer wg.Wait() // after conn.Close, the writer fails fast
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return Response{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// chunkedWriter writes HTTP/1.1 chunks.
type chunkedWriter struct{ w io.Writer }

func (c *chunkedWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := fmt.Fprintf(c.w, "%x\r\n", len(p)); err != nil {
		return 0, err
	}
	if _, err := c.w.Write(p); err != nil {
		return 0, err
	}
	_, err := io.WriteString(c.w, "\r\n")
	return len(p), err
}

func (c *chunkedWriter) Close() error {
	_, err := io.WriteString(c.w, "0\r\n\r\n")
	return err
}
