package sample

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts/internal/xsdmodel"
)

func TestTranslateXSDRegexp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		pattern  string
		match    []string
		notMatch []string
		wantErr  string
	}{
		{name: "anchored as a whole", pattern: `[0-9]{3}`, match: []string{"123"}, notMatch: []string{"1234", "x123"}},
		{name: "caret and dollar are literals", pattern: `^[0-9]{2}$`, match: []string{"^12$"}, notMatch: []string{"12"}},
		{name: "negated class keeps its caret", pattern: `[^a]+`, match: []string{"bcd"}, notMatch: []string{"abc"}},
		{name: "name characters", pattern: `\i\c*`, match: []string{"_a-1", "x"}, notMatch: []string{"1a"}},
		{name: "class with name characters", pattern: `[\i]+`, match: []string{"ab:_"}},
		{name: "alternation", pattern: `(19|20)\d{2}`, match: []string{"1999", "2024"}, notMatch: []string{"2124"}},
		{name: "class subtraction", pattern: `[a-z-[aeiou]]`, wantErr: "subtraction"},
		{name: "block escape", pattern: `\p{IsBasicLatin}+`, wantErr: "block escapes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			re, err := xsdmodel.CompileRegexp(tc.pattern)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			for _, s := range tc.match {
				assert.True(t, re.MatchString(s), "%q should match %q", tc.pattern, s)
			}
			for _, s := range tc.notMatch {
				assert.False(t, re.MatchString(s), "%q should not match %q", tc.pattern, s)
			}
			for _, rep := range []int{0, 1, 3} {
				s, err := fromPattern(tc.pattern, rep)
				require.NoError(t, err)
				assert.True(t, re.MatchString(s), "generated %q (rep %d) must match %q", s, rep, tc.pattern)
			}
		})
	}
}

func TestValue(t *testing.T) {
	t.Parallel()
	f := func(mod func(*xsdmodel.Facets)) *xsdmodel.Facets {
		x := xsdmodel.NewFacets()
		if mod != nil {
			mod(x)
		}
		return x
	}
	tests := []struct {
		name string
		base string
		f    *xsdmodel.Facets
		hint []string
		want string
	}{
		{name: "personnummer by pattern", base: "string", f: f(func(x *xsdmodel.Facets) { x.Patterns = []string{`[0-9]{8}[0-9pPtTfF][0-9]{3}`} }), want: "191212121212"},
		{name: "timestamp by pattern", base: "string", f: f(func(x *xsdmodel.Facets) {
			x.Patterns = []string{`(19|20)\d\d(0[1-9]|1[012])(0[1-9]|[12][0-9]|3[01])(0[0-9]|1[0-9]|2[0-3])[0-5][0-9][0-5][0-9]`}
		}), want: "20240517103000"},
		{name: "generated from pattern", base: "string", f: f(func(x *xsdmodel.Facets) { x.Patterns = []string{`[A-Z]{2}-[0-9]{3}`} }), want: "AA-000"},
		{name: "patient id by name", base: "string", f: f(nil), hint: []string{"patientId", "id"}, want: "191212121212"},
		{name: "HSA-id by name", base: "string", f: f(nil), hint: []string{"x", "careUnitHSAId"}, want: "SE0000000000-1234"},
		{name: "min length pads", base: "string", f: f(func(x *xsdmodel.Facets) { x.MinLen = 10 }), want: "exempelxxx"},
		{name: "max length cuts", base: "string", f: f(func(x *xsdmodel.Facets) { x.MaxLen = 3 }), want: "exe"},
		{name: "enumeration", base: "string", f: f(func(x *xsdmodel.Facets) { x.Enums = []string{"A", "B"} }), want: "A"},
		{name: "integer bounds", base: "int", f: f(func(x *xsdmodel.Facets) { x.MinInc = "5"; x.MaxInc = "9" }), want: "5"},
		{name: "exclusive bound", base: "int", f: f(func(x *xsdmodel.Facets) { x.MinExc = "100" }), want: "101"},
		{name: "upper bound", base: "int", f: f(func(x *xsdmodel.Facets) { x.MaxExc = "0" }), want: "-1"},
		{name: "date", base: "date", f: f(nil), want: "2024-05-17"},
		{name: "boolean", base: "boolean", f: f(nil), want: "true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := value(tc.base, tc.f, tc.hint)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := value("IDREF", xsdmodel.NewFacets(), nil)
	require.ErrorContains(t, err, "IDREF")
}
