package envelope

import (
	"bytes"
	"testing"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// benchMessages are a 2 KB request and the same request with a 10 MB
// body: the sniff must cost the same for both.
func benchMessages() []struct {
	name string
	msg  []byte
} {
	return []struct {
		name string
		msg  []byte
	}{
		{"2KB", bigRequest(2 << 10)},
		{"10MB", bigRequest(10 << 20)},
	}
}

func BenchmarkSniff(b *testing.B) {
	for _, m := range benchMessages() {
		b.Run(m.name, func(b *testing.B) {
			r := bytes.NewReader(m.msg)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(m.msg)
				if _, _, err := Sniff(r, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSniffBytes(b *testing.B) {
	for _, m := range benchMessages() {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SniffBytes(m.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSniffVPSample is a real VP request: license comment, Actor
// header, declarations on Envelope.
func BenchmarkSniffVPSample(b *testing.B) {
	msg := vpTestfile(b, "GetSubjectOfCareRequest21.xml")
	r := bytes.NewReader(msg)
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(msg)
		if _, _, err := Sniff(r, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSniffUTF16(b *testing.B) {
	for _, m := range benchMessages() {
		msg := toUTF16(string(m.msg), false, true)
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SniffBytes(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSnifferReused is the gateway's path: a Sniffer from a pool
// sniffs each request body as it streams in.
func BenchmarkSnifferReused(b *testing.B) {
	for _, m := range benchMessages() {
		b.Run(m.name, func(b *testing.B) {
			var z Sniffer
			r := bytes.NewReader(m.msg)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(m.msg)
				if _, _, err := z.Sniff(r, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSniffInto is the gateway's path with the call's own Storage
// (pooled with the call): only the Info's strings are allocated.
func BenchmarkSniffInto(b *testing.B) {
	for _, m := range benchMessages() {
		b.Run(m.name, func(b *testing.B) {
			var z Sniffer
			var st Storage
			r := bytes.NewReader(m.msg)
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(m.msg)
				if _, _, err := z.SniffInto(&st, r, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReferenceRawToken is the same job done with encoding/xml
// RawToken and a namespace stack (ref_test.go), for comparison.
func BenchmarkReferenceRawToken(b *testing.B) {
	for _, m := range benchMessages() {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := refSniff(m.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRewriteProfile(b *testing.B) {
	for _, m := range benchMessages() {
		r := bytes.NewReader(m.msg)
		info, head, err := Sniff(r, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(m.name+"/20to21", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := RewriteProfile(head, info, rivta.RIVTABP21); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
