package sample_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/sample"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
)

// exceptions reads testdata/exceptions.md: operations (folder/operation
// name) whose sample cannot validate, with the reason.
func exceptions(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "exceptions.md"))
	require.NoError(t, err)
	defer f.Close()
	out := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "| operation") || strings.HasPrefix(line, "| ---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		require.Len(t, cells, 3, "row %q: want | folder/WSDL#operation | request or response | reason |", line)
		key := strings.TrimSpace(cells[0]) + " " + strings.TrimSpace(cells[1])
		out[key] = strings.TrimSpace(cells[2])
	}
	require.NoError(t, s.Err())
	return out
}

// xmllintBody validates the sample body of op (request or response, as
// opt builds it) with xmllint against schema: the oracle's verdict, its
// output, and the body.
func xmllintBody(t *testing.T, xmllint, schema string, op contracts.Operation, response bool, opt sample.Options) (bool, string, []byte) {
	t.Helper()
	body, err := sample.Body(op, response, opt)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "body.xml")
	require.NoError(t, os.WriteFile(file, body, 0o644))
	valid, out := rivtatest.XmllintVerdict(t, xmllint, schema, file)
	return valid, out, body
}

// sampleKinds are the messages generated per operation: the least and the
// rich request and response.
var sampleKinds = []struct {
	name     string
	response bool
	rich     bool
}{
	{"request", false, false}, {"response", true, false},
	{"request rich", false, true}, {"response rich", true, true},
}

// Every operation of every shared contract gets a request and a response,
// least and rich, whose body validates against the contract XSD, by our
// validator and, read strictly as XSD, by xmllint, unless exceptions.md says
// why not. Read the default way (patterns written ^...$ are anchored) the
// sample holds real values, and our validator accepts them too.
func TestSamplesValidateForEverySharedContract(t *testing.T) {
	t.Parallel()
	xmllint := rivtatest.Xmllint(t)
	exc := exceptions(t)
	used := map[string]bool{}
	total, ok := 0, 0
	for _, folder := range rivtatest.Folders(t) {
		for _, strict := range []bool{true, false} {
			set, err := contracts.LoadDirWith(folder, contracts.LoadOptions{StrictXSD: strict})
			require.NoError(t, err)
			v := xsd.New(set)
			for _, op := range set.Operations() {
				for _, kind := range sampleKinds {
					response, opt := kind.response, sample.Options{Rich: kind.rich}
					rel, _ := filepath.Rel(folder, op.WSDL)
					key := filepath.Base(folder) + "/" + filepath.ToSlash(rel) + "#" + op.Name + " " + kind.name
					name := key
					if !strict {
						name += " (anchors)"
					}
					total++
					t.Run(name, func(t *testing.T) {
						reason, excepted := exc[key]
						used[key] = excepted
						var env []byte
						var err error
						if response {
							env, err = sample.Response(op, opt)
						} else {
							env, err = sample.Request(op, opt)
						}
						if excepted && err != nil {
							t.Logf("excepted (%s): %v", reason, err)
							return
						}
						require.NoError(t, err)
						ns, probs, err := xsd.ValidateMessage(v, env)
						require.NoError(t, err)
						wantEl := op.Request
						if response {
							wantEl = op.Response
						}
						assert.Equal(t, wantEl.Space, ns)
						if !strict {
							if !excepted {
								assert.Empty(t, probs, "our validator on\n%s", env)
								assert.NotContains(t, string(env), "^", "a pattern's anchors are not part of the value")
							}
							if len(probs) == 0 {
								ok++
							}
							return
						}

						sc, found := set.Schema(op.Namespace)
						require.True(t, found)
						require.Len(t, sc.Roots, 1)
						oracle, oracleOut, body := xmllintBody(t, xmllint, sc.Roots[0], op, response, opt)

						if excepted {
							if len(probs) == 0 && oracle {
								t.Errorf("listed in testdata/exceptions.md (%s) but validates now: remove the row", reason)
							}
							return
						}
						assert.Empty(t, probs, "our validator on\n%s", env)
						assert.True(t, oracle, "xmllint on\n%s\n%s", body, oracleOut)
						if len(probs) == 0 && oracle {
							ok++
						}
					})
				}
			}
		}
	}
	for key, reason := range exc {
		if _, seen := used[key]; !seen {
			t.Errorf("testdata/exceptions.md lists %q (%s), which is not an operation here", key, reason)
		}
	}
	t.Logf("%d of %d sample messages validate (strict: with both validators)", ok, total)
}

