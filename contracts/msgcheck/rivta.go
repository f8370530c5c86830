package msgcheck

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// receiverElement is the last header element named To or LogicalAddress
// (VP takes the last one, by local name).
func receiverElement(info *envelope.Info) (envelope.HeaderElement, bool) {
	for i := len(info.Headers) - 1; i >= 0; i-- {
		if _, ok := rivta.ProfileForReceiverElement(info.Headers[i].Name.Local); ok {
			return info.Headers[i], true
		}
	}
	return envelope.HeaderElement{}, false
}

// checkProfile: the receiver element is the one the contract's WSDL binds
// (LogicalAddress for RIVTABP21, wsa:To for RIVTABP20), in its namespace.
func (c *Checker) checkProfile(s *subject) (Outcome, string) {
	if s.info == nil {
		return NotApplicable, "no envelope to read the profile from"
	}
	if s.op == nil {
		return Skip, fmt.Sprintf("contract %q is not in the suite's contracts", s.info.Body.Space)
	}
	want := s.op.Profile
	el, ok := receiverElement(s.info)
	if !ok {
		return Fail, fmt.Sprintf("no RIV-TA receiver header; the contract's WSDL (%s) requires %s", want, describeProfile(want))
	}
	got, _ := rivta.ProfileForReceiverElement(el.Name.Local)
	if gotNS, _ := got.ReceiverElement(); got != want && el.Name.Space == gotNS && c.fromPlatform(s) {
		// The platform rewrites 2.0<->2.1 to the profile its TAK gives
		// the producer, so what arrives says nothing of what the consumer
		// sent; the platform itself refuses a consumer whose profile it
		// cannot read.
		return NotApplicable, fmt.Sprintf("profile %s (header %s) from platform %q: the platform rewrote the consumer's request to the profile its TAK gives this producer, so the consumer's own profile (the contract's %s) cannot be judged behind it",
			got, el.Name.Local, c.ViaPlatform, want)
	}
	if got != want {
		return Fail, fmt.Sprintf("profile %s (header %s), but the contract's WSDL is %s and requires %s", got, el.Name.Local, want, describeProfile(want))
	}
	wantNS, _ := want.ReceiverElement()
	if el.Name.Space != wantNS {
		return Fail, fmt.Sprintf("header %s is in namespace %q, want %q", el.Name.Local, el.Name.Space, wantNS)
	}
	return Pass, fmt.Sprintf("%s with {%s}%s as the contract's WSDL says", want, el.Name.Space, el.Name.Local)
}

func describeProfile(p rivta.Profile) string {
	ns, local := p.ReceiverElement()
	return fmt.Sprintf("{%s}%s", ns, local)
}

func checkReceiverPresent(s *subject) (Outcome, string) {
	if s.info == nil {
		return Fail, "no envelope to read the receiver from"
	}
	if !s.info.HasReceiver {
		if _, ok := receiverElement(s.info); ok {
			return Fail, "the receiver header is empty or only whitespace (the platform answers VP003)"
		}
		return Fail, "no receiver header (To or LogicalAddress) (the platform answers VP003)"
	}
	return Pass, fmt.Sprintf("receiver %q", s.info.Receiver)
}

func checkReceiverSpace(s *subject) (Outcome, string) {
	if s.info == nil || !s.info.HasReceiver {
		return NotApplicable, "no receiver"
	}
	r := s.info.Receiver
	if strings.TrimSpace(r) != r {
		return Fail, fmt.Sprintf("receiver %q has surrounding whitespace (the platform does not trim and answers VP004)", r)
	}
	return Pass, "no surrounding whitespace"
}

func checkReceiverHSAID(s *subject) (Outcome, string) {
	if s.info == nil || !s.info.HasReceiver {
		return NotApplicable, "no receiver"
	}
	r := strings.TrimSpace(s.info.Receiver)
	if err := rivta.CheckHSAID(r); err != nil {
		return Fail, fmt.Sprintf("receiver %q: %v", r, err)
	}
	return Pass, fmt.Sprintf("receiver %q has HSA-id syntax", r)
}

