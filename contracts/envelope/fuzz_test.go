package envelope

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// addSeeds adds small messages covering the scanner's paths, and VP's
// samples when ../shared is there (testdata/fuzz holds more, checked in).
func addSeeds(f *testing.F, add func([]byte)) {
	for _, s := range []string{
		getCertificate("UnitTest"),
		getActivities21(" UnitTest"),
		getActivities20("   "),
		env(`<a:To xmlns:a="`+wsa+`">SE&amp;1<!--c--><![CDATA[x]]></a:To><h:B xmlns:h="urn:h"><i>t</i></h:B>`, pingBody),
		"\xEF\xBB\xBF<?xml version='1.0' encoding='UTF-16'?><!--x--><?p?>" + env(`<LogicalAddress xmlns="`+registry+`"/>`, `<x:A xmlns:x="u"/>`),
		`<?xml version="1.0" encoding="ISO-8859-1"?><e:Envelope xmlns:e="` + SOAP12NS + `"><e:Body><B/></e:Body></e:Envelope>`,
		"<!DOCTYPE x><x/>",
		"<x/>",
	} {
		add([]byte(s))
	}
	add(toUTF16(env(`<a:To xmlns:a="`+wsa+`">Vård</a:To>`, pingBody), false, true))
	if files, err := filepath.Glob("../../../shared/rivta/samples/skltp-vp/testfiles/*Request*.xml"); err == nil {
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				add(b)
			}
		}
	}
}

// FuzzSniff: no panic; offsets inside the input; head a prefix of the
// input; the same answer from bytes, from a reader and from a one-byte
// reader; re-sniffing head gives the same; and where the encoding/xml
// reference also reads the message, both agree.
func FuzzSniff(f *testing.F) {
	addSeeds(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, msg []byte) {
		info, err := SniffBytes(msg)
		sInfo, head, sErr := Sniff(bytes.NewReader(msg), Options{})
		if !bytes.HasPrefix(msg, head) {
			t.Fatalf("head (%d bytes) is not a prefix of the input (%d bytes)", len(head), len(msg))
		}
		oInfo, oHead, oErr := Sniff(&oneByte{b: msg}, Options{})
		if !bytes.HasPrefix(msg, oHead) {
			t.Fatalf("one-byte head is not a prefix of the input")
		}
		if errString(err) != errString(sErr) || errString(err) != errString(oErr) {
			t.Fatalf("errors differ: bytes %v, reader %v, one-byte reader %v", err, sErr, oErr)
		}
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("SniffBytes error %T %v is not a *SyntaxError", err, err)
			}
			if se.Line < 1 || se.Column < 1 {
				t.Fatalf("position %d:%d", se.Line, se.Column)
			}
			return
		}
		if !infoEqual(info, sInfo) || !infoEqual(info, oInfo) {
			t.Fatalf("results differ:\nbytes  %+v\nreader %+v\none    %+v", info, sInfo, oInfo)
		}
		if info.BodyStart < 0 || info.BodyStart >= int64(len(head)) {
			t.Fatalf("BodyStart %d outside head of %d bytes", info.BodyStart, len(head))
		}
		if !hasASCII(msg, int(info.BodyStart), "<", info.Charset) {
			t.Fatalf("BodyStart %d is not at a '<'", info.BodyStart)
		}
		for _, sp := range info.recv {
			if sp.start < 0 || sp.endEnd > int(info.BodyStart) || !spansFit(msg, []span{sp}, info.Charset) {
				t.Fatalf("receiver element span %+v does not fit the input", sp)
			}
		}
		again, err := SniffBytes(head)
		if err != nil || !infoEqual(info, again) {
			t.Fatalf("re-sniffing head: %v\n%+v\n%+v", err, info, again)
		}
		if info.HasReceiver != (info.Receiver != "") || info.HasReceiver && info.Profile == "" {
			t.Fatalf("receiver %q has=%v profile %q", info.Receiver, info.HasReceiver, info.Profile)
		}

		if info.Charset == "UTF-16LE" || info.Charset == "UTF-16BE" {
			return // the reference reads no UTF-16
		}
		ref, rerr := refSniff(msg)
		if rerr != nil {
			// encoding/xml is more lenient than XML in places, but it must
			// never reject what we accept, with the exceptions it is known
			// for: it skips no BOM, knows only the XML 1.0 2nd-edition name
			// characters, and reads only version="1.0" (XML 1.0 fifth
			// edition reads any 1.x as 1.0, and so do VP's StAX and we).
			if !bytes.HasPrefix(msg, []byte("\xEF\xBB\xBF")) && !hasNonASCIIName(msg) &&
				!strings.Contains(rerr.Error(), "unsupported version") {
				t.Fatalf("we accept what encoding/xml rejects (%v):\n%q", rerr, msg)
			}
			return
		}
		if ref.version != info.Version || ref.receiver != info.Receiver || ref.has != info.HasReceiver ||
			ref.profile != info.Profile || ref.body != info.Body ||
			ref.bodyStart != info.BodyStart && info.Charset == "UTF-8" || // encoding/xml counts transcoded bytes
			!headersEqual(ref.headers, info.Headers) {
			t.Fatalf("reference disagrees:\nref  %+v\nours %+v\n%q", ref, info, msg)
		}
	})
}

