package contractcmd_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/cmd/rivgate/internal/cliutil"
	"github.com/rivgate/rivgate/cmd/rivgate/internal/contractcmd"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
)

// result is one in-process run of `rivgate contract ...`, with stderr and
// exit code as cmd/rivgate's main produces them.
type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	cmd := contractcmd.New()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.Execute()
	if err != nil {
		if msg := cliutil.Message(err); msg != "" {
			errOut.WriteString("rivgate: " + msg + "\n")
		}
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: cliutil.Code(err)}
}

type inspectRow struct {
	WSDL        string `json:"wsdl"`
	Interaction string `json:"interaction"`
	Operation   string `json:"operation"`
	Namespace   string `json:"namespace"`
	Request     struct {
		NS   string `json:"ns"`
		Name string `json:"name"`
	} `json:"request"`
	Response struct {
		NS   string `json:"ns"`
		Name string `json:"name"`
	} `json:"response"`
	Profile    string `json:"profile"`
	SOAPAction string `json:"soapAction"`
	Headers    []struct {
		NS   string `json:"ns"`
		Name string `json:"name"`
	} `json:"headers"`
}

func decodeInspect(t *testing.T, stdout string) []inspectRow {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(stdout))
	d.DisallowUnknownFields()
	var rows []inspectRow
	require.NoError(t, d.Decode(&rows), "inspect --json output:\n%s", stdout)
	return rows
}

// xmllintOperationCount counts wsdl:operation elements in the portTypes of
// every WSDL below dir with xmllint --xpath (independent of our loader).
func xmllintOperationCount(t *testing.T, xmllint, dir string) int {
	t.Helper()
	const xpath = `count(/*[local-name()='definitions' and namespace-uri()='http://schemas.xmlsoap.org/wsdl/']` +
		`/*[local-name()='portType' and namespace-uri()='http://schemas.xmlsoap.org/wsdl/']` +
		`/*[local-name()='operation' and namespace-uri()='http://schemas.xmlsoap.org/wsdl/'])`
	total := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".wsdl") {
			return err
		}
		out, err := exec.Command(xmllint, "--xpath", xpath, p).Output()
		require.NoError(t, err, "xmllint --xpath on %s", p)
		n, err := strconv.Atoi(strings.TrimSpace(string(out)))
		require.NoError(t, err, "xmllint count for %s: %q", p, out)
		total += n
		return nil
	})
	require.NoError(t, err)
	return total
}

func TestInspectJSONLoadsEverySharedFolder(t *testing.T) {
	t.Parallel()
	xmllint := rivtatest.Xmllint(t)
	for _, folder := range rivtatest.Folders(t) {
		t.Run(filepath.Base(folder), func(t *testing.T) {
			t.Parallel()
			r := run(t, "inspect", "--json", folder)
			require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
			assert.NotContains(t, r.stderr, "could not be loaded")
			rows := decodeInspect(t, r.stdout)
			want := xmllintOperationCount(t, xmllint, folder)
			require.Positive(t, want)
			assert.Len(t, rows, want, "operations listed = wsdl:operation elements in portTypes (xmllint)")
			for _, row := range rows {
				assert.FileExists(t, filepath.Join(folder, filepath.FromSlash(row.WSDL)))
				assert.NotEmpty(t, row.Operation)
				assert.Equal(t, row.Request.NS, row.Namespace)
				assert.NotEmpty(t, row.Request.Name)
				assert.NotNil(t, row.Headers, "headers is an array, never null")
			}
		})
	}
}

func TestInspectTable(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(rivtatest.Contracts(t), "itintegration_monitoring_1.0")
	r := run(t, "inspect", dir)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3, r.stdout)
	assert.Regexp(t, `^WSDL\s+OPERATION\s+VERSION\s+PROFILE\s+NAMESPACE\s+HEADERS$`, lines[0])
	assert.Regexp(t, `PingForConfigurationInteraction_1.0_RIVTABP20.wsdl\s+PingForConfiguration\s+1.0\s+RIVTABP20\s+urn:riv:itintegration:monitoring:PingForConfigurationResponder:1\s+To$`, lines[1])
	assert.Regexp(t, `RIVTABP21\s+urn:riv:itintegration:monitoring:PingForConfigurationResponder:1\s+LogicalAddress$`, lines[2])
}