// checkSOAPAction: when sent, the SOAPAction is the WSDL's for the operation.
func checkSOAPAction(s *subject) (Outcome, string) {
	vals, sent := s.m.Header["Soapaction"]
	if !sent || len(vals) == 0 {
		return Pass, "no SOAPAction sent (allowed: the platform routes on the body)"
	}
	if s.info == nil {
		return NotApplicable, "no envelope to read the contract from"
	}
	if s.op == nil {
		return Skip, "contract not in the suite's contracts"
	}
	got := strings.Trim(strings.TrimSpace(vals[0]), `"`)
	if got != s.op.SOAPAction {
		return Fail, fmt.Sprintf("SOAPAction %q, the WSDL gives %q for %s", got, s.op.SOAPAction, s.op.Name)
	}
	return Pass, fmt.Sprintf("SOAPAction %q", got)
}

// checkOriginalConsumer: x-rivta-original-serviceconsumer-hsaid is present
// where required, and is an HSA-id whenever it is sent.
func (c *Checker) checkOriginalConsumer(s *subject) (Outcome, string) {
	v, sent := s.m.Header[rivta.KeyOriginalConsumer]
	switch {
	case !sent && c.RequireOriginalConsumer:
		return Fail, rivta.HeaderOriginalConsumer + " is required by the suite and was not sent"
	case !sent:
		return NotApplicable, "not required by the suite and not sent"
	case len(v) > 1:
		return Fail, fmt.Sprintf("%s sent %d times", rivta.HeaderOriginalConsumer, len(v))
	}
	if err := rivta.CheckHSAID(v[0]); err != nil {
		return Fail, fmt.Sprintf("%s %q: %v", rivta.HeaderOriginalConsumer, v[0], err)
	}
	return Pass, fmt.Sprintf("%s %q", rivta.HeaderOriginalConsumer, v[0])
}

// fromPlatform: the message came with the trusted platform's certificate.
func (c *Checker) fromPlatform(s *subject) bool {
	return c.ViaPlatform != "" && s.m.PeerCert != nil && rivta.SerialNumber(s.m.PeerCert) == c.ViaPlatform
}

// checkClientCert: the client certificate's subject SERIALNUMBER is the
// consumer's HSA-id.
func (c *Checker) checkClientCert(s *subject) (Outcome, string) {
	cert := s.m.PeerCert
	if cert == nil {
		return Fail, "no client certificate (the platform refuses the TLS handshake or answers VP002)"
	}
	sn := rivta.SerialNumber(cert)
	if c.fromPlatform(s) {
		// Forwarded by the trusted platform: it vouches for the consumer
		// in the original-consumer header (VP always sets it).
		orig := s.m.Header.Get(rivta.HeaderOriginalConsumer)
		if orig != c.Consumer {
			return Fail, fmt.Sprintf("forwarded by platform %q for consumer %q, want the consumer's HSA-id %q", sn, orig, c.Consumer)
		}
		return Pass, fmt.Sprintf("forwarded by platform %q for consumer %q", sn, orig)
	}
	switch {
	case c.ViaPlatform != "":
		// Behind the platform only its calls are the consumer's: a call
		// that bypasses it proves nothing of how the platform routes.
		return Fail, fmt.Sprintf("client certificate SERIALNUMBER %q: the run is behind platform %q and only its certificate is accepted (a call that bypasses the platform)", sn, c.ViaPlatform)
	case sn == "":
		return Fail, fmt.Sprintf("client certificate %q has no SERIALNUMBER (the platform answers VP002)", cert.Subject)
	case sn != c.Consumer:
		return Fail, fmt.Sprintf("client certificate SERIALNUMBER %q, want the consumer's HSA-id %q", sn, c.Consumer)
	}
	return Pass, fmt.Sprintf("SERIALNUMBER %q", sn)
}
