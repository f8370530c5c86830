// Package cannedproducer is a keep-alive HTTP/1.1 producer for
// benchmarks that allocates nothing per call (no net/http): it reads a
// request head, skips Content-Length bytes of body and writes a canned
// answer, so a benchmark's allocations are the caller's own.
package cannedproducer

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
)

// Answer is a 200 answer with body as text/xml and its Content-Length.
func Answer(body []byte) []byte {
	return []byte("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body))
}

// Serve answers every request on every connection ln accepts with answer,
// until ln is closed.
func Serve(ln net.Listener, answer []byte) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serve(c, answer)
	}
}

func serve(c net.Conn, answer []byte) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	for {
		length := -1
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(line) <= 2 {
				break
			}
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
				length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
			}
		}
		if length < 0 {
			return // the callers send Content-Length
		}
		if _, err := br.Discard(length); err != nil {
			return
		}
		if _, err := c.Write(answer); err != nil {
			return
		}
	}
}
