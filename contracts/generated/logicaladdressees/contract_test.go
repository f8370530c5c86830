package logicaladdressees_test

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/contracts/generated/gentest"
	la "github.com/rivgate/rivgate/contracts/generated/logicaladdressees"
	"github.com/rivgate/rivgate/contracts/generated/soapxml"
)

func TestMarshalledMessagesValidate(t *testing.T) {
	schemas := gentest.PlatformSchemas(t)
	tests := []struct {
		name  string
		build func() ([]byte, error)
	}{
		{"request", func() ([]byte, error) {
			return la.RequestEnvelope("SE165565594230-1000", &la.GetLogicalAddresseesByServiceContract{
				ServiceConsumerHsaId: "SE5565594230-B9P",
				ServiceContractNameSpace: la.ServiceContractNamespaceType{
					ServiceContractNamespace: "urn:riv:itintegration:engagementindex:ProcessNotificationResponder:1",
				},
			})
		}},
		{"response with filters", func() ([]byte, error) {
			return la.ResponseEnvelope(&la.GetLogicalAddresseesByServiceContractResponse{
				LogicalAddressRecord: []*la.LogicalAddresseeRecordType{
					{LogicalAddress: "SE2321000016-7P35", Filter: []*la.FilterType{
						{ServiceDomain: "riv:clinicalprocess:logistics:logistics", Categorization: []string{"vko", "vo"}},
						{ServiceDomain: "riv:clinicalprocess:healthcond:description"},
					}},
					{LogicalAddress: "SE2321000016-A12B"},
				},
			})
		}},
		{"empty response", func() ([]byte, error) {
			return la.ResponseEnvelope(&la.GetLogicalAddresseesByServiceContractResponse{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			if err := gentest.Validate(t, msg, schemas); err != nil {
				t.Fatalf("%v\n%s", err, msg)
			}
		})
	}
}

// gowsdlServiceContractNamespaceType is what gowsdl v0.5.0 generated for the
// core component: the nested element's tag has no namespace.
type gowsdlServiceContractNamespaceType struct {
	ServiceContractNamespace string `xml:"ServiceContractNamespace,omitempty"`
}

type gowsdlRequest struct {
	XMLName                  xml.Name                            `xml:"urn:riv:infrastructure:itintegration:registry:GetLogicalAddresseesByServiceContractResponder:2 GetLogicalAddresseesByServiceContract"`
	ServiceConsumerHsaId     string                              `xml:"serviceConsumerHsaId,omitempty"`
	ServiceContractNameSpace *gowsdlServiceContractNamespaceType `xml:"serviceContractNameSpace,omitempty"`
}

// TestGowsdlShapeIsRejected shows the defect the corrected types fix, with
// xmllint as the judge: gowsdl's unqualified nested element lands in the
// Responder namespace instead of the core component's.
func TestGowsdlShapeIsRejected(t *testing.T) {
	msg, err := soapxml.Marshal(&gowsdlRequest{
		ServiceConsumerHsaId:     "SE5565594230-B9P",
		ServiceContractNameSpace: &gowsdlServiceContractNamespaceType{ServiceContractNamespace: "urn:riv:x:XResponder:1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = gentest.Validate(t, msg, gentest.PlatformSchemas(t))
	if !errors.Is(err, gentest.ErrInvalid) {
		t.Fatalf("gowsdl-shaped message accepted, want rejected: %v\n%s", err, msg)
	}
	if !strings.Contains(err.Error(), "ServiceContractNamespace") {
		t.Errorf("rejected for another reason: %v", err)
	}
}

func TestPublishedSamplesRoundTrip(t *testing.T) {
	const literalCR = `SoapUI stored the line ends as the two characters \r, which is text where the schema allows only elements`
	gentest.RoundTrip{
		NS:      la.Namespace,
		Schemas: gentest.PlatformSchemas(t),
		Invalid: map[string]string{
			"soapui/skltp-test_soapui-skltp/soaptest/SKLTP-Core-Tjansteadressering-soapui-project.xml#3": literalCR,
			"soapui/skltp-test_soapui-skltp/soaptest/SKLTP-Core-Tjansteadressering-soapui-project.xml#7": literalCR,
			"soapui/skltp-test_soapui-skltp/soaptest/SKLTP-Core-Tjansteadressering-soapui-project.xml#8": literalCR,
		},
		Parse: func(b []byte) (any, error) { return la.ParseRequest(b) },
		Marshal: func(body any, receiver string, _, _ bool) ([]byte, error) {
			return la.RequestEnvelope(receiver, body.(*la.GetLogicalAddresseesByServiceContract))
		},
	}.Run(t)
}