func TestInspectReportsBrokenWSDLAndListsTheRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyDir(t, filepath.Join(rivtatest.Contracts(t), "itintegration_monitoring_1.0"), filepath.Join(dir, "monitoring"))
	broken := filepath.Join(dir, "broken", "BrokenInteraction_1.0_RIVTABP21.wsdl")
	require.NoError(t, os.MkdirAll(filepath.Dir(broken), 0o755))
	require.NoError(t, os.WriteFile(broken, []byte(`<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">
  <wsdl:types><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
    <xs:import namespace="urn:x" schemaLocation="../../core_components/gone_1.0.xsd"/>
  </xs:schema></wsdl:types>
</wsdl:definitions>`), 0o644))

	for _, args := range [][]string{{"inspect", "--json", dir}, {"inspect", dir}} {
		r := run(t, args...)
		assert.Equal(t, 2, r.code, "args %v", args)
		assert.Contains(t, r.stderr, broken, "names the file")
		assert.Contains(t, r.stderr, "gone_1.0.xsd", "names the cause")
		assert.Contains(t, r.stderr, "no such file")
		assert.Contains(t, r.stdout, "PingForConfigurationInteraction_1.0_RIVTABP21.wsdl", "the others are still listed")
		if args[1] == "--json" {
			assert.Len(t, decodeInspect(t, r.stdout), 2)
		}
	}
}

func TestInspectUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{name: "no directory", args: []string{"inspect"}},
		{name: "missing directory", args: []string{"inspect", filepath.Join(t.TempDir(), "nope")}},
		{name: "directory without WSDL", args: []string{"inspect", t.TempDir()}},
		{name: "no subcommand", args: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, "rivgate: ")
		})
	}
}

// knownDifferences reads the table of samples allowed to disagree with
// xmllint: sample path -> backend -> reason.
func knownDifferences(t *testing.T) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(testutil.RepoRoot(t), "contracts", "xsd", "testdata", "known-differences.md"))
	require.NoError(t, err)
	defer f.Close()
	out := map[string]map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "| sample") || strings.HasPrefix(line, "| ---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		require.Len(t, cells, 3, "known-differences row %q: want | sample | backend | reason |", line)
		sample, backend, reason := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1]), strings.TrimSpace(cells[2])
		require.NotEmpty(t, reason, "row %q needs a reason", line)
		if out[sample] == nil {
			out[sample] = map[string]string{}
		}
		out[sample][backend] = reason
	}
	require.NoError(t, s.Err())
	return out
}

// backends are the XSD backends this build has.
func backends(t *testing.T) []string {
	out := []string{xsd.BackendGo}
	if _, err := xsd.NewLibxml2(nil); err == nil {
		out = append(out, xsd.BackendLibxml2)
	}
	return out
}

var problemLine = regexp.MustCompile(`^(.+):(\d+):(\d+): (.+)$`)

func TestValidateAgreesWithXmllint(t *testing.T) {
	t.Parallel()
	xmllint := rivtatest.Xmllint(t)
	samples := rivtatest.Samples(t)
	known := knownDifferences(t)
	for _, backend := range backends(t) {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			agree, valid := 0, 0
			for _, s := range samples {
				oracle, oracleOut := rivtatest.XmllintVerdict(t, xmllint, s.XSD, s.XML)
				// Strict: xmllint reads patterns written ^...$ literally.
				r := run(t, "validate", "--strict-xsd", "--backend", backend, "--contracts", s.ContractsDir, s.XML)
				require.Contains(t, []int{0, 1}, r.code, "%s: validate could not decide: %s", s.Name, r.stderr)
				ours := r.code == 0
				if ours {
					assert.Contains(t, r.stdout, s.XML+": valid (")
				} else {
					for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
						m := problemLine.FindStringSubmatch(l)
						if assert.NotNil(t, m, "%s: problem line %q is not FILE:LINE:COL: message", s.Name, l) {
							assert.Equal(t, s.XML, m[1])
							assert.NotEqual(t, "0", m[2], "line is known")
						}
					}
				}
				reason, listed := known[s.Name][backend]
				switch {
				case ours == oracle && listed:
					t.Errorf("%s: listed in known-differences.md for %s (%s) but now agrees with xmllint: remove the row", s.Name, backend, reason)
				case ours != oracle && !listed:
					t.Errorf("%s: rivgate says valid=%v, xmllint says valid=%v\nrivgate:\n%s%s\nxmllint:\n%s", s.Name, ours, oracle, r.stdout, r.stderr, oracleOut)
				case ours == oracle:
					agree++
				}
				if oracle {
					valid++
				}
			}
			t.Logf("%s backend: %d of %d samples agree with xmllint (%d valid, %d invalid per xmllint)", backend, agree, len(samples), valid, len(samples)-valid)
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	require.NoError(t, err)
}

