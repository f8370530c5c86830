// Package rivta holds the RIV-TA rules both halves of rivgate share: the
// basic profiles (RIVTABP20 with WS-Addressing To, RIVTABP21 with
// LogicalAddress), their header namespaces, HSA-id syntax as TAK validates
// it, the HSA-id a client certificate carries, and the grammar of service
// contract namespaces.
package rivta

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Profile is a RIV-TA basic profile as TAK names it.
type Profile string

// The profiles the platform supports.
const (
	RIVTABP20 Profile = "RIVTABP20" // receiver in WS-Addressing header To
	RIVTABP21 Profile = "RIVTABP21" // receiver in header LogicalAddress
)

// Header namespaces of the receiver element per profile.
const (
	WSAddressingNS   = "http://www.w3.org/2005/08/addressing" // RIVTABP20: wsa:To
	LogicalAddressNS = "urn:riv:itintegration:registry:1"     // RIVTABP21: LogicalAddress
)

// Receiver element local names per profile. VP matches on local name only.
const (
	ToElement             = "To"
	LogicalAddressElement = "LogicalAddress"
)

// ParseProfile reads a profile name case-insensitively: "RIVTABP21",
// "rivtabp21".
func ParseProfile(s string) (Profile, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case string(RIVTABP20):
		return RIVTABP20, nil
	case string(RIVTABP21):
		return RIVTABP21, nil
	}
	return "", fmt.Errorf("RIV-TA profile %q: want RIVTABP20 or RIVTABP21", s)
}

// ProfileForReceiverElement maps the local name of a header element to the
// profile it implies, as VP's request reader does: To -> RIVTABP20,
// LogicalAddress -> RIVTABP21.
func ProfileForReceiverElement(local string) (Profile, bool) {
	switch local {
	case ToElement:
		return RIVTABP20, true
	case LogicalAddressElement:
		return RIVTABP21, true
	}
	return "", false
}

// ReceiverElement is the header element that carries the receiver in p.
func (p Profile) ReceiverElement() (ns, local string) {
	if p == RIVTABP20 {
		return WSAddressingNS, ToElement
	}
	return LogicalAddressNS, LogicalAddressElement
}

// Lower is the profile as it appears in WSDL names and VP URLs ("rivtabp21").
func (p Profile) Lower() string { return strings.ToLower(string(p)) }

// hsaIDPattern is TAK's own validation rule for HSA-ids (tak-web
// EntityValidator): letters, digits, underscore and hyphen.
var hsaIDPattern = regexp.MustCompile(`^[0-9A-Za-z_\-]+$`)

// ErrEmptyHSAID is returned by CheckHSAID for an empty value.
var ErrEmptyHSAID = errors.New("empty HSA-id")

// CheckHSAID checks s against TAK's HSA-id syntax. Surrounding whitespace is
// an error of its own, because VP does not trim receivers (it answers VP004
// with a whitespace hint).
func CheckHSAID(s string) error {
	switch {
	case s == "":
		return ErrEmptyHSAID
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("HSA-id %q has leading or trailing whitespace", s)
	case !hsaIDPattern.MatchString(s):
		return fmt.Errorf("HSA-id %q: only letters, digits, '_' and '-' are allowed", s)
	}
	return nil
}

// namespacePattern is TAK's validation rule for contract namespaces.
var namespacePattern = regexp.MustCompile(`^[0-9A-Za-z_.:\-]+$`)

// Contract is a parsed RIV-TA service contract namespace, e.g.
// urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1.
type Contract struct {
	Namespace   string   // as given
	Domain      []string // ["crm", "scheduling"]
	Interaction string   // "GetSubjectOfCareSchedule" (without "Responder")
	Major       int      // 1
}

// ParseContract parses a RIV-TA Responder namespace:
// urn:riv:<domain>(:<subdomain>)*:<Interaction>Responder:<major>.
func ParseContract(ns string) (Contract, error) {
	if !namespacePattern.MatchString(ns) {
		return Contract{}, fmt.Errorf("contract namespace %q: only letters, digits and _ . : - are allowed", ns)
	}
	parts := strings.Split(ns, ":")
	if len(parts) < 5 || !strings.EqualFold(parts[0], "urn") || !strings.EqualFold(parts[1], "riv") {
		return Contract{}, fmt.Errorf("contract namespace %q: want urn:riv:<domain>:...:<Interaction>Responder:<major>", ns)
	}
	major, err := strconv.Atoi(parts[len(parts)-1])
	if err != nil || major < 0 {
		return Contract{}, fmt.Errorf("contract namespace %q: last part %q is not a major version", ns, parts[len(parts)-1])
	}
	name := parts[len(parts)-2]
	interaction, ok := strings.CutSuffix(name, "Responder")
	if !ok || interaction == "" {
		return Contract{}, fmt.Errorf("contract namespace %q: %q does not end in Responder", ns, name)
	}
	return Contract{Namespace: ns, Domain: parts[2 : len(parts)-2], Interaction: interaction, Major: major}, nil
}

// WSDLPath is the path VP serves the contract's WSDL on:
// vp/<domain>/<sub>/<Interaction>/<major>/<rivtabpXX>.
func (c Contract) WSDLPath(p Profile) string {
	return "vp/" + strings.Join(c.Domain, "/") + "/" + c.Interaction + "/" + strconv.Itoa(c.Major) + "/" + p.Lower()
}

// Well-known HTTP headers of the platform, as the platform's documents
// write them (messages use these).
const (
	HeaderCorrelationID     = "x-skltp-correlation-id"
	HeaderProducerRoundTrip = "x-skltp-prt"
	HeaderOriginalConsumer  = "x-rivta-original-serviceconsumer-hsaid"
	HeaderRoutingHistory    = "x-rivta-routing-history"
	HeaderActingOnBehalfOf  = "x-rivta-acting-on-behalf-of-hsaid"
	HeaderVPSenderID        = "x-vp-sender-id"
	HeaderVPInstanceID      = "x-vp-instance-id"
	HeaderVPAuthCert        = "x-vp-auth-cert"
	HeaderForwardedTLSCert  = "X-Forwarded-Tls-Client-Cert"
)

// The same headers in canonical form (textproto.CanonicalMIMEHeaderKey of
// the names above; a test derives each from its name): the keys net/http
// stores them under. Indexing an http.Header with these skips the
// canonicalisation that allocates a new string for a lower-case name on
// every Get, Set or Del, which the gateway's hot path avoids.
const (
	KeyCorrelationID     = "X-Skltp-Correlation-Id"
	KeyProducerRoundTrip = "X-Skltp-Prt"
	KeyOriginalConsumer  = "X-Rivta-Original-Serviceconsumer-Hsaid"
	KeyRoutingHistory    = "X-Rivta-Routing-History"
	KeyActingOnBehalfOf  = "X-Rivta-Acting-On-Behalf-Of-Hsaid"
	KeyVPSenderID        = "X-Vp-Sender-Id"
	KeyVPInstanceID      = "X-Vp-Instance-Id"
	KeyVPAuthCert        = "X-Vp-Auth-Cert"
	KeyForwardedTLSCert  = "X-Forwarded-Tls-Client-Cert"
)
