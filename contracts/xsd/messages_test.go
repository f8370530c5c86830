package xsd_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/sample"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil/rivtatest"
)

// realOperation loads a shared contract folder and finds an operation.
func realOperation(t *testing.T, folder, name string, strict bool) (*contracts.Set, contracts.Operation) {
	t.Helper()
	set, err := contracts.LoadDirWith(filepath.Join(rivtatest.Contracts(t), folder), contracts.LoadOptions{StrictXSD: strict})
	require.NoError(t, err)
	for _, op := range set.Operations() {
		if op.Name == name {
			return set, op
		}
	}
	t.Fatalf("%s has no operation %s", folder, name)
	return nil, contracts.Operation{}
}

// Three published contracts write their personnummer pattern ^...$. Read
// the default way a correct personnummer is valid; read strictly, as XSD
// defines it (and xmllint reads it), it is not, and the message says why.
func TestAnchoredPatternsOnRealContracts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		folder, operation, element, typ string
	}{
		{folder: "crm_scheduling_1.0.4", operation: "GetSubjectOfCareSchedule", element: "subject_of_care", typ: "SubjectOfCareIdType"},
		{folder: "crm_requeststatus_1.0.1_from-soapui", operation: "GetRequestActivities", element: "subjectOfCareId", typ: "SubjectOfCareIdType"},
		{folder: "itintegration_engagementindex_1.0", operation: "Update", element: "registeredResidentIdentification", typ: "RegisteredResidentIdentificationType"},
	}
	for _, tc := range tests {
		t.Run(tc.folder, func(t *testing.T) {
			t.Parallel()
			set, op := realOperation(t, tc.folder, tc.operation, false)
			msg, err := sample.Request(op, sample.Options{})
			require.NoError(t, err)
			require.Contains(t, string(msg), ">191212121212</", "the sample holds a correct personnummer")
			_, probs, err := xsd.ValidateMessage(xsd.New(set), msg)
			require.NoError(t, err)
			assert.Empty(t, probs, "read as anchors, a correct personnummer is valid")

			strictSet, _ := realOperation(t, tc.folder, tc.operation, true)
			_, probs, err = xsd.ValidateMessage(xsd.New(strictSet), msg)
			require.NoError(t, err)
			require.Len(t, probs, 1, "%v", probs)
			assert.Regexp(t, `/`+tc.element+`: value "191212121212" does not match the pattern "\^\[0-9\]\{8\}\[0-9pPtTfF\]\[0-9\]\{3\}\$" of `+
				tc.typ+` \(strict XSD: \^ and \$ are characters the value must contain\) \[validation.facet\]$`, probs[0].Message)

			require.Len(t, set.PatternAnchors(), len(set.Namespaces()), "every contract of the folder shares the core type")
			for _, a := range set.PatternAnchors() {
				require.Len(t, a.Patterns, 1)
				assert.Equal(t, tc.typ, a.Patterns[0].Owner)
				assert.Contains(t, a.String(), "read with ^ and $ as anchors")
			}
			assert.Contains(t, strictSet.PatternAnchors()[0].String(), "literal characters a valid value must contain")
		})
	}
}