func TestRequestHeaderPerProfile(t *testing.T) {
	t.Parallel()
	set, err := contracts.LoadDir(filepath.Join(rivtatest.Contracts(t), "itintegration_monitoring_1.0"))
	require.NoError(t, err)
	op, ok := set.ByNamespace("urn:riv:itintegration:monitoring:PingForConfigurationResponder:1")
	require.True(t, ok)
	tests := []struct {
		name    string
		opt     sample.Options
		want    []string
		notWant []string
	}{
		{name: "contract profile (2.1)", opt: sample.Options{Receiver: "SE123-X"},
			want: []string{`xmlns:urn1="urn:riv:itintegration:registry:1"`, `<urn1:LogicalAddress>SE123-X</urn1:LogicalAddress>`}},
		{name: "2.0 asked for", opt: sample.Options{Profile: rivta.RIVTABP20},
			want:    []string{`xmlns:urn1="http://www.w3.org/2005/08/addressing"`, `<urn1:To>` + sample.DefaultReceiver + `</urn1:To>`},
			notWant: []string{"LogicalAddress"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, err := sample.Request(op, tc.opt)
			require.NoError(t, err)
			for _, s := range tc.want {
				assert.Contains(t, string(env), s)
			}
			for _, s := range tc.notWant {
				assert.NotContains(t, string(env), s)
			}
			assert.Contains(t, string(env), "<urn:PingForConfiguration>")
		})
	}
}

// The body is the same bare or in the envelope (same generator, same
// values), and a second run gives the same bytes.
func TestSampleDeterministic(t *testing.T) {
	t.Parallel()
	set, err := contracts.LoadDir(filepath.Join(rivtatest.Contracts(t), "clinicalprocess_healthcond_description_2.1.1"))
	require.NoError(t, err)
	for _, op := range set.Operations() {
		a, err := sample.Request(op, sample.Options{})
		require.NoError(t, err)
		b, err := sample.Request(op, sample.Options{})
		require.NoError(t, err)
		assert.Equal(t, string(a), string(b))
	}
}

// Schema constructs the shared contracts hardly use: abstract types with
// xsi:type, substitution groups, simple content with attribute groups,
// minOccurs > 1, choice, named groups, list, union, unqualified locals,
// fixed values, a required lax wildcard, a chameleon include, xs:all.
func TestSampleConstructs(t *testing.T) {
	t.Parallel()
	xmllint := rivtatest.Xmllint(t)
	set, err := contracts.LoadDir(filepath.Join("testdata", "constructs"))
	require.NoError(t, err)
	op, ok := set.ByNamespace("urn:riv:test:constructs:DoAllResponder:1")
	require.True(t, ok)
	env, err := sample.Request(op, sample.Options{})
	require.NoError(t, err)
	for _, want := range []string{
		`xsi:type="urn1:ConcreteThingType" unit="kg"`,
		`<urn1:weight>11</urn1:weight>`,
		`currency="AAA" changedBy="sample">1</urn:amount>`,
		`<urn:byCode>Aaa-0000</urn:byCode>`,
		`<urn1:date>2024-05-17</urn1:date>`,
		`<urn1:member>`,
		`<local>true</local>`,
		`<urn:fixedOne>ONE</urn:fixedOne>`,
		`:extension>exempel</`,
	} {
		assert.Contains(t, string(env), want)
	}
	assert.Equal(t, 2, strings.Count(string(env), "<urn:amount "), "minOccurs=2")
	assert.Regexp(t, `(?s)<soapenv:Header>\s*<urn\d:LogicalAddress>SE0000000000-1234</urn\d:LogicalAddress>\s*<urn\d:Actor>\s*<urn\d:actorId>exempel</urn\d:actorId>\s*<urn\d:actorType>SUBJECT_OF_CARE</urn\d:actorType>`, string(env), "extra header parts are generated too")
	assert.NotContains(t, string(env), "optional")

	sc, ok := set.Schema(op.Namespace)
	require.True(t, ok)
	v := xsd.New(set)
	for _, response := range []bool{false, true} {
		var msg []byte
		if response {
			msg, err = sample.Response(op, sample.Options{})
		} else {
			msg = env
		}
		require.NoError(t, err)
		_, probs, err := xsd.ValidateMessage(v, msg)
		require.NoError(t, err)
		assert.Empty(t, probs, "%s", msg)
		valid, out, body := xmllintBody(t, xmllint, sc.Roots[0], op, response, sample.Options{})
		assert.True(t, valid, "xmllint: %s\n%s", out, body)
	}
}

