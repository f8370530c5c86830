package match

import (
	"testing"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/msgcheck"
)

// TestFill fills templates from the GetVisits request: values by URI (the
// document's prefixes differ from the suite's), escaped, and every
// placeholder that finds nothing named in one error.
func TestFill(t *testing.T) {
	t.Parallel()
	doc, err := msgcheck.ParseDocument([]byte(getVisits))
	if err != nil {
		t.Fatal(err)
	}
	ns := map[string]string{"soap": envelope.SOAP11NS, "itr": "urn:riv:itintegration:registry:1",
		"gv": "urn:riv:demo:clinic:GetVisitsResponder:1", "core": "urn:riv:demo:clinic:1"}
	tests := []struct {
		name, template, want, err string
		noDoc                     bool
	}{
		{name: "element, attribute, receiver", template: `<r id="{{//gv:patientId/core:id}}" k="{{//gv:careUnitHSAId/@kind}}">{{/soap:Envelope/soap:Header/itr:LogicalAddress}}</r>`,
			want: `<r id="191212121212" k="unit">SE2321000016-PROD1</r>`},
		{name: "functions", template: `<r>{{substring(//core:id, 1, 8)}} {{count(//gv:patientId)}} {{concat('a&', "<b>")}}</r>`,
			want: `<r>19121212 1 a&amp;&lt;b&gt;</r>`},
		{name: "first of several", template: `<r>{{//gv:patientId/*}}</r>`, want: `<r>191212121212</r>`},
		{name: "nothing found, every one named", template: "<r>{{//gv:fromDate}}\n{{//core:id}}{{substring(//gv:toDate, 1, 4)}}</r>",
			err: "template t.xml: placeholder(s) {{//gv:fromDate}} (line 1), {{substring(//gv:toDate, 1, 4)}} (line 2) found nothing in the request"},
		{name: "unknown prefix", template: "<r>{{//x:id}}</r>", err: "template t.xml: placeholder {{//x:id}} (line 1): bad XPath: prefix x not defined."},
		{name: "not XML", template: "<r>{{//core:id}}</r>", noDoc: true,
			err: "template t.xml: the request is not an XML document, so its 1 placeholder(s) cannot be filled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := scenario.ParseTemplate("t.xml", []byte(tc.template))
			if err != nil {
				t.Fatal(err)
			}
			d := doc
			if tc.noDoc {
				d = nil
			}
			got, err := Fill(tpl, d, ns)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err %v\nwant %s", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Fill = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