// Schema messages on real contracts name the element, the offending value
// and the facet, or the elements the content model expected.
func TestMessagesOnRealContracts(t *testing.T) {
	t.Parallel()
	const (
		gcd  = "{urn:riv:clinicalprocess:healthcond:description:GetCareDocumentationResponder:2}"
		core = "{urn:riv:clinicalprocess:healthcond:description:2}"
	)
	long := strings.Repeat("1234567890", 5)
	tests := []struct {
		name, folder, operation string
		response                bool
		old, new                string // replaced in the sample
		want                    []string
	}{
		{name: "missing required element", folder: "clinicalprocess_healthcond_description_2.1.1", operation: "GetCareDocumentation",
			old:  "<urn:patientId>\n        <urn1:id>191212121212</urn1:id>\n        <urn1:type>1.2.752.129.2.1.3.1</urn1:type>\n      </urn:patientId>",
			new:  "<urn:careUnitHSAid>SE2321000016-1234</urn:careUnitHSAid>",
			want: []string{"/GetCareDocumentation: missing required child element; expected is ( " + gcd + "careUnitHSAid | " + gcd + "patientId ) [validation.content]"}},
		{name: "element out of order", folder: "clinicalprocess_healthcond_description_2.1.1", operation: "GetCareDocumentation",
			old: "<urn:patientId>", new: "<urn:sourceSystemHSAid>SE1</urn:sourceSystemHSAid><urn:patientId>",
			want: []string{"/GetCareDocumentation: unexpected child element " + gcd + "sourceSystemHSAid; expected is ( " + gcd + "careUnitHSAid | " + gcd + "patientId ) [validation.element]"}},
		{name: "child in the wrong namespace", folder: "clinicalprocess_healthcond_description_2.1.1", operation: "GetCareDocumentation",
			old: "<urn1:id>191212121212</urn1:id>", new: "<urn:id>191212121212</urn:id>",
			// One problem, as xmllint reports it: the siblings after it and
			// the parent's end follow from it (TestOneMissingElementAsXmllint).
			want: []string{
				"/GetCareDocumentation/patientId: unexpected child element " + gcd + "id; expected is ( " + core + "id ) [validation.element]",
			}},
		{name: "nothing more allowed", folder: "clinicalprocess_healthcond_description_2.1.1", operation: "GetCareDocumentation",
			old: "</urn:patientId>", new: "</urn:patientId><urn:patientId/>",
			want: []string{"/GetCareDocumentation: unexpected child element " + gcd + "patientId; expected is ( " + gcd + "timePeriod | " +
				gcd + "sourceSystemHSAid | " + gcd + "careContactId | any element (##other) ) [validation.element]"}},
		{name: "pattern", folder: "clinicalprocess_healthcond_description_2.1.1", operation: "GetCareDocumentation",
			old: "</urn:patientId>", new: "</urn:patientId><urn:timePeriod><urn1:start>2024-05-17</urn1:start><urn1:end>20240518</urn1:end></urn:timePeriod>",
			want: []string{`/GetCareDocumentation/timePeriod/start: value "2024-05-17" does not match the pattern "(19|20)\\d\\d(0[1-9]|1[012])(0[1-9]|[12][0-9]|3[01])" of DateType [validation.facet]`}},
		{name: "enumeration", folder: "ehr_blocking_3.2.1", operation: "GetBlocksForPatient", response: true,
			old: "<urn1:ResultCode>OK</urn1:ResultCode>", new: "<urn1:ResultCode>FINE</urn1:ResultCode>",
			want: []string{`/GetBlocksForPatientResponse/BlockHeaderType/Result/ResultCode: value "FINE" is not one of "OK", "INFO", "ERROR", "VALIDATIONERROR", "ACCESSDENIED", "NOTFOUND", "ALREADYEXISTS", "INVALIDSTATE" of ResultCodeType [validation.facet]`}},
		{name: "long value abbreviated, maxLength", folder: "ehr_blocking_3.2.1", operation: "GetBlocksForPatient",
			old: "<urn:PatientId>exempel</urn:PatientId>", new: "<urn:PatientId>" + long + "</urn:PatientId>",
			want: []string{`/GetBlocksForPatientRequest/PatientId: value "` + long[:37] + `"... (50 characters) has 50 characters, the maxLength of PersonIdValue is 12 [validation.facet]`}},
		{name: "built-in type", folder: "ehr_blocking_3.2.1", operation: "GetBlocksForPatient", response: true,
			old: "<urn1:LatestCancellation>2024-05-17T10:30:00</urn1:LatestCancellation>", new: "<urn1:LatestCancellation>yesterday</urn1:LatestCancellation>",
			want: []string{`/GetBlocksForPatientResponse/BlockHeaderType/LatestCancellation: value "yesterday" is not a valid xs:dateTime (invalid date/time) [validation.facet]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			set, op := realOperation(t, tc.folder, tc.operation, false)
			var msg []byte
			var err error
			if tc.response {
				msg, err = sample.Response(op, sample.Options{})
			} else {
				msg, err = sample.Request(op, sample.Options{})
			}
			require.NoError(t, err)
			require.Contains(t, string(msg), tc.old)
			msg = []byte(strings.Replace(string(msg), tc.old, tc.new, 1))
			_, probs, err := xsd.ValidateMessage(xsd.New(set), msg)
			require.NoError(t, err)
			got := make([]string, len(probs))
			for i, p := range probs {
				got[i] = p.Message
			}
			assert.Equal(t, tc.want, got, "in\n%s", msg)
		})
	}
}

// An attribute's value and facet, an xsi:type's content model, a value of
// simple content: on the schema constructs the sample generator is tested
// with.
func TestMessagesOnConstructs(t *testing.T) {
	t.Parallel()
	set, err := contracts.LoadDir(filepath.Join("..", "sample", "testdata", "constructs"))
	require.NoError(t, err)
	op, ok := set.ByNamespace("urn:riv:test:constructs:DoAllResponder:1")
	require.True(t, ok)
	good, err := sample.Request(op, sample.Options{})
	require.NoError(t, err)
	tests := []struct {
		name, old, new, want string
	}{
		{name: "attribute pattern", old: `currency="AAA"`, new: `currency="kr"`,
			want: `attribute currency value "kr" does not match the pattern "[A-Z]{3}" [validation.facet]`},
		{name: "simple content", old: `changedBy="sample">1<`, new: `changedBy="sample">-1<`,
			want: `/DoAll/amount: value "-1" breaks minInclusive of xs:positiveInteger [validation.facet]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, string(good), tc.old)
			msg := []byte(strings.Replace(string(good), tc.old, tc.new, 1))
			_, probs, err := xsd.ValidateMessage(xsd.New(set), msg)
			require.NoError(t, err)
			require.Len(t, probs, 1, "%v", probs)
			assert.Contains(t, probs[0].Message, tc.want)
		})
	}
}