// The rich mode fills optional elements and attributes, writes two of
// every repeatable element (a repeated choice takes each alternative once),
// varies enumerations and filler text between records within the facets,
// and leaves out what it must: a recursive optional element, an IDREF it
// cannot point anywhere, a wildcard.
func TestRichSample(t *testing.T) {
	t.Parallel()
	xmllint := rivtatest.Xmllint(t)
	set, err := contracts.LoadDir(filepath.Join("testdata", "rich"))
	require.NoError(t, err)
	op, ok := set.ByNamespace("urn:riv:test:rich:GetListResponder:1")
	require.True(t, ok)
	rich, err := sample.Response(op, sample.Options{Rich: true})
	require.NoError(t, err)
	least, err := sample.Response(op, sample.Options{})
	require.NoError(t, err)
	tests := []struct {
		name  string
		env   []byte
		count map[string]int
	}{
		{name: "rich", env: rich, count: map[string]int{
			"<urn:item ": 2, "<urn:status>booked<": 1, "<urn:status>cancelled<": 1,
			`<urn:item kind="exempel">`: 1, `<urn:item kind="exempel 2">`: 1, "<urn:id>exempel 2<": 1,
			"<urn:note>exempel<": 2, // maxLength 7: no room for a number
			"<urn:tag>":          3, // two in the first record, one in the second
			"<urn:few>":          2, "<urn:pair>": 1, "<urn:byCode>": 1, "<urn:byName>": 1,
			"<urn:part>": 0, "points=": 0, "extension": 0,
		}},
		{name: "least", env: least, count: map[string]int{"<urn:item": 0, "<urn:pair>": 0, "<urn:result>": 1}},
	}
	sc, ok := set.Schema(op.Namespace)
	require.True(t, ok)
	v := xsd.New(set)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for s, n := range tc.count {
				assert.Equal(t, n, strings.Count(string(tc.env), s), "%q in\n%s", s, tc.env)
			}
			_, probs, err := xsd.ValidateMessage(v, tc.env)
			require.NoError(t, err)
			assert.Empty(t, probs, "%s", tc.env)
			valid, out, body := xmllintBody(t, xmllint, sc.Roots[0], op, true, sample.Options{Rich: tc.name == "rich"})
			assert.True(t, valid, "xmllint: %s\n%s", out, body)
		})
	}
	req, err := sample.Request(op, sample.Options{Rich: true, Receiver: "SE2321000016-ABCD"})
	require.NoError(t, err)
	assert.Contains(t, string(req), "<urn:from>2024-05-17</urn:from>", "optional request element filled")
	assert.Contains(t, string(req), ">SE2321000016-ABCD</urn1:LogicalAddress>")
}
