package pingforconfiguration_test

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/contracts/generated/gentest"
	ping "github.com/rivgate/rivgate/contracts/generated/pingforconfiguration"
	"github.com/rivgate/rivgate/contracts/generated/soapxml"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// extension is an element in another namespace, allowed by the contract's
// xs:any wildcards; it must survive marshalling.
func extension(t *testing.T) soapxml.Any {
	t.Helper()
	var a soapxml.Any
	if err := xml.Unmarshal([]byte(`<ext:note xmlns:ext="urn:example:ext" ext:lang="sv"><ext:text>hej</ext:text></ext:note>`), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestMarshalledMessagesValidate(t *testing.T) {
	schemas := gentest.PlatformSchemas(t)
	started := time.Date(2026, 11, 24, 13, 5, 9, 0, time.UTC)
	tests := []struct {
		name  string
		build func() ([]byte, error)
		parse func([]byte) (any, error)
	}{
		{
			name: "request RIVTABP21",
			build: func() ([]byte, error) {
				return ping.RequestEnvelope(rivta.RIVTABP21, "SE165565594230-1000", &ping.PingForConfiguration{
					ServiceContractNamespace: ping.Namespace, LogicalAddress: "SE165565594230-1000",
				})
			},
			parse: func(b []byte) (any, error) { return ping.ParseRequest(b) },
		},
		{
			name: "request RIVTABP20",
			build: func() ([]byte, error) {
				return ping.RequestEnvelope(rivta.RIVTABP20, "SE165565594230-1000", &ping.PingForConfiguration{
					ServiceContractNamespace: ping.Namespace, LogicalAddress: "SE165565594230-1000",
				})
			},
			parse: func(b []byte) (any, error) { return ping.ParseRequest(b) },
		},
		{
			name: "request with empty required elements and an extension",
			build: func() ([]byte, error) {
				return ping.RequestEnvelope(rivta.RIVTABP21, "x", &ping.PingForConfiguration{Items: []soapxml.Any{extension(t)}})
			},
			parse: func(b []byte) (any, error) { return ping.ParseRequest(b) },
		},
		{
			name: "response with configuration",
			build: func() ([]byte, error) {
				return ping.ResponseEnvelope(&ping.PingForConfigurationResponse{
					Version:      "1.2.3",
					PingDateTime: ping.FormatTS(started),
					Configuration: []*ping.ConfigurationType{
						{Name: "Applikation", Value: "rivgate"},
						{Name: "StartTime", Value: started.Format(time.RFC3339), Items: []soapxml.Any{extension(t)}},
					},
				})
			},
			parse: func(b []byte) (any, error) { return ping.ParseResponse(b) },
		},
		{
			name: "response minimal",
			build: func() ([]byte, error) {
				return ping.ResponseEnvelope(&ping.PingForConfigurationResponse{Version: "1", PingDateTime: ping.FormatTS(started)})
			},
			parse: func(b []byte) (any, error) { return ping.ParseResponse(b) },
		},
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
			if got := gentest.BodyNamespace(msg); got != ping.Namespace {
				t.Errorf("body namespace %q, want %q", got, ping.Namespace)
			}
			v, err := tt.parse(msg)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tt.parse(msg)
			if err != nil || !reflect.DeepEqual(v, again) {
				t.Errorf("parse not stable: %v", err)
			}
		})
	}
}

func TestRequestHeaderPerProfile(t *testing.T) {
	tests := []struct {
		name    string
		profile rivta.Profile
		want    string
	}{
		{"RIVTABP21 LogicalAddress", rivta.RIVTABP21, `<LogicalAddress xmlns="urn:riv:itintegration:registry:1">SE1</LogicalAddress>`},
		{"RIVTABP20 wsa:To", rivta.RIVTABP20, `<To xmlns="http://www.w3.org/2005/08/addressing">SE1</To>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := ping.RequestEnvelope(tt.profile, "SE1", &ping.PingForConfiguration{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(msg), "<soapenv:Header>"+tt.want+"</soapenv:Header>") {
				t.Errorf("header not as expected:\n%s", msg)
			}
			recv, wsaTo, ok := gentest.Receiver(msg)
			if !ok || recv != "SE1" || wsaTo != (tt.profile == rivta.RIVTABP20) {
				t.Errorf("Receiver() = %q, %v, %v", recv, wsaTo, ok)
			}
		})
	}
}

func TestPublishedSamplesRoundTrip(t *testing.T) {
	const emptyBody = "VP's test request: PingForConfiguration is empty, the required serviceContractNamespace and logicalAddress are missing"
	gentest.RoundTrip{
		NS:      ping.Namespace,
		Schemas: gentest.PlatformSchemas(t),
		Invalid: map[string]string{
			"samples/skltp-vp/testfiles/PingForConfiguration-expected-result.xml":           emptyBody,
			"samples/skltp-vp/testfiles/PingForConfiguration-expected-rivtabp20-result.xml": emptyBody,
			"samples/skltp-vp/testfiles/PingForConfiguration-request-input.xml":             emptyBody,
			"samples/skltp-vp/testfiles/PingForConfiguration-request-rivtabp21-input.xml":   emptyBody,
		},
		Parse: func(b []byte) (any, error) { return ping.ParseRequest(b) },
		Marshal: func(body any, receiver string, wsaTo, has bool) ([]byte, error) {
			p := rivta.RIVTABP21
			if wsaTo {
				p = rivta.RIVTABP20
			}
			return ping.RequestEnvelope(p, receiver, body.(*ping.PingForConfiguration))
		},
	}.Run(t)
}

func TestFormatTS(t *testing.T) {
	got := ping.FormatTS(time.Date(2013, 5, 24, 7, 8, 9, 0, time.UTC))
	if got != "20130524070809" {
		t.Errorf("FormatTS = %q", got)
	}
}