func TestValidateExitCodes(t *testing.T) {
	t.Parallel()
	contractsDir := filepath.Join(testutil.RepoRoot(t), "contracts", "xsd", "testdata", "contract")
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	const body = `<t:GetThings xmlns:t="urn:riv:test:things:GetThingsResponder:1" xmlns:c="urn:riv:test:things:1"><t:thing><c:id>%s</c:id><c:name>x</c:name></t:thing></t:GetThings>`
	valid := write("valid.xml", "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">\n<s:Body>\n"+
		fmt.Sprintf(body, "191212121212")+"\n</s:Body></s:Envelope>")
	bare := write("bare.xml", fmt.Sprintf(body, "191212121212"))
	invalid := write("invalid.xml", "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">\n<s:Body>\n"+
		fmt.Sprintf(body, "not-a-pnr")+"\n</s:Body></s:Envelope>")
	unknown := write("unknown.xml", `<x:Other xmlns:x="urn:riv:other:OtherResponder:1"/>`)
	missing := filepath.Join(dir, "missing.xml")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    []string
		wantErrOut []string
	}{
		{name: "valid envelope and bare document", args: []string{valid, bare}, wantCode: 0,
			wantOut: []string{valid + ": valid (urn:riv:test:things:GetThingsResponder:1)", bare + ": valid"}},
		{name: "invalid", args: []string{valid, invalid}, wantCode: 1,
			wantOut: []string{invalid + ":3:", `value "not-a-pnr" does not match the pattern`}, wantErrOut: []string{"1 of 2 file(s) invalid"}},
		{name: "unknown namespace lists the known ones", args: []string{invalid, unknown}, wantCode: 2,
			wantErrOut: []string{`no contract in ` + contractsDir + ` for namespace "urn:riv:other:OtherResponder:1"`, "it knows:\n  urn:riv:test:things:GetThingsResponder:1"}},
		{name: "missing file", args: []string{valid, missing}, wantCode: 2,
			wantErrOut: []string{missing, "no such file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, append([]string{"validate", "--contracts", contractsDir}, tc.args...)...)
			assert.Equal(t, tc.wantCode, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			for _, s := range tc.wantOut {
				assert.Contains(t, r.stdout, s)
			}
			for _, s := range tc.wantErrOut {
				assert.Contains(t, r.stderr, s)
			}
		})
	}

	// The invalid file's problem points at the element's text in the file.
	r := run(t, "validate", "--contracts", contractsDir, invalid)
	m := problemLine.FindStringSubmatch(strings.TrimSpace(r.stdout))
	require.NotNil(t, m, r.stdout)
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	data, err := os.ReadFile(invalid)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(strings.Split(string(data), "\n")[line-1][col-1:], "</c:id>"), "%s at %d:%d", data, line, col)
}

