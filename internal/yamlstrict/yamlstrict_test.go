package yamlstrict

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

type duration time.Duration

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = duration(v)
	return err
}

type doc struct {
	Name  string            `yaml:"name"`
	Wait  duration          `yaml:"wait"`
	Items []item            `yaml:"items"`
	Byk   map[string]*item  `yaml:"by_key"`
	Extra map[string]string `yaml:"extra"`
	Skip  string            `yaml:"-"`
}

type item struct {
	ID           string   `yaml:"id"`
	Requirements []string `yaml:"requirements"`
}

// TestUnknownFields: every unknown key, in document order, the same every
// time, with the known key at its level it is a near miss of.
func TestUnknownFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		want       []string // "line:col field[->suggestion]"
	}{
		{name: "none", data: "name: a\nwait: 2s\nitems: [{id: x}]\nextra: {any: thing}\n"},
		{name: "every one, in document order", data: "zeta: 1\nname: a\nalpha: 2\nitems:\n  - {id: x, idd: y}\n  - id: z\n    requierments: [a]\nby_key:\n  k: {id: q, colour: red}\n",
			want: []string{"1:1 zeta", "3:1 alpha", "5:13 idd->id", "7:5 requierments->requirements", "9:14 colour"}},
		{name: "a yaml:\"-\" field is unknown", data: "Skip: x\n", want: []string{"1:1 Skip"}},
		{name: "suggestions come from the key's own level", data: "nmae: a\nitems: [{nmae: b}]\nby-key: {}\n",
			want: []string{"1:1 nmae->name", "2:10 nmae", "3:1 by-key->by_key"}},
		{name: "a text value is not walked", data: "wait: {h: 1}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 5 { // the same answer every time
				f, err := Parse([]byte(tt.data))
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range check(f, &doc{}) {
					if !p.Unknown {
						continue
					}
					want := `unknown field "` + p.Field + `"`
					s := fmt.Sprintf("%d:%d %s", p.Line, p.Column, p.Field)
					if p.Suggest != "" {
						s += "->" + p.Suggest
						want += " (did you mean " + p.Suggest + "?)"
					}
					got = append(got, s)
					if p.Msg != want {
						t.Errorf("message %q, want %q", p.Msg, want)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Fatalf("unknown fields %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestSuggest: a case, '_' or '-' variant, or a key within two edits
// (a swap of neighbours is one) that are at most half the key.
func TestSuggest(t *testing.T) {
	t.Parallel()
	known := []string{"cert", "key", "client_ca", "crl", "client_auth", "min_version", "to", "id", "serviceDomain"}
	tests := []struct{ key, want string }{
		{"clientca", "client_ca"},
		{"ClientCA", "client_ca"},
		{"client-ca", "client_ca"},
		{"servicedomain", "serviceDomain"},
		{"service_domain", "serviceDomain"},
		{"crt", "cert"},
		{"cetr", "cert"}, // a swap is one edit
		{"client_atuh", "client_auth"},
		{"minversoin", "min_version"}, // two edits
		{"kye", "key"},
		{"ky", "key"},
		{"mini_verzion", "min_version"}, // two edits
		{"min_vrsn", ""},                // three
		{"tp", "to"},
		{"ab", ""}, // two edits of a two-letter key are all of it
		{"xy", ""},
		{"colour", ""},
		{"cert", ""}, // a known key is no miss
		{"", ""},
		{strings.Repeat("c", 100), ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.key, known); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// TestDecoderPanicIsAnError: an input that panics go-yaml's decoder (found
// by FuzzParseProfile) is an error.
func TestDecoderPanicIsAnError(t *testing.T) {
	t.Parallel()
	data := []byte("items:\n  - id: A\n    requirements: [0,A]\n  - id: A\n    requirements: !0000\n0:00")
	var d doc
	_, probs := DecodeProblems(data, &d)
	if !slices.ContainsFunc(probs, func(p Problem) bool {
		return p.Fatal && strings.HasPrefix(p.Msg, "the YAML decoder failed on this input")
	}) || Complete(probs) {
		t.Fatalf("problems %+v, want the panic as a fatal one", probs)
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"visits": "visits", "0000\n00": `"0000\n00"`, "a\tb": `"a\tb"`, "räksmörgås": "räksmörgås"} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte("name: a\nitems:\n  - id: x\n  - id: y\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		line int // 0: nothing found
	}{
		{"$.name", 1},
		{"$.items[1].id", 4},
		{"$.items[2].id", 0},
		{"$.missing", 0},
		{"not a path", 0},
	}
	for _, tt := range tests {
		n := Find(f, tt.path)
		line := 0
		if n != nil {
			line = n.GetToken().Position.Line
		}
		if line != tt.line {
			t.Errorf("Find(%q) at line %d, want %d", tt.path, line, tt.line)
		}
	}
	if Find(nil, "$.name") != nil {
		t.Error("Find in no tree found something")
	}
}

// TestPlace: a path that is there is placed at its value; a missing key
// at the key (or list entry) of the nearest parent that is there.
func TestPlace(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte("name: a\nlisten:\n  admin: x\ntls: {cert: c}\nitems:\n  - id: x\n  - {id: y}\nempty: {}\nblock:\n  a: 1\n  b: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path      string
		line, col int
		found     bool
	}{
		{"$.name", 1, 7, true},
		{"$.listen.admin", 3, 10, true},
		{"$.listen.https", 2, 1, false},
		{"$.tls.key", 4, 1, false},
		{"$.empty.x", 8, 1, false},
		{"$.items[0].name", 6, 5, false},
		{"$.items[1].name", 7, 5, false},
		{"$.items[5].name", 5, 1, false},
		{"$.block.c", 9, 1, false},
		{"$.missing.key", 0, 0, false},
		{"$.missing", 0, 0, false},
	}
	for _, tt := range tests {
		line, col, found := Place(f, tt.path)
		if line != tt.line || col != tt.col || found != tt.found {
			t.Errorf("Place(%q) = %d:%d %v, want %d:%d %v", tt.path, line, col, found, tt.line, tt.col, tt.found)
		}
	}
}
