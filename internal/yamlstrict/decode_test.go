package yamlstrict

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDecode: every failure is an *Error that names the file, line and
// field; unknown fields all come, in document order.
func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		want       []string // Error() of each *Error, in order
	}{
		{name: "valid", data: "name: a\nwait: 2s\n"},
		{name: "unknown fields", data: "zeta: 1\nname: a\nalpha: 2\n",
			want: []string{`f.yaml:1:1: field zeta: unknown field "zeta"`, `f.yaml:3:1: field alpha: unknown field "alpha"`}},
		{name: "type error names the key", data: "name: a\nitems: 3\n",
			want: []string{"f.yaml:2:8: field items: int was used where sequence is expected"}},
		{name: "syntax error", data: "name: [a\n",
			want: []string{"f.yaml:1:7: field name: sequence end token ']' not found"}},
		{name: "key with a line break is quoted", data: "\"a\\nb\": 1\n",
			want: []string{`f.yaml:1:1: field "a\nb": unknown field "a\nb"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var d doc
			f, err := Decode("f.yaml", []byte(tt.data), &d)
			if len(tt.want) == 0 {
				if err != nil || f == nil {
					t.Fatalf("Decode: %v (tree %v)", err, f)
				}
				if d.Name != "a" {
					t.Errorf("decoded name %q", d.Name)
				}
				return
			}
			var got []string
			var errs interface{ Unwrap() []error }
			if errors.As(err, &errs) {
				for _, e := range errs.Unwrap() {
					got = append(got, e.Error())
				}
			} else if err != nil {
				got = append(got, err.Error())
			}
			var ye *Error
			if !errors.As(err, &ye) {
				t.Errorf("%T is not an *Error: %v", err, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("errors %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("error %d: %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestDecodeProblems: the problems come unformatted, with the tree to
// place them whenever the data parses.
func TestDecodeProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		tree       bool
		want       []Problem
	}{
		{name: "valid", data: "name: a\n", tree: true},
		{name: "unknown fields", data: "zeta: 1\nname: a\nalpha: 2\n", tree: true, want: []Problem{
			{Line: 1, Column: 1, Field: "zeta", Msg: `unknown field "zeta"`, Unknown: true},
			{Line: 3, Column: 1, Field: "alpha", Msg: `unknown field "alpha"`, Unknown: true}}},
		{name: "type error", data: "name: a\nitems: 3\n", tree: true, want: []Problem{
			{Line: 2, Column: 8, Field: "items", Msg: "int was used where sequence is expected"}}},
		{name: "value error", data: "wait: soon\n", tree: true, want: []Problem{
			{Line: 1, Column: 7, Field: "wait", Msg: `"soon" is not a duration (want e.g. 2s, 500ms, 5m)`}}},
		{name: "syntax error", data: "name: [a\n", want: []Problem{
			{Line: 1, Column: 7, Field: "name", Msg: "sequence end token ']' not found", Fatal: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var v struct {
				Name  string   `yaml:"name"`
				Items []string `yaml:"items"`
				Wait  Duration `yaml:"wait"`
			}
			f, probs := DecodeProblems([]byte(tt.data), &v)
			if (f != nil) != tt.tree {
				t.Errorf("tree %v, want one: %v", f, tt.tree)
			}
			if len(probs) != len(tt.want) {
				t.Fatalf("problems %+v, want %+v", probs, tt.want)
			}
			for i := range probs {
				if probs[i] != tt.want[i] {
					t.Errorf("problem %d: %+v, want %+v", i, probs[i], tt.want[i])
				}
			}
		})
	}
}

// TestAllProblemsAtOnce: unknown keys and bad values come together, in
// document order, and the target holds every other value (the bad ones
// zero), so the caller's own checks can run as well; the tree still
// places each bad value.
func TestAllProblemsAtOnce(t *testing.T) {
	t.Parallel()
	type inner struct {
		Port  int      `yaml:"port"`
		Hosts []string `yaml:"hosts"`
	}
	var v struct {
		Name   string               `yaml:"name"`
		Wait   Duration             `yaml:"wait"`
		Limits map[string]int       `yaml:"limits"`
		Inner  inner                `yaml:"inner"`
		List   []inner              `yaml:"list"`
		Waits  map[string]*Duration `yaml:"waits"`
	}
	data := "nmae: x\n" +
		"wait: soon\n" +
		"inner: {port: many, hosts: [a, b], colour: red}\n" +
		"limits: {a: 1, b: lots}\n" +
		"list:\n  - {port: 1}\n  - {port: [2]}\n  - 7\n" +
		"waits: {x: 1s, y: later}\n" +
		"name: kept\n"
	f, probs := DecodeProblems([]byte(data), &v)
	want := []string{
		`1:1 unknown field "nmae" (did you mean name?)`,
		`2:7 "soon" is not a duration (want e.g. 2s, 500ms, 5m)`,
		`3:15 `, // the decoder's own words for a string where an int goes
		`3:36 unknown field "colour"`,
		`4:19 `,
		`7:12 `,
		`8:5 `,
		`9:19 "later" is not a duration (want e.g. 2s, 500ms, 5m)`,
	}
	if len(probs) != len(want) {
		t.Fatalf("problems %+v, want %d", probs, len(want))
	}
	for i, p := range probs {
		got := fmt.Sprintf("%d:%d %s", p.Line, p.Column, p.Msg)
		if !strings.HasPrefix(got, want[i]) || p.Fatal {
			t.Errorf("problem %d: %s (fatal %v), want %s...", i, got, p.Fatal, want[i])
		}
	}
	if !Complete(probs) {
		t.Error("not complete: the callers' checks would not run")
	}
	if v.Name != "kept" || v.Inner.Port != 0 || len(v.Inner.Hosts) != 2 || v.Limits["a"] != 1 || len(v.List) != 3 || v.List[0].Port != 1 || v.Waits["x"].D() != time.Second {
		t.Errorf("the good values were not all decoded: %+v", v)
	}
	if n := Find(f, "$.wait"); n == nil || n.GetToken().Position.Line != 2 {
		t.Errorf("the bad value's place is lost: %v", n)
	}
	// The *Error form lists them all.
	_, err := Decode("f.yaml", []byte(data), &v)
	if err == nil || strings.Count(err.Error(), "\n") != len(want)-1 || !strings.HasPrefix(err.Error(), "f.yaml:1:1: field nmae: unknown field \"nmae\" (did you mean name?)\nf.yaml:2:7: field wait: ") {
		t.Errorf("Decode: %v", err)
	}
}
