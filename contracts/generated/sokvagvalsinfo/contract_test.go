package sokvagvalsinfo_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/contracts/generated/gentest"
	"github.com/rivgate/rivgate/contracts/generated/soapxml"
	svi "github.com/rivgate/rivgate/contracts/generated/sokvagvalsinfo"
)

// parseRequest decodes whichever of the four request elements the envelope holds.
func parseRequest(b []byte) (any, error) {
	var v any
	switch gentest.BodyName(b).Local {
	case svi.RequestElementHamtaAllaVirtualiseringar:
		v = new(svi.HamtaAllaVirtualiseringar)
	case svi.RequestElementHamtaAllaAnropsBehorigheter:
		v = new(svi.HamtaAllaAnropsBehorigheter)
	case svi.RequestElementHamtaAllaTjanstekontrakt:
		v = new(svi.HamtaAllaTjanstekontrakt)
	case svi.RequestElementHamtaAllaTjanstekomponenter:
		v = new(svi.HamtaAllaTjanstekomponenter)
	default:
		return nil, errors.New("no SokVagvalsInfo request element")
	}
	return v, soapxml.Unmarshal(b, v)
}

func TestPublishedRequestsRoundTrip(t *testing.T) {
	names := gentest.RoundTrip{
		NS:      svi.Namespace,
		Schemas: gentest.PlatformSchemas(t),
		Parse:   parseRequest,
		Marshal: func(body any, _ string, _, _ bool) ([]byte, error) { return soapxml.Marshal(body) },
	}.Run(t)
	for _, op := range []string{svi.RequestElementHamtaAllaVirtualiseringar, svi.RequestElementHamtaAllaAnropsBehorigheter} {
		if !strings.Contains(strings.Join(names, " "), op) {
			t.Errorf("no published %s request among the samples", op)
		}
	}
}

// readCache reads VP's local TAK cache (persistentCache): its
// virtualiseringsInfo and anropsBehorighetsInfo elements have the same
// content as TAK's SOAP answers, but the wrapper elements are unqualified.
func readCache(t *testing.T, path string) (routes []*svi.VirtualiseringsInfo, perms []*svi.AnropsBehorighetsInfo) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return routes, perms
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch se := tok.(type) {
		case xml.StartElement:
			depth++
			if depth != 2 {
				continue
			}
			se.Name.Space = svi.Namespace // qualify the wrapper as TAK's answer does
			switch se.Name.Local {
			case "virtualiseringsInfo":
				v := new(svi.VirtualiseringsInfo)
				if err := d.DecodeElement(v, &se); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				routes = append(routes, v)
			case "anropsBehorighetsInfo":
				v := new(svi.AnropsBehorighetsInfo)
				if err := d.DecodeElement(v, &se); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				perms = append(perms, v)
			default:
				t.Fatalf("%s: unexpected element %s", path, se.Name.Local)
			}
			depth--
		case xml.EndElement:
			depth--
		}
	}
}

