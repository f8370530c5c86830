package supportedcontracts_test

import (
	"testing"

	"github.com/rivgate/rivgate/contracts/generated/gentest"
	sc "github.com/rivgate/rivgate/contracts/generated/supportedcontracts"
)

func TestMarshalledMessagesValidate(t *testing.T) {
	schemas := gentest.PlatformSchemas(t)
	consumer := sc.HsaIdType("SE5565594230-B9P")
	tests := []struct {
		name  string
		build func() ([]byte, error)
	}{
		{"request with consumer", func() ([]byte, error) {
			return sc.RequestEnvelope("SE165565594230-1000", &sc.GetSupportedServiceContracts{
				ServiceConsumerHsaId: &consumer, LogicalAdress: "SE2321000016-7P35",
			})
		}},
		{"request without consumer", func() ([]byte, error) {
			return sc.RequestEnvelope("SE165565594230-1000", &sc.GetSupportedServiceContracts{LogicalAdress: "SE2321000016-7P35"})
		}},
		{"response", func() ([]byte, error) {
			return sc.ResponseEnvelope(&sc.GetSupportedServiceContractsResponse{
				ServiceContractNamespace: []*sc.ServiceContractNamespaceType{
					{ServiceContractNamespace: "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1"},
					{ServiceContractNamespace: "urn:riv:itintegration:engagementindex:ProcessNotificationResponder:1"},
				},
			})
		}},
		{"empty response", func() ([]byte, error) {
			return sc.ResponseEnvelope(&sc.GetSupportedServiceContractsResponse{})
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

func TestPublishedSamplesRoundTrip(t *testing.T) {
	const literalCR = `SoapUI stored the line ends as the two characters \r, which is text where the schema allows only elements`
	gentest.RoundTrip{
		NS:      sc.Namespace,
		Schemas: gentest.PlatformSchemas(t),
		Invalid: map[string]string{
			"soapui/skltp-test_soapui-skltp/soaptest/SKLTP-AgP-Hogkostnadsskydd-soapui-project.xml#3":    literalCR,
			"soapui/skltp-test_soapui-skltp/soaptest/SKLTP-Core-Tjansteadressering-soapui-project.xml#2": literalCR,
			"soapui/skltp-test_soapui-skltp/soaptest/SKLTP-Core-Tjansteadressering-soapui-project.xml#5": literalCR,
			"soapui/skltp-test_soapui-skltp/soaptest/SKLTP-Core-Tjansteadressering-soapui-project.xml#6": literalCR,
		},
		Parse: func(b []byte) (any, error) { return sc.ParseRequest(b) },
		Marshal: func(body any, receiver string, _, _ bool) ([]byte, error) {
			return sc.RequestEnvelope(receiver, body.(*sc.GetSupportedServiceContracts))
		},
	}.Run(t)
}
