package hsa_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/gateway/tak/hsa"
	"github.com/rivgate/rivgate/gateway/tak/taktest"
)

// TestVPTree reads VP's own HSA test files (master + complement) and checks
// the parents VP's tree climbing relies on.
func TestVPTree(t *testing.T) {
	t.Parallel()
	tree, err := hsa.Load(taktest.VPHSA(t)...)
	if err != nil {
		t.Fatal(err)
	}
	if tree.Len() != 7 {
		t.Fatalf("Len = %d, want 7 distinct HSA-ids", tree.Len())
	}
	tests := []struct {
		name     string
		id       string
		parent   string
		fromTree bool
	}{
		{"leaf under a primary care area", "SE0000000001-1234", "SE0000000002-1234", true},
		{"sibling leaf", "SE0000000000-1234", "SE0000000002-1234", true},
		{"area under the health-care region", "SE0000000002-1234", "SE0000000003-1234", true},
		{"unit whose direct parent DN is missing climbs to the nearest existing one", "SE0000000005-1234", "SE0000000003-1234", true},
		{"skips the missing l=VpW level and lands on c=SE", "SE0000000004-1234", "SE", true},
		{"SE itself has no parent", "SE", "SE", false},
		{"unknown id: SE, as VP's DEFAULT_ROOTNODE", "AnyReceiver", "SE", false},
		{"lookup is case-sensitive, as VP's HashMap", "se0000000001-1234", "SE", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, ok := tree.Parent(tc.id)
			if p != tc.parent || ok != tc.fromTree {
				t.Fatalf("Parent(%q) = %q, %v; want %q, %v", tc.id, p, ok, tc.parent, tc.fromTree)
			}
		})
	}
}

func TestWalkOrder(t *testing.T) {
	t.Parallel()
	tree, err := hsa.Load(taktest.VPHSA(t)...)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   string
		want string
	}{
		// VP's loop ends when getParent returns its SE constant; the tree's
		// own SE unit is a different string, so VP takes one more step.
		{"full climb ends SE,SE as in VP", "SE0000000001-1234", "SE0000000002-1234,SE0000000003-1234,SE0000000004-1234,SE,SE"},
		{"unknown id climbs to SE once", "AnyReceiver", "SE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			tree.Walk(tc.id, func(a string) bool { got = append(got, a); return false })
			if s := strings.Join(got, ","); s != tc.want {
				t.Fatalf("walk from %s = %s, want %s", tc.id, s, tc.want)
			}
		})
	}
	var stopped []string
	if !tree.Walk("SE0000000001-1234", func(a string) bool { stopped = append(stopped, a); return a == "SE0000000003-1234" }) {
		t.Fatal("Walk did not report the hit")
	}
	if len(stopped) != 2 {
		t.Fatalf("walk went on after the hit: %v", stopped)
	}
}

func TestComplementOverridesAndNilTree(t *testing.T) {
	t.Parallel()
	master := `<HsaUnitsResponse xmlns="urn:riv:hsa:HsaWsResponder:3"><hsaUnits>
<hsaUnit><hsaIdentity>A</hsaIdentity><DN>ou=a,o=x,c=SE</DN><name>a</name></hsaUnit>
<hsaUnit><hsaIdentity>X</hsaIdentity><DN>o=x,c=SE</DN><name>x</name></hsaUnit>
</hsaUnits></HsaUnitsResponse>`
	complement := `<FileGetHsaUnitsResponse xmlns="urn:riv:hsa:HsaWsResponder:3"><hsaUnits>
<hsaUnit><hsaIdentity>X2</hsaIdentity><DN>o=x , c=SE</DN><name>x replaced</name></hsaUnit>
<hsaUnit><hsaIdentity>SE</hsaIdentity><DN>c=SE</DN><name>Sverige</name></hsaUnit>
</hsaUnits></FileGetHsaUnitsResponse>`
	u1, err := hsa.Parse(strings.NewReader(master), "master.xml")
	if err != nil {
		t.Fatal(err)
	}
	u2, err := hsa.Parse(strings.NewReader(complement), "complement.xml")
	if err != nil {
		t.Fatal(err)
	}
	tree := hsa.Build(append(u1, u2...))
	if p, _ := tree.Parent("A"); p != "X2" {
		t.Fatalf("parent of A = %q, want X2 (the complement's unit at the same DN)", p)
	}
	if p, ok := tree.Parent("X2"); p != "SE" || !ok {
		t.Fatalf("parent of X2 = %q %v, want the complement's SE unit", p, ok)
	}
	var nilTree *hsa.Tree
	if p, ok := nilTree.Parent("A"); p != "SE" || ok {
		t.Fatalf("nil tree: Parent = %q %v", p, ok)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
	}{
		{"not XML", "hello", "x.xml"},
		{"unit without DN", `<r><hsaUnit><hsaIdentity>A</hsaIdentity></hsaUnit></r>`, "x.xml:1: hsaUnit: hsaIdentity and DN are required"},
		{"duplicate DN", "<r>\n<hsaUnit><hsaIdentity>A</hsaIdentity><DN>c=SE</DN></hsaUnit>\n<hsaUnit><hsaIdentity>B</hsaIdentity><DN>c=SE</DN></hsaUnit></r>", "x.xml:3: hsaUnit: DN \"c=SE\" already at line 2"},
		{"no units", `<r/>`, "no hsaUnit elements"},
		{"broken XML names the line", "<r>\n<hsaUnit>\n</r>", "x.xml:3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := hsa.Parse(strings.NewReader(tc.doc), "x.xml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := hsa.Parse(strings.NewReader("<r/>"), "x.xml"); !errors.Is(err, hsa.ErrNoUnits) {
		t.Fatalf("err = %v, want ErrNoUnits", err)
	}
}
