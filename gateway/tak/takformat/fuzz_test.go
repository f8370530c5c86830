package takformat_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
)

// Fuzz targets for each TAK reader (issue 11). Each checks: no panic (a TAK
// file is read on every reload of a running gateway), errors name the file,
// and what reads is written back in the same format and reads again with
// the same entries (entryKeys: what lookups see). The fast cache scanner
// has its own target, FuzzCacheScanner. Seeds: testdata/fuzz/<target>, the
// literals below, and the real samples in ../shared/rivta when present.
//
//	go test -run '^$' -fuzz '^FuzzReadYAML$' -fuzztime 1m ./gateway/tak/takformat

func fuzzLoc(f *testing.F) *time.Location {
	loc, err := takdata.LoadZone("")
	if err != nil {
		f.Fatal(err)
	}
	return loc
}

// addShared adds files under ../shared/rivta (relative to the module root)
// as seeds when they are there.
func addShared(f *testing.F, rel ...string) {
	for _, r := range rel {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "rivta", r))
		if err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
}

// roundTrip reads b as format want (skipping inputs detected as another
// format), writes what it read in that format and reads it again.
func roundTrip(t *testing.T, b []byte, want takformat.Format, loc *time.Location) {
	if takformat.Detect(b) != want {
		return
	}
	opt := takformat.Options{Location: loc}
	d, err := takformat.Read("fuzz."+string(want), b, opt)
	if err != nil {
		if !strings.HasPrefix(err.Error(), "fuzz."+string(want)) {
			t.Fatalf("error does not name the file: %v", err)
		}
		return
	}
	var buf bytes.Buffer
	if err := takformat.Write(&buf, want, d, opt); err != nil {
		return // not every value read can be written (e.g. dates outside a format's range)
	}
	back, err := takformat.Read("again."+string(want), buf.Bytes(), opt)
	if err != nil {
		t.Fatalf("what was read and written does not read again: %v\nwritten:\n%.2000s", err, buf.Bytes())
	}
	w, g := entryKeys(d, want), entryKeys(back, want)
	if len(w) != len(g) {
		t.Fatalf("%d entries became %d\nwritten:\n%.2000s", len(w), len(g), buf.Bytes())
	}
	for i := range w {
		if w[i] != g[i] {
			t.Fatalf("entry %d changed:\n was %s\n now %s\nwritten:\n%.2000s", i, w[i], g[i], buf.Bytes())
		}
	}
}

func FuzzReadYAML(f *testing.F) {
	loc := fuzzLoc(f)
	for _, s := range []string{
		"routes: []\n",
		"routes:\n  - {receiver: SE1, contract: urn:riv:a:XResponder:1, profile: RIVTABP21, address: http://p/x, from: 2024-01-01, to: 2025-06-30}\n",
		"permissions:\n  - sender: C1\n    receiver: \"*\"\n    contract: urn:riv:a:XResponder:1\n    filters:\n      - serviceDomain: urn:riv:a\n        categorizations: [c1, c2]\n",
		"routes:\n  - receiver: SE1\n    contract: c\n    profile: RIVTABP20\n    address: \"\"\n    from: 2025-01-01T08:00:00+01:00\n",
		"routes:\n  - receiver: SE1\n    receiver: SE2\n", // duplicate key
		"routes: [{receiver: &a SE1, contract: *a}]\n",    // anchors
	} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "tak", "example.yaml")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip(t, b, takformat.YAML, loc) })
}

