// Package hostiletest holds what the gateway's and the conformance
// harness's hostile-input tests share: the pieces of a RIV-TA 2.1 call,
// the committed corpus in fixtures/hostile, the generators of the big
// inputs (streamed, so a 50 MB input never sits in memory), a raw
// mutual-TLS poster and a sampler of the process's peak heap.
package hostiletest

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Pieces of a RIV-TA 2.1 call (the corpus's own shape): receiver
// RIVTA21REQUEST, GetSubjectOfCareSchedule.
const (
	Env   = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">`
	Hdr   = `<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">RIVTA21REQUEST</LogicalAddress></soap:Header>`
	Body  = `<soap:Body><ns2:GetSubjectOfCareSchedule xmlns:ns2="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"><ns2:healthcare_facility>SE2321000164-7381037590423</ns2:healthcare_facility><ns2:subject_of_care>188803099368</ns2:subject_of_care></ns2:GetSubjectOfCareSchedule></soap:Body>`
	Close = `</soap:Envelope>`
)

// Content types of the corpus's non-plain inputs.
const (
	MTOM   = `multipart/related; type="application/xop+xml"; boundary="MIMEBoundary_1"; start="<root@x>"; start-info="text/xml"`
	SOAP12 = "application/soap+xml; charset=utf-8"
)

// entityTarget is where the corpus's external entities point; Open
// replaces it so a test can count fetches.
const entityTarget = "127.0.0.1:1"

// Dir is fixtures/hostile in this checkout.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "fixtures", "hostile")
}

// Files names every input of the corpus (not its README nor dot files),
// so a test can check it has a row for each.
func Files(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(Dir())
	if err != nil {
		t.Fatalf("fixtures/hostile: %v", err)
	}
	var names []string
	for _, e := range entries {
		if name := e.Name(); name != "README.md" && !strings.HasPrefix(name, ".") {
			names = append(names, name)
		}
	}
	return names
}

// Open reads the corpus file name. With fetchAddr set, the external
// entities that point at 127.0.0.1:1 point at fetchAddr instead, so a
// listener there sees any fetch.
func Open(t testing.TB, name, fetchAddr string) (io.Reader, int64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(), name))
	if err != nil {
		t.Fatal(err)
	}
	if fetchAddr != "" {
		b = bytes.ReplaceAll(b, []byte(entityTarget), []byte(fetchAddr))
	}
	return bytes.NewReader(b), int64(len(b))
}

// CountingListener accepts and counts connections on 127.0.0.1 until the
// test ends: the address to point external entities at.
func CountingListener(t testing.TB) (*atomic.Int64, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return &n, ln.Addr().String()
}

// Gen makes a generated input afresh: its bytes, streamed, and their length.
type Gen func() (io.Reader, int64)

// The generated inputs both tests send.

// QuadraticBlowup declares a 64 KiB internal entity and references it
// 20,000 times in the header.
func QuadraticBlowup() Gen {
	return stream(`<?xml version="1.0"?>`+"\n"+`<!DOCTYPE soap:Envelope [<!ENTITY a "`, 64<<10, "a", `">]>`+Env+`<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">`, 20000, "&a;", `</LogicalAddress></soap:Header>`+Body+Close)
}

// DeepHeader nests 100,000 elements in Header.
func DeepHeader() Gen {
	return stream(Env+Hdr[:len(Hdr)-len("</soap:Header>")], 100000, "<x>", 100000, "</x>", "</soap:Header>"+Body+Close)
}

// DeepBody nests 100,000 elements inside the first Body child.
func DeepBody() Gen {
	const end = "</ns2:GetSubjectOfCareSchedule></soap:Body>"
	return stream(Env+Hdr+Body[:len(Body)-len(end)], 100000, "<x>", 100000, "</x>", end+Close)
}

// BigAttribute puts a 50 MB attribute on Envelope.
func BigAttribute() Gen {
	return stream(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" a="`, 50_000_000, "a", `">`+Hdr+Body+Close)
}

// BigHeader puts a 20 MB element in Header.
func BigHeader() Gen {
	return stream(Env+`<soap:Header><LogicalAddress xmlns="urn:riv:itintegration:registry:1">RIVTA21REQUEST</LogicalAddress><Big>`, 20_000_000, "x", `</Big></soap:Header>`+Body+Close)
}

// ManyDeclarations puts 1,000,000 namespace declarations
// (xmlns:p0="urn:p0" ...) on Envelope, generated as they are read.
func ManyDeclarations() Gen {
	const count = 1_000_000
	var n int64 // their length, counted once
	return func() (io.Reader, int64) {
		head := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"`
		tail := ">" + Hdr + Body + Close
		if n == 0 {
			var buf []byte
			for i := range count {
				buf = decl(buf[:0], i)
				n += int64(len(buf))
			}
		}
		return io.MultiReader(strings.NewReader(head), &items{n: count, item: decl}, strings.NewReader(tail)), int64(len(head)+len(tail)) + n
	}
}

// stream streams its parts: strings, or a count followed by a string to
// repeat that many times (generated as read: nothing big is held).
func stream(parts ...any) Gen {
	return func() (io.Reader, int64) {
		var rs []io.Reader
		var n int64
		for i := 0; i < len(parts); i++ {
			switch p := parts[i].(type) {
			case string:
				rs = append(rs, strings.NewReader(p))
				n += int64(len(p))
			case int:
				s := parts[i+1].(string)
				rs = append(rs, repeat(s, p))
				n += int64(p) * int64(len(s))
				i++
			}
		}
		return io.MultiReader(rs...), n
	}
}

// items yields item(b, i) for i from 0 to n-1, appended as read.
type items struct {
	i, n int
	item func(b []byte, i int) []byte
	buf  []byte
}

// repeat yields n copies of s, a few KiB at a time.
func repeat(s string, n int) io.Reader {
	per := max(1, (4<<10)/len(s))
	chunk := strings.Repeat(s, per)
	full := &items{n: n / per, item: func(b []byte, _ int) []byte { return append(b, chunk...) }}
	return io.MultiReader(full, strings.NewReader(strings.Repeat(s, n%per)))
}

func (r *items) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.i < r.n {
		r.buf = r.item(r.buf, r.i)
		r.i++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}

// decl appends the namespace declaration xmlns:pI="urn:pI".
func decl(b []byte, i int) []byte {
	b = append(b, " xmlns:p"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `="urn:p`...)
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, '"')
}
