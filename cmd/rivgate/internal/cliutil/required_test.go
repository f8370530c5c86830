package cliutil

import "testing"

func TestRequireFlags(t *testing.T) {
	t.Parallel()
	tls := []Need{{Flag: "--cert", For: "e.g. from `rivgate pki issue --server`"}, {Flag: "--key", For: "e.g. from `rivgate pki issue --server`"}}
	tests := []struct {
		name  string
		needs []Need
		want  string // "" = nil
	}{
		{"all given", []Need{{Flag: "--out", Given: true}}, ""},
		{"none asked", nil, ""},
		{"one", []Need{{Flag: "--suite", Given: true}, {Flag: "--out"}}, "--out is required"},
		{"one with what it is for", []Need{{Flag: "--note", For: "say what you saw"}}, "--note is required: say what you saw"},
		{"two", []Need{{Flag: "--suite"}, {Flag: "--out"}}, "--suite and --out are required"},
		{"a shared purpose", tls, "--cert and --key are required: e.g. from `rivgate pki issue --server`"},
		{"every one, purposes grouped", append([]Need{{Flag: "--suite"}, {Flag: "--out"}}, tls...),
			"--suite, --out, --cert and --key are required (--cert and --key: e.g. from `rivgate pki issue --server`)"},
		{"two purposes", []Need{{Flag: "--out"}, {Flag: "--reason", For: "an override must say why"}, {Flag: "--by", For: "who decides"}},
			"--out, --reason and --by are required (--reason: an override must say why; --by: who decides)"},
	}
	for _, tt := range tests {
		err := RequireFlags(tt.needs...)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want || Code(err) != ExitBadInput):
			t.Errorf("%s: %v (exit %d), want %q (exit 2)", tt.name, err, Code(err), tt.want)
		}
	}
}