func FuzzReadCache(f *testing.F) {
	loc := fuzzLoc(f)
	for _, s := range []string{
		`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><persistentCache xmlns:ns2="urn:skl:tp:vagvalsinfo:v2"><virtualiseringsInfo><ns2:adress>http://p/x</ns2:adress><ns2:fromTidpunkt>2024-01-01T00:00:00+01:00</ns2:fromTidpunkt><ns2:receiverId>SE1</ns2:receiverId><ns2:rivProfil>RIVTABP21</ns2:rivProfil><ns2:tjansteKontrakt>urn:riv:a:XResponder:1</ns2:tjansteKontrakt><ns2:tomTidpunkt>2125-01-01T00:00:00+01:00</ns2:tomTidpunkt><ns2:virtualiseringsInfoId>1</ns2:virtualiseringsInfoId></virtualiseringsInfo></persistentCache>`,
		`<persistentCache xmlns:ns2="urn:skl:tp:vagvalsinfo:v2"><anropsBehorighetsInfo><ns2:anropsBehorighetsInfoId>2</ns2:anropsBehorighetsInfoId><ns2:fromTidpunkt>2024-01-01T00:00:00</ns2:fromTidpunkt><ns2:receiverId>*</ns2:receiverId><ns2:senderId>C1</ns2:senderId><ns2:tjansteKontrakt>urn:riv:a:XResponder:1</ns2:tjansteKontrakt><ns2:tomTidpunkt>2125-01-01T00:00:00</ns2:tomTidpunkt><ns2:filterInfo><ns2:serviceDomain>urn:riv:a</ns2:serviceDomain><ns2:categorization>c1</ns2:categorization></ns2:filterInfo></anropsBehorighetsInfo></persistentCache>`,
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ns2:hamtaAllaVirtualiseringarResponse xmlns:ns2="urn:skl:tp:vagvalsinfo:v2"/></soap:Body></soap:Envelope>`,
		`<persistentCache/>`,
	} {
		f.Add([]byte(s))
	}
	addShared(f, "samples/skltp-vp/takdata/tak-vagval-test.xml", "samples/skltp-vp/takdata/tak-behorigheter-test.xml")
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip(t, b, takformat.Cache, loc) })
}

// FuzzReadJSON covers both JSON shapes: TAK's /export/pv (relationships by
// natural key) and the PubVersion snapshot (by numeric id).
func FuzzReadJSON(f *testing.F) {
	loc := fuzzLoc(f)
	f.Add([]byte(exportPV))
	for _, s := range []string{
		`{"data":{}}`,
		`{"formatVersion":"1","version":"1","data":{"rivtaprofil":[{"id":2,"namn":"RIVTABP21"}],` +
			`"tjanstekontrakt":[{"id":16,"namnrymd":"urn:riv:a:XResponder:1","majorVersion":1,"minorVersion":0}],` +
			`"logiskadress":[{"id":5,"hsaId":"SE1"}],"tjanstekomponent":[{"id":7,"hsaId":"C1"},{"id":8,"hsaId":"P1"}],` +
			`"anropsadress":[{"id":9,"adress":"http://p/x","relationships":{"rivtaprofil":2,"tjanstekomponent":8}}],` +
			`"vagval":[{"id":11,"fromTidpunkt":"2009-03-10T00:00:00+0100","tomTidpunkt":"2113-12-24T00:00:00+0100","relationships":{"anropsadress":9,"logiskadress":5,"tjanstekontrakt":16}}],` +
			`"anropsbehorighet":[{"id":12,"integrationsavtal":"I1","fromTidpunkt":"2009-03-10T00:00:00+0100","tomTidpunkt":"2113-12-24T00:00:00+0100","relationships":{"logiskAdress":5,"tjanstekomponent":7,"tjanstekontrakt":16}}],` +
			`"filter":[{"id":1,"servicedomain":"urn:riv:a","relationships":{"anropsbehorighet":12}}],` +
			`"filtercategorization":[{"id":1,"category":"c1","relationships":{"filter":1}}]}}`,
		`[1,2,3]`,
	} {
		f.Add([]byte(s))
	}
	addShared(f, "samples/skltp-tak/tak-core/src/test/resources/export.json")
	f.Fuzz(func(t *testing.T, b []byte) { roundTrip(t, b, takformat.JSON, loc) })
}
