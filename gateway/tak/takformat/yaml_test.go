package takformat_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/internal/testutil"
)

// TestYAMLExample reads the README's example in fixtures/tak.
func TestYAMLExample(t *testing.T) {
	t.Parallel()
	path := filepath.Join(testutil.RepoRoot(t), "fixtures", "tak", "example.yaml")
	d, err := takformat.ReadFile(path, opts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Routes) != 4 || len(d.Permissions) != 3 {
		t.Fatalf("routes %d permissions %d, want 4 and 3", len(d.Routes), len(d.Permissions))
	}
	loc := opts(t).Location
	r := d.Routes[0]
	if want := time.Date(2025, 7, 1, 0, 0, 0, 0, loc).Add(-time.Nanosecond); !r.To.Equal(want) {
		t.Fatalf("to = %s, want the end of 30 June local (%s)", r.To, want)
	}
	if !d.Routes[1].From.Equal(r.To.Add(time.Nanosecond)) {
		t.Fatal("the successor route does not start right after the first ends")
	}
	if d.Routes[2].Receiver != "*" || !d.Routes[2].From.IsZero() || !d.Routes[2].To.IsZero() {
		t.Fatalf("default route = %+v, want receiver * and no bounds", d.Routes[2])
	}
	if f := d.Permissions[1].Filters; len(f) != 1 || f[0].Categorizations[0] != "caa-gmh" {
		t.Fatalf("filters = %+v", f)
	}
	if !strings.HasSuffix(r.Origin, "example.yaml:10") {
		t.Fatalf("origin %q, want the entry's line", r.Origin)
	}
}

// TestYAMLErrors: every bad input names the file, line and field.
func TestYAMLErrors(t *testing.T) {
	t.Parallel()
	route := "routes:\n  - receiver: A\n    contract: urn:x:1\n    profile: RIVTABP21\n    address: http://x\n"
	tests := []struct{ name, doc, want string }{
		{"unknown field", route + "    adress: typo\n", `t.yaml:6:5: unknown field "adress"`},
		{"unknown top-level key", "vagval: []\n", `t.yaml:1:1: unknown field "vagval"`},
		{"every unknown field, in document order", route + "    zeta: 1\n    adress: typo\n", "t.yaml:6:5: unknown field \"zeta\"\nt.yaml:7:5: unknown field \"adress\""},
		{"duplicate key", route + "    receiver: B\n", "t.yaml:6:5"},
		{"missing receiver", "routes:\n  - contract: urn:x:1\n    profile: RIVTABP21\n", "t.yaml:2: routes[0].receiver: required"},
		{"missing sender", "permissions:\n  - receiver: A\n    contract: urn:x:1\n", "t.yaml:2: permissions[0].sender: required"},
		{"bad date", route + "    from: 2025-02-30\n", "t.yaml:6:11: routes[0].from: date-time \"2025-02-30\": no such date"},
		{"to before from", route + "    from: 2025-02-03\n    to: 2025-02-01\n", "t.yaml:7:9: routes[0].to: 2025-02-01 is before from 2025-02-03"},
		{"list where a string belongs", "routes:\n  - receiver: [A, B]\n", "t.yaml:2:15"},
		{"syntax error", "routes:\n  - receiver: A\n   contract: x\n", "t.yaml:3"},
		{"empty file", "# nothing\n", "t.yaml:1: no routes and no permissions"},
		{"filter without domain", "permissions:\n  - sender: S\n    receiver: A\n    contract: urn:x:1\n    filters:\n      - categorizations: [a]\n", "permissions[0].filters[0].serviceDomain: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := takformat.Read("t.yaml", []byte(tc.doc), opts(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
