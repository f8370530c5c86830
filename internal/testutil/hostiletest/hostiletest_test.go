package hostiletest

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestGenLength: each generator streams exactly the length it declares
// (a test sends it as Content-Length), and the envelope it makes starts and
// ends as a SOAP message.
func TestGenLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		gen  Gen
		min  int64
	}{
		{name: "quadratic blowup", gen: QuadraticBlowup(), min: 64<<10 + 20000*3},
		{name: "deep header", gen: DeepHeader(), min: 700000},
		{name: "deep body", gen: DeepBody(), min: 700000},
		{name: "big attribute", gen: BigAttribute(), min: 50_000_000},
		{name: "big header", gen: BigHeader(), min: 20_000_000},
		{name: "many declarations", gen: ManyDeclarations(), min: 1_000_000 * int64(len(` xmlns:p0="urn:p0"`))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 2 { // a Gen makes its input afresh each time
				r, want := tt.gen()
				var head bytes.Buffer
				n, err := io.Copy(io.Discard, io.TeeReader(io.LimitReader(r, 64), &head))
				if err != nil {
					t.Fatal(err)
				}
				rest, err := io.Copy(io.Discard, r)
				if err != nil {
					t.Fatal(err)
				}
				if got := n + rest; got != want {
					t.Fatalf("streamed %d bytes, declared %d", got, want)
				}
				if want < tt.min {
					t.Errorf("%d bytes, want at least %d", want, tt.min)
				}
				if !strings.HasPrefix(head.String(), "<") || !strings.Contains(head.String(), "soap:Envelope") {
					t.Errorf("starts %q", head.String())
				}
			}
		})
	}
}

// TestItems: the reader yields every item once, whatever the read size.
func TestItems(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 3, 7, 4096, 10000} {
		r := repeat("abc", 5000)
		var out bytes.Buffer
		buf := make([]byte, size)
		for {
			n, err := r.Read(buf)
			out.Write(buf[:n])
			if err == io.EOF {
				break
			}
		}
		if got := out.String(); got != strings.Repeat("abc", 5000) {
			t.Errorf("read size %d: %d bytes, want 15000 of abc", size, len(got))
		}
	}
	r := &items{n: 3, item: decl}
	b, _ := io.ReadAll(r)
	if want := ` xmlns:p0="urn:p0" xmlns:p1="urn:p1" xmlns:p2="urn:p2"`; string(b) != want {
		t.Errorf("declarations %q, want %q", b, want)
	}
}
