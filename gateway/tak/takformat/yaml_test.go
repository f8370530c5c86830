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

// TestYAMLAllProblemsAtOnce: unknown keys (with the known key they are a
// near miss of), bad values and missing required fields of every entry
// come in one run, in document order; a value the decoder refused is not
// reported again as missing; a catalogue wrong throughout shows the
// first problems and says how many more there are.
func TestYAMLAllProblemsAtOnce(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{"unknown keys, bad values and missing fields together",
			"routes:\n" +
				"  - receiver: A\n    contract: urn:x:1\n    profile: RIVTABP21\n    adress: http://x\n" +
				"  - receiver: [B]\n    contract: urn:x:1\n    profile: RIVTABP21\n" +
				"  - contract: urn:x:1\n    profile: RIVTABP21\n    from: 2025-02-30\n" +
				"permissions:\n" +
				"  - sender: S\n    Receiver: A\n    contract: urn:x:1\n" +
				"  - sender: S\n    receiver: A\n    contract: urn:x:1\n    filters:\n      - {service_domain: d}\n",
			`t.yaml:5:5: unknown field "adress" (did you mean address?)` + "\n" +
				"t.yaml:6:15: \n" + // the decoder's words for a list where a string goes

				"t.yaml:9: routes[2].receiver: required\n" +
				"t.yaml:11:11: routes[2].from: date-time \"2025-02-30\": no such date\n" +
				"t.yaml:13: permissions[0].receiver: required\n" +
				`t.yaml:14:5: unknown field "Receiver" (did you mean receiver?)` + "\n" +
				"t.yaml:20: permissions[1].filters[0].serviceDomain: required\n" +
				`t.yaml:20:10: unknown field "service_domain" (did you mean serviceDomain?)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := takformat.Read("t.yaml", []byte(tc.doc), opts(t))
			if err == nil {
				t.Fatal("no error")
			}
			got, want := strings.Split(err.Error(), "\n"), strings.Split(tc.want, "\n")
			if len(got) != len(want) {
				t.Fatalf("err =\n%v\nwant\n%s", err, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Errorf("line %d: %s, want %s", i+1, got[i], want[i])
				}
			}
		})
	}
	// Wrong throughout: the first problems and how many more.
	var b strings.Builder
	b.WriteString("routes:\n")
	for range 30 {
		b.WriteString("  - {contract: urn:x:1, profile: RIVTABP21}\n")
	}
	_, err := takformat.Read("t.yaml", []byte(b.String()), opts(t))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 21 || lines[0] != "t.yaml:2: routes[0].receiver: required" || lines[20] != "t.yaml: 10 more problems not shown" {
		t.Errorf("err =\n%v", err)
	}
}