// xmllintNotExpected is xmllint's error for a child its parent's content
// model does not allow there.
var xmllintNotExpected = regexp.MustCompile(`(?m)^[^\n]*:(\d+): element \w+: Schemas validity error : Element '([^']+)': This element is not expected\. Expected is (?:one of )?\( ([^)]+) \)\.$`)

// TestOneMissingElementAsXmllint leaves one required element out of a
// realistic message of a real contract and compares the problems with
// xmllint's on the same document: one problem, at the same line, naming
// the same element and the same expected element(s), however many siblings
// follow the gap (the validator alone also calls each of them unexpected
// and the parent incomplete).
func TestOneMissingElementAsXmllint(t *testing.T) {
	t.Parallel()
	xmllint := rivtatest.Xmllint(t)
	set, op := realOperation(t, "clinicalprocess_healthcond_description_2.1.1", "GetCareDocumentation", false)
	body, err := sample.Body(op, true, sample.Options{Rich: true})
	require.NoError(t, err)
	v := xsd.New(set)
	tests := []struct {
		name, missing string // an element left out: its whole line
		siblings      int    // elements after it in the same parent
	}{
		{name: "first of a long sequence", missing: "<urn1:documentId>exempel</urn1:documentId>", siblings: 10},
		{name: "second of a long sequence", missing: "<urn1:sourceSystemHSAid>SE0000000000-1234</urn1:sourceSystemHSAid>", siblings: 9},
		{name: "one sibling after", missing: "<urn1:id>191212121212</urn1:id>", siblings: 1},
		{name: "nested, several after", missing: "<urn1:orgUnitHSAId>SE0000000000-1234</urn1:orgUnitHSAId>", siblings: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			line := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(tc.missing) + `\n`)
			loc := line.FindIndex(body)
			require.NotNil(t, loc, "the sample holds %s", tc.missing)
			doc := append(append([]byte{}, body[:loc[0]]...), body[loc[1]:]...)
			file := filepath.Join(t.TempDir(), "body.xml")
			require.NoError(t, os.WriteFile(file, doc, 0o644))
			valid, out := rivtatest.XmllintVerdict(t, xmllint, op.Schemas[0], file)
			require.False(t, valid, "xmllint accepts the body without %s", tc.missing)
			oracle := xmllintNotExpected.FindAllStringSubmatch(out, -1)
			require.Len(t, oracle, 1, "xmllint reports one error:\n%s", out)
			probs, err := v.Validate(op.Namespace, doc)
			require.NoError(t, err)
			require.Len(t, probs, 1, "one problem for one missing element (%d siblings follow it): %v", tc.siblings, probs)
			wantLine, _ := strconv.Atoi(oracle[0][1])
			expected := strings.ReplaceAll(oracle[0][3], ", ", " | ")
			assert.Equal(t, wantLine, probs[0].Line, "line")
			assert.Contains(t, probs[0].Message, "unexpected child element "+oracle[0][2]+"; expected is ( "+expected+" )", "xmllint: %s", out)
		})
	}
}
