package hsa_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/gateway/tak/hsa"
)

// FuzzParse (issue 11): the HSA tree file reader never panics, names the
// file in its errors, and the tree built from what it reads answers every
// walk in bounded steps (two units sharing an HSA-id can make the id graph
// loop; routing walks it on every call).
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 1m ./gateway/tak/hsa
func FuzzParse(f *testing.F) {
	unit := func(id, dn string) string {
		return "<hsaUnit><hsaIdentity>" + id + "</hsaIdentity><DN>" + dn + "</DN><name>n</name></hsaUnit>"
	}
	for _, s := range []string{
		`<FileGetHsaUnitsResponse xmlns="urn:riv:hsa:HsaWsResponder:3">` + unit("SE", "c=SE") + unit("SE1", "ou=A,c=SE") + unit("SE2", "ou=B,ou=A,c=SE") + `</FileGetHsaUnitsResponse>`,
		// Two units with one HSA-id, each the other's ancestor by id.
		`<r>` + unit("X", "ou=a,c=SE") + unit("Y", "ou=b,ou=a,c=SE") + unit("X", "ou=c,ou=b,ou=a,c=SE") + `</r>`,
		`<r>` + unit("X", " ou=a , , c=SE ") + `</r>`,
		`<r><hsaUnit><hsaIdentity>X</hsaIdentity></hsaUnit></r>`,
		`<r/>`,
	} {
		f.Add([]byte(s))
	}
	for _, name := range []string{"hsacache.xml", "hsacachecomplementary.xml"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "rivta", "samples", "skltp-vp", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		units, err := hsa.Parse(bytes.NewReader(b), "fuzz.xml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.xml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		tree := hsa.Build(units)
		for _, u := range units {
			steps := 0
			tree.Walk(u.HSAID, func(string) bool { steps++; return false })
			if steps > 256 {
				t.Fatalf("walk from %q took %d steps", u.HSAID, steps)
			}
			if p, fromTree := tree.Parent(u.HSAID); fromTree && p == "" {
				t.Fatalf("%q has an empty parent from the tree", u.HSAID)
			}
		}
	})
}
