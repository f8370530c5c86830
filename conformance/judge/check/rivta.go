package check

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/conformance/results/exchange"
	"github.com/rivgate/rivgate/conformance/results/result"
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
func checkProfile(_ *Env, p *parsed) (result.Status, string) {
	if p.info == nil {
		return result.NotApplicable, "no envelope to read the profile from"
	}
	if p.op == nil {
		return result.Skip, fmt.Sprintf("contract %q is not in the suite's contracts", p.info.Body.Space)
	}
	want := p.op.Profile
	el, ok := receiverElement(p.info)
	if !ok {
		return result.Fail, fmt.Sprintf("no RIV-TA receiver header; the contract's WSDL (%s) requires %s", want, describeProfile(want))
	}
	got, _ := rivta.ProfileForReceiverElement(el.Name.Local)
	if got != want {
		return result.Fail, fmt.Sprintf("profile %s (header %s), but the contract's WSDL is %s and requires %s", got, el.Name.Local, want, describeProfile(want))
	}
	wantNS, _ := want.ReceiverElement()
	if el.Name.Space != wantNS {
		return result.Fail, fmt.Sprintf("header %s is in namespace %q, want %q", el.Name.Local, el.Name.Space, wantNS)
	}
	return result.Pass, fmt.Sprintf("%s with {%s}%s as the contract's WSDL says", want, el.Name.Space, el.Name.Local)
}

func describeProfile(p rivta.Profile) string {
	ns, local := p.ReceiverElement()
	return fmt.Sprintf("{%s}%s", ns, local)
}

func checkReceiverPresent(_ *Env, p *parsed) (result.Status, string) {
	if p.info == nil {
		return result.Fail, "no envelope to read the receiver from"
	}
	if !p.info.HasReceiver {
		if _, ok := receiverElement(p.info); ok {
			return result.Fail, "the receiver header is empty or only whitespace (the platform answers VP003)"
		}
		return result.Fail, "no receiver header (To or LogicalAddress) (the platform answers VP003)"
	}
	return result.Pass, fmt.Sprintf("receiver %q", p.info.Receiver)
}

func checkReceiverSpace(_ *Env, p *parsed) (result.Status, string) {
	if p.info == nil || !p.info.HasReceiver {
		return result.NotApplicable, "no receiver"
	}
	r := p.info.Receiver
	if strings.TrimSpace(r) != r {
		return result.Fail, fmt.Sprintf("receiver %q has surrounding whitespace (the platform does not trim and answers VP004)", r)
	}
	return result.Pass, "no surrounding whitespace"
}

func checkReceiverHSAID(_ *Env, p *parsed) (result.Status, string) {
	if p.info == nil || !p.info.HasReceiver {
		return result.NotApplicable, "no receiver"
	}
	r := strings.TrimSpace(p.info.Receiver)
	if err := rivta.CheckHSAID(r); err != nil {
		return result.Fail, fmt.Sprintf("receiver %q: %v", r, err)
	}
	return result.Pass, fmt.Sprintf("receiver %q has HSA-id syntax", r)
}

// checkSOAPAction: when sent, the SOAPAction is the WSDL's for the operation.
func checkSOAPAction(_ *Env, p *parsed) (result.Status, string) {
	vals, sent := p.req.Header["Soapaction"]
	if !sent || len(vals) == 0 {
		return result.Pass, "no SOAPAction sent (allowed: the platform routes on the body)"
	}
	if p.info == nil {
		return result.NotApplicable, "no envelope to read the contract from"
	}
	if p.op == nil {
		return result.Skip, "contract not in the suite's contracts"
	}
	got := strings.Trim(strings.TrimSpace(vals[0]), `"`)
	if got != p.op.SOAPAction {
		return result.Fail, fmt.Sprintf("SOAPAction %q, the WSDL gives %q for %s", got, p.op.SOAPAction, p.op.Name)
	}
	return result.Pass, fmt.Sprintf("SOAPAction %q", got)
}

// checkOriginalConsumer: x-rivta-original-serviceconsumer-hsaid is present
// where the suite requires it, and is an HSA-id whenever it is sent.
func checkOriginalConsumer(e *Env, p *parsed) (result.Status, string) {
	v, sent := p.req.Header[rivta.KeyOriginalConsumer]
	required := e.Suite.Consumer.RequireOriginalConsumer
	switch {
	case !sent && required:
		return result.Fail, rivta.HeaderOriginalConsumer + " is required by the suite and was not sent"
	case !sent:
		return result.NotApplicable, "not required by the suite and not sent"
	case len(v) > 1:
		return result.Fail, fmt.Sprintf("%s sent %d times", rivta.HeaderOriginalConsumer, len(v))
	}
	if err := rivta.CheckHSAID(v[0]); err != nil {
		return result.Fail, fmt.Sprintf("%s %q: %v", rivta.HeaderOriginalConsumer, v[0], err)
	}
	return result.Pass, fmt.Sprintf("%s %q", rivta.HeaderOriginalConsumer, v[0])
}

// checkClientCert: the client certificate's subject SERIALNUMBER is the
// consumer's HSA-id from the suite.
func checkClientCert(e *Env, p *parsed) (result.Status, string) {
	if p.req.PeerCert == nil {
		return result.Fail, "no client certificate (the platform refuses the TLS handshake or answers VP002)"
	}
	sn := exchange.SerialNumberOf(p.req.PeerCert)
	want := e.Suite.Consumer.HSAID
	if e.ViaPlatform != "" && sn == e.ViaPlatform {
		// Forwarded by the trusted platform: it vouches for the consumer
		// in the original-consumer header (VP always sets it).
		orig := p.req.Header.Get(rivta.HeaderOriginalConsumer)
		if orig != want {
			return result.Fail, fmt.Sprintf("forwarded by platform %q for consumer %q, want the consumer's HSA-id %q", sn, orig, want)
		}
		return result.Pass, fmt.Sprintf("forwarded by platform %q for consumer %q", sn, orig)
	}
	switch {
	case sn == "":
		return result.Fail, fmt.Sprintf("client certificate %q has no SERIALNUMBER (the platform answers VP002)", p.req.PeerCert.Subject)
	case sn != want:
		return result.Fail, fmt.Sprintf("client certificate SERIALNUMBER %q, want the consumer's HSA-id %q", sn, want)
	}
	return result.Pass, fmt.Sprintf("SERIALNUMBER %q", sn)
}
