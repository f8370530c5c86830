package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCaptured runs the command line in-process with no terminal on
// stdin, returning the exit code and what it wrote to stderr.
func runCaptured(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runWith(args, strings.NewReader(""), &stdout, &stderr)
	return code, stderr.String()
}

// TestAllMissingFlagsAtOnce: a command run without the flags it needs
// names every one of them in one message (exit 2), not one per attempt.
func TestAllMissingFlagsAtOnce(t *testing.T) {
	t.Parallel()
	const serverTLS = "(--cert and --key: e.g. from `rivgate pki issue --server`)"
	const by = "--by: the name of the person recorded with it (no terminal to ask on)"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"conform run", []string{"conform", "run"}, "--suite, --out, --cert and --key are required " + serverTLS},
		{"conform run, producer mode", []string{"conform", "run", "--producer", "https://127.0.0.1:1/"}, "--suite and --out are required"},
		{"conform run, one missing", []string{"conform", "run", "--producer", "https://127.0.0.1:1/", "--suite", "s"}, "--out is required"},
		{"conform serve", []string{"conform", "serve", "--out", "o"}, "--suite, --cert and --key are required " + serverTLS},
		{"conform judge", []string{"conform", "judge"},
			"--out, --verdict, --scenario (a manual step) or --item (a document-review item), --note and --by are required (--note: say what you saw; " + by + ")"},
		{"conform decide", []string{"conform", "decide", "--out", "o"},
			"--outcome, --reason and --by are required (--reason: an override must say why; " + by + ")"},
		{"conform declare", []string{"conform", "declare"},
			"--out, --by, --org and --statement are required (--by: who declares; --org: for which organisation; --statement: what is declared)"},
		{"conform bundle", []string{"conform", "bundle"}, "--out and --key are required"},
		{"conform init", []string{"conform", "init"},
			"--contracts DIR, --operation NAME, --receiver HSA-ID, --consumer HSA-ID and -o SUITE_DIR are required (--operation NAME: the operation(s) to cover (see rivgate contract inspect DIR))"},
		{"record", []string{"record"}, "--upstream, --out, --contracts, --cert and --key are required (--contracts: the contract directory the recorded suite will name; --cert and --key: e.g. from `rivgate pki issue --server`)"},
		{"tak lookup", []string{"tak", "lookup"}, "--tak FILE, --contract and --receiver are required"},
		{"contract sample", []string{"contract", "sample"}, "--contracts DIR and --namespace NS or --operation NAME are required"},
		{"pki issue", []string{"pki", "issue", "--dir", "d"}, "--server or --client HSA-ID and --name are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stderr := runCaptured(t, tt.args...)
			if want := "rivgate: " + tt.want + "\n"; code != 2 || stderr != want {
				t.Errorf("exit %d, stderr\n%q\nwant exit 2 and\n%q", code, stderr, want)
			}
		})
	}
}

// TestAllConfigProblemsAtOnce: `gateway --check` names every problem of
// gateway.yaml in one run, in document order (unknown keys with "did you
// mean", bad values, a missing required key at its section's line, ports
// out of range); `tak convert` does the same for a TAK YAML catalogue.
func TestAllConfigProblemsAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := write("gateway.yaml", `instance: {name: test, id: gw-1}
listen:
  https: "127.0.0.1:99999"
  admin: "localhost"
tls:
  cert: server.pem
  clientca: ca.pem
tak: {url: "https://tak.example:70000/v2", pol: 5m}
producers: {timeout: soon}
`)
	tak := write("tak.yaml", `routes:
  - receiver: A
    contract: urn:riv:a:BResponder:1
    profil: RIVTABP21
    address: "https://producer.example:99999/x"
  - {receiver: [B], contract: urn:riv:a:BResponder:1, profile: RIVTABP21, to: 2025-13-01}
`)
	tests := []struct {
		name string
		args []string
		want []string // the lines after "rivgate: "
	}{
		{"gateway --check", []string{"gateway", "--check", "-c", cfg}, []string{
			cfg + `:3:10: listen.https: "127.0.0.1:99999": port 99999 is out of range 0-65535`,
			cfg + `:4:10: listen.admin: "localhost" is not host:port: address localhost: missing port in address`,
			cfg + `:5: tls: missing required key "key" when listen.https is set`,
			cfg + `:5: tls: missing required key "client_ca" when listen.https is set`,
			cfg + `:7:3: tls.clientca: unknown key "clientca" (did you mean client_ca?)`,
			cfg + `:8:12: tak.url: "https://tak.example:70000/v2": port 70000 is out of range 1-65535`,
			cfg + `:8:44: tak.pol: unknown key "pol" (did you mean poll?)`,
			cfg + `:9:22: producers.timeout: "soon" is not a duration (want e.g. 2s, 500ms, 5m)`,
		}},
		{"tak convert", []string{"tak", "convert", "--to", "json", tak, "-"}, []string{
			tak + `:2: routes[0].profile: required`,
			tak + `:4:5: unknown field "profil" (did you mean profile?)`,
			tak + `:6:16: cannot unmarshal []interface {} into Go value of type string`,
			tak + `:6:79: routes[1].to: date-time "2025-13-01": no such date`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stderr := runCaptured(t, tt.args...)
			got := strings.Split(strings.TrimSuffix(strings.TrimPrefix(stderr, "rivgate: "), "\n"), "\n")
			if code != 2 || len(got) != len(tt.want) {
				t.Fatalf("exit %d, stderr\n%s\nwant exit 2 and %d lines", code, stderr, len(tt.want))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("line %d:\n%s\nwant\n%s", i+1, got[i], tt.want[i])
				}
			}
		})
	}
}
