package envelope

import (
	"bytes"
	"strings"
	"testing"
)

// TestSniffIntoSameAsSniff: one Storage and one Sniffer reused over every
// seed (a small head, a large one that grows the buffer, UTF-16, errors)
// give what a fresh Sniff gives, and the Info strings of an earlier call
// stay as they were after the Storage is sniffed into again.
func TestSniffIntoSameAsSniff(t *testing.T) {
	var msgs [][]byte
	addSeeds(nil, func(b []byte) { msgs = append(msgs, b) })
	msgs = append(msgs,
		[]byte(env(strings.Repeat(`<h:X xmlns:h="urn:h">`+strings.Repeat("x", 500)+`</h:X>`, 40), pingBody)), // a 20 KB head
		bigRequest(2<<10))
	var z Sniffer
	var st Storage
	type kept struct{ receiver, contract string }
	var earlier []kept
	for round := range 2 {
		for i, msg := range msgs {
			want, wantHead, wantErr := Sniff(bytes.NewReader(msg), Options{})
			got, head, err := z.SniffInto(&st, bytes.NewReader(msg), Options{})
			if errString(err) != errString(wantErr) || !bytes.Equal(head, wantHead) {
				t.Fatalf("message %d: SniffInto error %v, head of %d bytes; Sniff %v, %d bytes", i, err, len(head), wantErr, len(wantHead))
			}
			if err != nil {
				continue
			}
			if !infoEqual(got, want) {
				t.Fatalf("message %d: SniffInto\n%+v\nSniff\n%+v", i, got, want)
			}
			if round == 0 {
				earlier = append(earlier, kept{got.Receiver, got.Body.Space})
			}
		}
	}
	k := 0
	for _, msg := range msgs {
		info, err := SniffBytes(msg)
		if err != nil {
			continue
		}
		if earlier[k].receiver != info.Receiver || earlier[k].contract != info.Body.Space {
			t.Fatalf("strings of an earlier SniffInto changed: %+v, want %q %q", earlier[k], info.Receiver, info.Body.Space)
		}
		k++
	}
}

// TestSniffIntoAllocations: with its Storage and Sniffer reused, a sniff
// of a UTF-8 message allocates only the Info's strings.
func TestSniffIntoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates too; counted without -race")
	}
	msg := bigRequest(2 << 10)
	var z Sniffer
	var st Storage
	r := bytes.NewReader(msg)
	got := testing.AllocsPerRun(100, func() {
		r.Reset(msg)
		if _, _, err := z.SniffInto(&st, r, Options{}); err != nil {
			t.Fatal(err)
		}
	})
	if got != 1 {
		t.Fatalf("SniffInto allocates %v times per call, want 1 (the Info's strings)", got)
	}
}