// TestResponsesFromRealTAKData builds the two answers VP depends on from
// VP's own TAK test data, marshals them and lets xmllint judge them. The TAK
// schema types tjansteKontrakt as xs:NCName, which no contract namespace
// (urn:riv:...:1, with colons) is: every such value is invalid upstream, so
// the answer is validated twice, as is (only those errors allowed) and with
// the colons replaced (no error allowed).
func TestResponsesFromRealTAKData(t *testing.T) {
	dir := filepath.Join(gentest.RivtaDir(t), "samples", "skltp-vp", "takdata")
	routes, _ := readCache(t, filepath.Join(dir, "tak-vagval-test.xml"))
	_, perms := readCache(t, filepath.Join(dir, "tak-behorigheter-test.xml"))
	if len(routes) == 0 || len(perms) == 0 {
		t.Fatalf("read %d routes and %d permissions", len(routes), len(perms))
	}
	schemas := gentest.PlatformSchemas(t)
	tests := []struct {
		name  string
		body  func(ncname bool) any
		parse func([]byte) (any, error)
	}{
		{
			name: "hamtaAllaVirtualiseringarResponse",
			body: func(ncname bool) any {
				r := &svi.HamtaAllaVirtualiseringarResponse{}
				for _, v := range routes {
					c := *v
					if ncname {
						c.TjansteKontrakt = svi.NCName(strings.ReplaceAll(string(c.TjansteKontrakt), ":", "_"))
					}
					r.VirtualiseringsInfo = append(r.VirtualiseringsInfo, &c)
				}
				return r
			},
			parse: func(b []byte) (any, error) {
				v := new(svi.HamtaAllaVirtualiseringarResponse)
				return v, soapxml.Unmarshal(b, v)
			},
		},
		{
			name: "hamtaAllaAnropsBehorigheterResponse",
			body: func(ncname bool) any {
				r := &svi.HamtaAllaAnropsBehorigheterResponse{}
				for _, v := range perms {
					c := *v
					if ncname {
						c.TjansteKontrakt = svi.NCName(strings.ReplaceAll(string(c.TjansteKontrakt), ":", "_"))
					}
					r.AnropsBehorighetsInfo = append(r.AnropsBehorighetsInfo, &c)
				}
				return r
			},
			parse: func(b []byte) (any, error) {
				v := new(svi.HamtaAllaAnropsBehorigheterResponse)
				return v, soapxml.Unmarshal(b, v)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			asIs := tt.body(false)
			msg, err := soapxml.Marshal(asIs)
			if err != nil {
				t.Fatal(err)
			}
			err = gentest.Validate(t, msg, schemas)
			if !errors.Is(err, gentest.ErrInvalid) {
				t.Fatalf("real TAK data validated against the NCName-typed schema (want the upstream NCName errors): %v", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.Contains(line, "Schemas validity error") && !strings.Contains(line, "tjansteKontrakt") {
					t.Errorf("error other than the upstream NCName defect: %s", line)
				}
			}
			back, err := tt.parse(msg)
			if err != nil {
				t.Fatal(err)
			}
			again, err := soapxml.Marshal(back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, msg) {
				t.Errorf("round trip changed the answer:\n%s\n%s", msg, again)
			}
			fixed, err := soapxml.Marshal(tt.body(true))
			if err != nil {
				t.Fatal(err)
			}
			if err := gentest.Validate(t, fixed, schemas); err != nil {
				t.Errorf("with NCName-safe contract values the answer must validate: %v", err)
			}
		})
	}
}

func TestCacheValuesKeepTheirLexicalForm(t *testing.T) {
	dir := filepath.Join(gentest.RivtaDir(t), "samples", "skltp-vp", "takdata")
	routes, _ := readCache(t, filepath.Join(dir, "tak-vagval-test.xml"))
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Skipf("time zone data missing: %v", err)
	}
	for i, r := range routes {
		t.Run(fmt.Sprintf("%d %s", i, r.ReceiverId), func(t *testing.T) {
			from, zoned, err := r.FromTidpunkt.Parse(stockholm)
			if err != nil {
				t.Fatal(err)
			}
			to, _, err := r.TomTidpunkt.Parse(stockholm)
			if err != nil {
				t.Fatal(err)
			}
			if !to.After(from) {
				t.Errorf("from %s is not before tom %s", r.FromTidpunkt, r.TomTidpunkt)
			}
			if zoned != strings.ContainsAny(string(r.FromTidpunkt)[10:], "Z+-") {
				t.Errorf("zoned=%v for %q", zoned, r.FromTidpunkt)
			}
			again, zonedAgain, err := soapxml.FormatDateTime(from).Parse(nil)
			if err != nil || !again.Equal(from) || !zonedAgain {
				t.Errorf("FormatDateTime(%s) does not parse back to the same instant: %v %v", from, again, err)
			}
		})
	}
}
