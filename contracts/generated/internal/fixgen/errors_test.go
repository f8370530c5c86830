package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testWSDL = `<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:example:TResponder:1" xmlns:tns="urn:example:T:1:rivtabp21"
  targetNamespace="urn:example:T:1:rivtabp21">
  <wsdl:types><xs:schema><xs:import namespace="urn:example:TResponder:1" schemaLocation="t.xsd"/></xs:schema></wsdl:types>
  <wsdl:message name="Req"><wsdl:part name="parameters" PART/></wsdl:message>
  <wsdl:message name="Resp"><wsdl:part name="parameters" element="t:TResponse"/></wsdl:message>
  <wsdl:portType name="P"><wsdl:operation name="T"><wsdl:input message="tns:Req"/><wsdl:output message="tns:Resp"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="B" type="tns:P"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="T"><soap:operation soapAction="urn:example:T"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
</wsdl:definitions>`

const testXSD = `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:example:TResponder:1" targetNamespace="urn:example:TResponder:1" elementFormDefault="qualified">
  <xs:element name="T" type="t:TType"/>
  <xs:element name="TResponse" type="t:TType"/>
  <xs:complexType name="TType"><xs:sequence>BODY</xs:sequence></xs:complexType>
</xs:schema>`

// TestUnsupportedInputsAreNamed checks that schema constructs fixgen does not
// handle stop it with a message naming the construct, instead of writing
// types that would marshal wrongly.
func TestUnsupportedInputsAreNamed(t *testing.T) {
	tests := []struct {
		name, part, body, want string
	}{
		{"choice", `element="t:T"`, `<xs:choice><xs:element name="a" type="xs:string"/><xs:element name="b" type="xs:string"/></xs:choice>`, "xs:choice in a sequence"},
		{"rpc part", `type="xs:string"`, `<xs:element name="a" type="xs:string"/>`, "rpc style is not supported"},
		{"undeclared body element", `element="t:Nope"`, `<xs:element name="a" type="xs:string"/>`, "body element {urn:example:TResponder:1}Nope is not declared"},
		{"undeclared prefix", `element="u:T"`, `<xs:element name="a" type="xs:string"/>`, `prefix "u"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			wsdl := filepath.Join(dir, "t.wsdl")
			write(t, wsdl, strings.Replace(testWSDL, "PART", tt.part, 1))
			write(t, filepath.Join(dir, "t.xsd"), strings.Replace(testXSD, "BODY", tt.body, 1))
			src := filepath.Join(dir, "gowsdl.go")
			write(t, src, "package t\n\ntype TType struct{}\n\ntype T TType\n\ntype TResponse TType\n")
			err := run([]string{"-in", src, "-out", filepath.Join(dir, "out.go"), "-pkg", "t", "-wsdl", wsdl, "-base", dir, "-gowsdl-version", "test"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run error = %v, want it to mention %q", err, tt.want)
			}
			if _, statErr := os.Stat(filepath.Join(dir, "out.go")); statErr == nil {
				t.Errorf("an output file was written despite the error")
			}
		})
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