func TestValidateUsage(t *testing.T) {
	t.Parallel()
	contractsDir := filepath.Join(testutil.RepoRoot(t), "contracts", "xsd", "testdata", "contract")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no files", args: []string{"validate", "--contracts", contractsDir}, want: "requires at least 1 arg"},
		{name: "no --contracts", args: []string{"validate", "x.xml"}, want: "--contracts DIR is required"},
		{name: "contracts dir without WSDL", args: []string{"validate", "--contracts", t.TempDir(), "x.xml"}, want: "no *.wsdl files"},
		{name: "unknown backend", args: []string{"validate", "--contracts", contractsDir, "--backend", "saxon", "x.xml"}, want: `unknown XSD backend "saxon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tc.want)
		})
	}
}

func TestSampleRoundTripsThroughValidate(t *testing.T) {
	t.Parallel()
	dir := rivtatest.Contracts(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "by operation, RIVTABP21", args: []string{"--operation", "GetCareDocumentation", "--receiver", "SE2321000016-ABCD"},
			want: []string{"LogicalAddress>SE2321000016-ABCD<", ":GetCareDocumentation>"}},
		{name: "by namespace, RIVTABP20", args: []string{"--namespace", "urn:riv:crm:scheduling:MakeBookingResponder:1"},
			want: []string{`="http://www.w3.org/2005/08/addressing"`, ":To>SE0000000000-1234</"}},
		{name: "2.0 contract asked for as 2.1", args: []string{"--namespace", "urn:riv:crm:scheduling:MakeBookingResponder:1", "--profile", "rivtabp21"},
			want: []string{"LogicalAddress>"}},
		{name: "namespace and operation", args: []string{"--namespace", "urn:skl:tp:vagvalsinfo:v2", "--operation", "hamtaAllaVirtualiseringar"},
			want: []string{":hamtaAllaVirtualiseringar"}},
		{name: "response", args: []string{"--operation", "PingForConfiguration", "--response"},
			want: []string{":PingForConfigurationResponse>", "<soapenv:Header/>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, append([]string{"sample", "--contracts", dir}, tc.args...)...)
			require.Equal(t, 0, r.code, r.stderr)
			for _, s := range tc.want {
				assert.Contains(t, r.stdout, s)
			}
			file := filepath.Join(t.TempDir(), "sample.xml")
			require.NoError(t, os.WriteFile(file, []byte(r.stdout), 0o644))
			v := run(t, "validate", "--contracts", dir, file)
			assert.Equal(t, 0, v.code, "validate %s:\n%s%s", r.stdout, v.stdout, v.stderr)
		})
	}
}

// A contract that writes its personnummer pattern ^...$: the sample holds a
// real personnummer and validates, with one warning naming the type; with
// --strict-xsd the sample holds the characters and a real one is invalid.
func TestStrictXSD(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(rivtatest.Contracts(t), "crm_scheduling_1.0.4")
	const ns = "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"
	r := run(t, "sample", "--contracts", dir, "--namespace", ns)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, ":subject_of_care>191212121212</")
	assert.NotContains(t, r.stdout, "^")
	assert.Equal(t, "warning: contract "+ns+`: pattern "^[0-9]{8}[0-9pPtTfF][0-9]{3}$" of SubjectOfCareIdType (schemas/core_components/crm_scheduling_1.0.xsd:60) `+
		"is read with ^ and $ as anchors; XSD reads them as literal characters (--strict-xsd or the suite key strict_xsd does)\n", r.stderr)
	file := filepath.Join(t.TempDir(), "sample.xml")
	require.NoError(t, os.WriteFile(file, []byte(r.stdout), 0o644))

	v := run(t, "validate", "--contracts", dir, file)
	assert.Equal(t, 0, v.code, v.stdout+v.stderr)
	assert.Equal(t, r.stderr, v.stderr, "the same warning")

	v = run(t, "validate", "--strict-xsd", "--contracts", dir, file)
	assert.Equal(t, 1, v.code, v.stdout+v.stderr)
	assert.Contains(t, v.stdout, `/subject_of_care: value "191212121212" does not match the pattern "^[0-9]{8}[0-9pPtTfF][0-9]{3}$" of SubjectOfCareIdType (strict XSD`)
	assert.Contains(t, v.stderr, "is read as XSD defines it")

	s := run(t, "sample", "--strict-xsd", "--contracts", dir, "--namespace", ns)
	require.Equal(t, 0, s.code, s.stderr)
	assert.Contains(t, s.stdout, ":subject_of_care>^000000000000$</")
}

func TestSampleUsage(t *testing.T) {
	t.Parallel()
	dir := rivtatest.Contracts(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no --contracts", args: []string{"sample", "--operation", "X"}, want: "--contracts DIR is required"},
		{name: "no selection", args: []string{"sample", "--contracts", dir}, want: "--namespace NS or --operation NAME is required"},
		{name: "ambiguous name", args: []string{"sample", "--contracts", dir, "--operation", "GetSupportedServiceContracts"},
			want: "--namespace urn:riv:itintegration:registry:GetSupportedServiceContractsResponder:1 --operation GetSupportedServiceContracts"},
		{name: "unknown namespace", args: []string{"sample", "--contracts", dir, "--namespace", "urn:riv:nope:NopeResponder:1"},
			want: "the directory knows:\n  urn:riv:clinicalprocess"},
		{name: "unknown operation", args: []string{"sample", "--contracts", dir, "--operation", "Nope"}, want: `no operation "Nope"`},
		{name: "bad profile", args: []string{"sample", "--contracts", dir, "--operation", "GetCareDocumentation", "--profile", "RIVTABP30"}, want: "--profile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tc.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
}
