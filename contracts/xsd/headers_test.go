package xsd_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/xsd"
	"github.com/rivgate/rivgate/internal/testutil"
)

// notesRequest is a GetNotes request of the fixture contract whose binding
// declares the header Actor besides LogicalAddress; header is what the
// Header holds after LogicalAddress.
func notesRequest(header string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:act="urn:riv:interoperability:headers:1">
  <soapenv:Header>
    <itr:LogicalAddress xmlns:itr="urn:riv:itintegration:registry:1">SE2321000016-NOTE</itr:LogicalAddress>` + header + `
  </soapenv:Header>
  <soapenv:Body>
    <gn:GetNotes xmlns:gn="urn:riv:demo:notes:GetNotesResponder:1" xmlns:core="urn:riv:demo:notes:1">
      <gn:patientId><core:id>191212121212</core:id><core:type>1.2.752.129.2.1.3.1</core:type></gn:patientId>
    </gn:GetNotes>
  </soapenv:Body>
</soapenv:Envelope>`
}

func TestValidateHeaders(t *testing.T) {
	t.Parallel()
	set, err := contracts.LoadDir(filepath.Join(testutil.RepoRoot(t), "fixtures", "contracts", "demo_notes_1.0"))
	require.NoError(t, err)
	op, ok := set.ByNamespace("urn:riv:demo:notes:GetNotesResponder:1")
	require.True(t, ok)
	actor := contracts.QName{Space: "urn:riv:interoperability:headers:1", Local: "Actor"}
	v := xsd.New(set)
	tests := []struct {
		name      string
		header    string
		validator xsd.Validator
		count     int
		problems  []string // message and the text at its position
		at        []string
		elsewhere []contracts.QName
		why       string // Unvalidated
	}{
		{name: "correct", count: 1, validator: v,
			header: "\n    <act:Actor><act:actorId>SE2321000016-1234</act:actorId><act:actorType>PROFESSION</act:actorType></act:Actor>"},
		{name: "missing", validator: v},
		{name: "in another namespace", validator: v, elsewhere: []contracts.QName{{Space: "urn:riv:interoperability:headers:2", Local: "Actor"}},
			header: `<x:Actor xmlns:x="urn:riv:interoperability:headers:2"/>`},
		{name: "wrong type", count: 1, validator: v,
			header:   "\n    <act:Actor><act:actorId>SE2321000016-1234</act:actorId><act:actorType>DOCTOR</act:actorType></act:Actor>",
			problems: []string{`/Actor/actorType: value "DOCTOR" is not one of "SUBJECT_OF_CARE", "PROFESSION" of ActorTypeEnum [validation.facet]`},
			at:       []string{"</act:actorType>"}},
		{name: "missing child, prefix declared on the Envelope", count: 1, validator: v,
			header:   "\n    <act:Actor><act:actorId>x</act:actorId></act:Actor>",
			problems: []string{"/Actor: missing required child element; expected is ( {urn:riv:interoperability:headers:1}actorType ) [validation.content]"},
			at:       []string{"</act:Actor>"}},
		{name: "twice, second invalid", count: 2, validator: v,
			header: "\n    <act:Actor><act:actorId>a</act:actorId><act:actorType>PROFESSION</act:actorType></act:Actor>" +
				"\n    <act:Actor><act:actorType>PROFESSION</act:actorType></act:Actor>",
			// One problem for the one missing element, as xmllint reports it.
			problems: []string{"/Actor: unexpected child element {urn:riv:interoperability:headers:1}actorType; expected is ( {urn:riv:interoperability:headers:1}actorId ) [validation.element]"},
			at:       []string{"<act:actorType>"}},
		{name: "no validator: presence only", count: 1, why: "no XSD validator configured",
			header: "<act:Actor/>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msg := []byte(notesRequest(tc.header))
			res, err := xsd.ValidateHeaders(tc.validator, op, msg)
			require.NoError(t, err)
			require.Len(t, res, 1)
			r := res[0]
			assert.Equal(t, actor, r.Element)
			assert.Equal(t, tc.count, r.Count)
			assert.Equal(t, tc.count == 0, r.Missing())
			assert.Equal(t, tc.elsewhere, r.Elsewhere)
			assert.Equal(t, tc.why, r.Unvalidated)
			require.Len(t, r.Problems, len(tc.problems), "%v", r.Problems)
			for i, p := range r.Problems {
				assert.Equal(t, tc.problems[i], p.Message)
				assert.Equal(t, tc.at[i], at(t, msg, p.Line, p.Column, len(tc.at[i])), "problem %v", p)
			}
		})
	}

	// Not an envelope: an error, not a finding about the header.
	_, err = xsd.ValidateHeaders(v, op, []byte(`<gn:GetNotes xmlns:gn="urn:riv:demo:notes:GetNotesResponder:1"/>`))
	require.ErrorContains(t, err, "not a SOAP envelope")
	_, err = xsd.ValidateHeaders(v, op, []byte(strings.Replace(notesRequest(""), "</soapenv:Header>", "</soapenv:Heade>", 1)))
	require.ErrorContains(t, err, "not well-formed")
}
