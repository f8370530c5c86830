// Package gentest is test support for the generated contract packages and
// the platform services: where the shared RIV-TA data is, and xmllint as an
// independent XSD oracle for whole SOAP envelopes.
//
// ValidateEnvelope checks the exact bytes under test: it writes a small SOAP
// 1.1 envelope schema whose Header and Body children are validated strictly
// against the contract XSDs it imports, so an element in a wrong namespace is
// an error (never skipped as lax content).
package gentest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rivgate/rivgate/internal/testutil"
)

// RivtaDir is ../shared/rivta relative to the module root; the test skips,
// saying so, when it is absent.
func RivtaDir(t testing.TB) string {
	t.Helper()
	testutil.Shared(t, "contracts")
	return testutil.Shared(t)
}

// Xmllint returns the xmllint path or skips the test.
func Xmllint(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint missing: apt-get install -y libxml2-utils (scripts/test.sh installs it)")
	}
	return p
}

// Schemas maps a namespace to the XSD file that declares it.
type Schemas map[string]string

// Contract schema files, relative to the rivta directory.
const (
	PingXSD        = "contracts/itintegration_monitoring_1.0/schemas/interactions/PingForConfigurationInteraction/PingForConfigurationResponder_1.0.xsd"
	Registry1XSD   = "contracts/itintegration_monitoring_1.0/schemas/core_components/itintegration_registry_1.0.xsd"
	WSAddressXSD   = "contracts/itintegration_monitoring_1.0/schemas/core_components/ws-addressing-1.0.xsd"
	LogicalAddrXSD = "contracts/infrastructure_itintegration_registry_2.0/schemas/interactions/GetLogicalAddresseesByServiceContractInteraction/GetLogicalAddresseesByServiceContractResponder_2.0.xsd"
	SupportedXSD   = "contracts/infrastructure_itintegration_registry_2.0/schemas/interactions/GetSupportedServiceContractsInteraction/GetSupportedServiceContractsResponder_2.0.xsd"
	Registry2XSD   = "contracts/infrastructure_itintegration_registry_2.0/schemas/core_components/infrastructure_itintegration_registry_2.0.xsd"
	SokVagvalsXSD  = "contracts/skltp_tak_vagval_2.0/schemas/interactions/vagvalsInfo/vagvalsinfo-sokvagvalsinfo-2.0.xsd"
)

// Namespaces of the schemas above.
const (
	NSPing       = "urn:riv:itintegration:monitoring:PingForConfigurationResponder:1"
	NSRegistry1  = "urn:riv:itintegration:registry:1"
	NSWSAddress  = "http://www.w3.org/2005/08/addressing"
	NSLogical    = "urn:riv:infrastructure:itintegration:registry:GetLogicalAddresseesByServiceContractResponder:2"
	NSSupported  = "urn:riv:infrastructure:itintegration:registry:GetSupportedServiceContractsResponder:2"
	NSRegistry2  = "urn:riv:infrastructure:itintegration:registry:2"
	NSVagvalInfo = "urn:skl:tp:vagvalsinfo:v2"
)

// PlatformSchemas are the schemas of every platform contract and both
// receiver headers, keyed by namespace, with absolute paths.
func PlatformSchemas(t testing.TB) Schemas {
	t.Helper()
	r := RivtaDir(t)
	s := Schemas{
		NSPing:       PingXSD,
		NSRegistry1:  Registry1XSD,
		NSWSAddress:  WSAddressXSD,
		NSLogical:    LogicalAddrXSD,
		NSSupported:  SupportedXSD,
		NSRegistry2:  Registry2XSD,
		NSVagvalInfo: SokVagvalsXSD,
	}
	for ns, p := range s {
		s[ns] = filepath.Join(r, p)
	}
	return s
}

// envelopeSchema is a SOAP 1.1 envelope schema written for these tests: it
// imports the contract schemas and validates Header and Body children
// strictly, so undeclared elements are errors.
func envelopeSchema(s Schemas) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://schemas.xmlsoap.org/soap/envelope/" elementFormDefault="qualified">
`)
	var nss []string
	for ns := range s {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		fmt.Fprintf(&b, "  <xs:import namespace=%q schemaLocation=%q/>\n", ns, "file://"+filepath.ToSlash(s[ns]))
	}
	b.WriteString(`  <xs:element name="Envelope">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Header" minOccurs="0">
          <xs:complexType>
            <xs:sequence><xs:any namespace="##other" processContents="strict" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
            <xs:anyAttribute namespace="##other" processContents="lax"/>
          </xs:complexType>
        </xs:element>
        <xs:element name="Body">
          <xs:complexType>
            <xs:sequence><xs:any namespace="##other" processContents="strict" minOccurs="1" maxOccurs="unbounded"/></xs:sequence>
            <xs:anyAttribute namespace="##other" processContents="lax"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:anyAttribute namespace="##other" processContents="lax"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
`)
	return b.Bytes()
}

// ErrInvalid marks a document xmllint rejected (as opposed to a failure to run it).
var ErrInvalid = errors.New("document does not validate")

var tempName = regexp.MustCompile(`\S*/doc\.xml:`)

// ValidateEnvelope validates a whole SOAP 1.1 envelope with xmllint against
// the schemas. It returns nil when valid and an error wrapping ErrInvalid
// with xmllint's messages when not.
func ValidateEnvelope(t testing.TB, msg []byte, s Schemas) error {
	t.Helper()
	dir := t.TempDir()
	xsd := filepath.Join(dir, "envelope.xsd")
	if err := os.WriteFile(xsd, envelopeSchema(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return ValidateFile(t, msg, xsd)
}

// Validate checks an envelope with both validators, xmllint on the whole
// envelope and contracts/xsd on its body element, fails the test when they
// disagree, and returns xmllint's verdict.
func Validate(t testing.TB, msg []byte, s Schemas) error {
	t.Helper()
	lint := ValidateEnvelope(t, msg, s)
	pure := ValidateGo(t, msg)
	if (lint == nil) != (pure == nil) {
		t.Errorf("xmllint and contracts/xsd disagree:\nxmllint: %v\ncontracts/xsd: %v", lint, pure)
	}
	return lint
}

// ValidateFile validates a document with xmllint against one XSD file.
func ValidateFile(t testing.TB, doc []byte, xsd string) error {
	t.Helper()
	lint := Xmllint(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.xml")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lint, "--noout", "--nonet", "--schema", xsd, path).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && (exit.ExitCode() == 3 || exit.ExitCode() == 4 || exit.ExitCode() == 1):
		msg := strings.TrimSpace(tempName.ReplaceAllString(string(out), "doc.xml:"))
		return fmt.Errorf("%w (xmllint): %s", ErrInvalid, msg)
	default:
		t.Fatalf("run xmllint --schema %s: %v\n%s", xsd, err, out)
		return nil
	}
}
