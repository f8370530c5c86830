package rivta

import (
	"net/textproto"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseContract(t *testing.T) {
	tests := []struct {
		ns          string
		domain      []string
		interaction string
		major       int
		wsdl        string
		wantErr     string
	}{
		{ns: "urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1", domain: []string{"crm", "scheduling"}, interaction: "GetSubjectOfCareSchedule", major: 1, wsdl: "vp/crm/scheduling/GetSubjectOfCareSchedule/1/rivtabp21"},
		{ns: "urn:riv:clinicalprocess:healthcond:description:GetCareDocumentationResponder:2", domain: []string{"clinicalprocess", "healthcond", "description"}, interaction: "GetCareDocumentation", major: 2, wsdl: "vp/clinicalprocess/healthcond/description/GetCareDocumentation/2/rivtabp21"},
		{ns: "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1", domain: []string{"itintegration", "monitoring"}, interaction: "PingForConfiguration", major: 1, wsdl: "vp/itintegration/monitoring/PingForConfiguration/1/rivtabp21"},
		{ns: "urn:riv:crm:scheduling:GetSubjectOfCareSchedule:1", wantErr: "does not end in Responder"},
		{ns: "urn:riv:crm:GetXResponder:x", wantErr: "not a major version"},
		{ns: "urn:skl:tp:vagvalsinfo:v2", wantErr: "want urn:riv"},
		{ns: "urn:riv:a b:XResponder:1", wantErr: "only letters"},
	}
	for _, tc := range tests {
		t.Run(tc.ns, func(t *testing.T) {
			c, err := ParseContract(tc.ns)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.domain, c.Domain)
			assert.Equal(t, tc.interaction, c.Interaction)
			assert.Equal(t, tc.major, c.Major)
			assert.Equal(t, tc.wsdl, c.WSDLPath(RIVTABP21))
		})
	}
}

func TestCheckHSAID(t *testing.T) {
	tests := []struct {
		id      string
		wantErr string
	}{
		{id: "SE2321000016-CONS1"},
		{id: "HSA_id-1"},
		{id: "", wantErr: "empty"},
		{id: " SE1", wantErr: "whitespace"},
		{id: "SE1\t", wantErr: "whitespace"},
		{id: "SE#1", wantErr: "only letters"},
		{id: "*", wantErr: "only letters"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			err := CheckHSAID(tc.id)
			if tc.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tc.wantErr)
			}
		})
	}
}

func TestProfiles(t *testing.T) {
	p, err := ParseProfile("rivtabp20")
	require.NoError(t, err)
	assert.Equal(t, RIVTABP20, p)
	_, err = ParseProfile("RIVTABP30")
	require.Error(t, err)
	ns, local := RIVTABP20.ReceiverElement()
	assert.Equal(t, [2]string{WSAddressingNS, "To"}, [2]string{ns, local})
	got, ok := ProfileForReceiverElement("LogicalAddress")
	assert.True(t, ok)
	assert.Equal(t, RIVTABP21, got)
}

// TestKeysAreCanonical: each Key* constant is its header's name in
// canonical form.
func TestKeysAreCanonical(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, key string }{
		{HeaderCorrelationID, KeyCorrelationID},
		{HeaderProducerRoundTrip, KeyProducerRoundTrip},
		{HeaderOriginalConsumer, KeyOriginalConsumer},
		{HeaderRoutingHistory, KeyRoutingHistory},
		{HeaderActingOnBehalfOf, KeyActingOnBehalfOf},
		{HeaderVPSenderID, KeyVPSenderID},
		{HeaderVPInstanceID, KeyVPInstanceID},
		{HeaderVPAuthCert, KeyVPAuthCert},
		{HeaderForwardedTLSCert, KeyForwardedTLSCert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, textproto.CanonicalMIMEHeaderKey(tc.name), tc.key)
		})
	}
}
