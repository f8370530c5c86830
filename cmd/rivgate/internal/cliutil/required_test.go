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

func TestCheckListen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want string // "" = nil
	}{
		{"127.0.0.1:8443", ""},
		{"127.0.0.1:0", ""},
		{"[::1]:8088", ""},
		{"127.0.0.1:70000", `--listen "127.0.0.1:70000": port 70000 is out of range 0-65535`},
		{"127.0.0.1", `--listen "127.0.0.1" is not host:port: address 127.0.0.1: missing port in address`},
		{"127.0.0.1:http", `--listen "127.0.0.1:http": port "http" is not a number`},
	}
	for _, tt := range tests {
		err := CheckListen("--listen", tt.addr)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.addr, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want || Code(err) != ExitBadInput):
			t.Errorf("%s: %v (exit %d), want %q (exit 2)", tt.addr, err, Code(err), tt.want)
		}
	}
}