// FuzzRewriteProfile: a rewrite gives the other profile with the same
// receiver and body, leaves every byte from the body element on alone,
// still reads as XML (ours and encoding/xml), and rewriting back restores
// the profile.
func FuzzRewriteProfile(f *testing.F) {
	addSeeds(f, func(b []byte) { f.Add(b, true); f.Add(b, false) })
	f.Fuzz(func(t *testing.T, msg []byte, to21 bool) {
		to := rivta.RIVTABP20
		if to21 {
			to = rivta.RIVTABP21
		}
		info, err := SniffBytes(msg)
		if err != nil {
			if _, rerr := RewriteProfile(msg, &Info{Profile: rivta.RIVTABP20}, to); rerr == nil && to != rivta.RIVTABP20 {
				t.Fatalf("rewrote a message that does not sniff (%v)", err)
			}
			return
		}
		out, err := RewriteProfile(msg, info, to)
		switch {
		case info.Profile == "":
			if !errors.Is(err, ErrNoProfile) {
				t.Fatalf("no profile: got %v", err)
			}
			return
		case err != nil:
			t.Fatalf("rewrite %s -> %s: %v\n%q", info.Profile, to, err, msg)
		case info.Profile == to:
			if !bytes.Equal(out, msg) {
				t.Fatalf("same profile changed the message")
			}
			return
		}
		got, err := SniffBytes(out)
		if err != nil {
			t.Fatalf("rewritten message does not sniff: %v\n%q\n%q", err, msg, out)
		}
		if got.Profile != to || got.Receiver != info.Receiver || got.HasReceiver != info.HasReceiver ||
			got.Body != info.Body || got.Version != info.Version || len(got.Headers) != len(info.Headers) {
			t.Fatalf("rewrite changed more than the profile:\nin  %+v\nout %+v\n%q", info, got, out)
		}
		if !bytes.Equal(msg[info.BodyStart:], out[got.BodyStart:]) {
			t.Fatalf("bytes from the body element on changed")
		}
		if info.Charset != "UTF-16LE" && info.Charset != "UTF-16BE" {
			if _, rerr := refSniff(msg); rerr == nil {
				if _, rerr := refSniff(out); rerr != nil {
					t.Fatalf("encoding/xml read the input but not the rewrite: %v\n%q", rerr, out)
				}
			}
		}
		back, err := RewriteProfile(out, got, info.Profile)
		if err != nil {
			t.Fatalf("rewrite back: %v", err)
		}
		final, err := SniffBytes(back)
		if err != nil || final.Profile != info.Profile || final.Receiver != info.Receiver {
			t.Fatalf("round trip: %v %+v", err, final)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func infoEqual(a, b *Info) bool {
	if a.Version != b.Version || a.Receiver != b.Receiver || a.HasReceiver != b.HasReceiver || a.Profile != b.Profile ||
		a.Body != b.Body || a.BodyStart != b.BodyStart || a.Charset != b.Charset || a.DeclaredCharset != b.DeclaredCharset ||
		!headersEqual(a.Headers, b.Headers) || len(a.recv) != len(b.recv) {
		return false
	}
	for i := range a.recv {
		if a.recv[i] != b.recv[i] {
			return false
		}
	}
	return true
}

func headersEqual(a, b []HeaderElement) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hasNonASCIIName is a rough test for a non-ASCII byte right after '<' or
// in a tag: where encoding/xml's older name tables may disagree.
func hasNonASCIIName(msg []byte) bool {
	in := false
	for _, c := range msg {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case in && c >= 0x80:
			return true
		}
	}
	return false
}
