package soapui

import (
	"maps"
	"testing"
	"time"
)

// TestMockScriptValues: the script forms Inera's mocks use to set the
// ${...} of their responses, and forms the importer must leave alone.
func TestMockScriptValues(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 5, 0, time.UTC)
	tests := []struct {
		name, script string
		times        bool // an onRequestScript (request time) rather than a response script
		want         map[string]string
	}{
		{name: "integer constant", script: "context.careContactId = 556677", want: map[string]string{"careContactId": "556677"}},
		{name: "string constants", script: "context.a = \"x y\"\ncontext.b = 'z';", want: map[string]string{"a": "x y", "b": "z"}},
		{name: "random is no constant", script: "context.careContactId = new Random().nextInt(1000000)", want: map[string]string{}},
		{name: "request value is no constant", script: "context.patientId = patientId", want: map[string]string{}},
		{name: "now via a local", times: true, script: "import java.text.SimpleDateFormat\n\ndef sdf = new SimpleDateFormat(\"yyyyMMddHHmmss\")\ndef now = sdf.format(new Date())\ncontext.now = now",
			want: map[string]string{"now": "20260302093005"}},
		{name: "now directly, quoted literal", times: true, script: "def f = new SimpleDateFormat(\"yyyy-MM-dd'T'HH:mm:ss\")\ncontext.ts = f.format(new Date())",
			want: map[string]string{"ts": "2026-03-02T09:30:05"}},
		{name: "unknown pattern letter", times: true, script: "def f = new SimpleDateFormat(\"EEE yyyy\")\ncontext.ts = f.format(new Date())", want: map[string]string{}},
		{name: "another date", times: true, script: "def f = new SimpleDateFormat(\"yyyy\")\ncontext.ts = f.format(someDate)", want: map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := scriptConstants(tc.script)
			if tc.times {
				got = scriptTimes(tc.script, now)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRequestEcho: a dispatch script's copies of request values, read
// from the test project's request with the script's own prefixes.
func TestRequestEcho(t *testing.T) {
	const script = `def holder = new XmlHolder( mockRequest.requestContent )
holder.namespaces['soapenv'] = 'http://schemas.xmlsoap.org/soap/envelope/'
holder.namespaces['g'] = 'urn:test:Get:1'
def unit = holder.getNodeValue('/soapenv:Envelope/soapenv:Body/g:Get/g:careUnitHSAId')
def gone = holder.getNodeValue('/soapenv:Envelope/soapenv:Body/g:Get/g:nothing')
context.careUnitHSAId = unit
context.nothing = gone`
	const request = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x:Get xmlns:x="urn:test:Get:1"><x:careUnitHSAId>123465</x:careUnitHSAId></x:Get></s:Body></s:Envelope>`
	tests := []struct {
		name, request string
		want          map[string]string
	}{
		{"read with the script's prefixes", request, map[string]string{"careUnitHSAId": "123465"}},
		{"no request", "", map[string]string{}},
		{"not XML", "<broken", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := requestEcho(script, tc.request); !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
