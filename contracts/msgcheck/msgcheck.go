// Package msgcheck judges one SOAP request against its service contract and
// the RIV-TA rules: a well-formed SOAP 1.1 envelope, the HTTP Content-Type,
// the profile's receiver header (wsa:To for RIVTABP20, LogicalAddress for
// RIVTABP21) as the contract's WSDL binds it, one receiver however many
// receiver headers are sent, the receiver's HSA-id, the SOAPAction, the
// WS-Addressing Action and MessageID, headers marked mustUnderstand, the
// x-rivta-original-serviceconsumer-hsaid header, the client certificate's
// SERIALNUMBER and the Body against the contract's XSD.
//
// Each rule has a requirement id (RIV-SOAP-01, ...) and gives a Finding:
// an outcome and a message saying what was found. How much a failure
// weighs, which rules a test runs and what is recorded around a finding
// belong to the caller (the conformance harness, a gateway observing its
// traffic), so this package knows neither.
package msgcheck

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/xsd"
)

// The rules' requirement ids.
const (
	RuleSOAPEnvelope     = "RIV-SOAP-01"   // well-formed SOAP 1.1 envelope
	RuleMustUnderstand   = "RIV-SOAP-02"   // every mustUnderstand header is one the profile or WSDL defines
	RuleContentType      = "RIV-HTTP-01"   // Content-Type text/xml for SOAP 1.1
	RuleProfile          = "RIV-PROF-01"   // RIV-TA profile header matches the contract's WSDL
	RuleReceiverPresent  = "RIV-RECV-01"   // receiver present
	RuleReceiverSpace    = "RIV-RECV-02"   // no surrounding whitespace
	RuleReceiverHSAID    = "RIV-RECV-03"   // valid HSA-id syntax
	RuleReceiverConflict = "RIV-RECV-04"   // receiver headers (To, LogicalAddress) agree
	RuleSchema           = "RIV-XSD-01"    // body valid against the contract XSD
	RuleSOAPAction       = "RIV-ACTION-01" // SOAPAction consistent with the WSDL
	RuleWSAAction        = "RIV-WSA-01"    // wsa:Action, when sent, is the WSDL's SOAP action
	RuleWSAMessageID     = "RIV-WSA-02"    // wsa:MessageID, when sent, is an absolute URI
	RuleOriginalConsumer = "RIV-HDR-01"    // x-rivta-original-serviceconsumer-hsaid when required
	RuleHeaderElements   = "RIV-HDR-02"    // every header element the WSDL declares is sent and valid
	RuleClientCert       = "RIV-CERT-01"   // client certificate SERIALNUMBER = expected HSA-id
)

// Rules lists every rule in the standard order: what can be judged without
// the body first, the envelope, the receiver, then the contract's WSDL and
// schema.
func Rules() []string {
	return []string{RuleClientCert, RuleContentType, RuleSOAPEnvelope, RuleReceiverPresent, RuleReceiverSpace,
		RuleReceiverHSAID, RuleReceiverConflict, RuleProfile, RuleSOAPAction, RuleWSAAction, RuleWSAMessageID,
		RuleMustUnderstand, RuleOriginalConsumer, RuleSchema, RuleHeaderElements}
}

// Outcome is how a message fared against a rule.
type Outcome string

// The outcomes. Skip and NotApplicable both mean nothing was verified:
// Skip "could not verify" (the rule applies, but its contract or validator
// is missing), NotApplicable "does not apply" (nothing to judge, e.g. no
// receiver to check the syntax of).
const (
	Pass          Outcome = "pass"
	Fail          Outcome = "fail"
	Skip          Outcome = "skip"
	NotApplicable Outcome = "n/a"
)

// Finding is one rule's verdict on one message.
type Finding struct {
	Rule    string // requirement id, e.g. RIV-SOAP-01
	Outcome Outcome
	Message string // what was found, in words
	// At says where in the message a failure is (see Location); nil for
	// other outcomes and for failures of no part of the message.
	At []Location
}

// Checker judges messages. The zero value judges without contracts (rules
// that need the contract skip) and expects a client certificate for the
// empty HSA-id.
type Checker struct {
	// Contracts are the service contracts messages are judged against.
	Contracts *contracts.Set
	// Validator validates bodies against the contracts' schemas; nil skips
	// RIV-XSD-01.
	Validator xsd.Validator
	// Consumer is the HSA-id the client certificate's SERIALNUMBER must be
	// (RIV-CERT-01).
	Consumer string
	// ViaPlatform is the HSA-id (certificate SERIALNUMBER) of a platform or
	// gateway trusted to forward the consumer's calls; its calls identify
	// the consumer by x-rivta-original-serviceconsumer-hsaid instead.
	ViaPlatform string
	// RequireOriginalConsumer makes a missing
	// x-rivta-original-serviceconsumer-hsaid header a failure (RIV-HDR-01);
	// otherwise the rule applies only when the header is sent.
	RequireOriginalConsumer bool
}

// subject is a message with what several rules look up: the envelope head
// and the contract operation its body element belongs to.
type subject struct {
	m       *Message
	info    *envelope.Info       // nil when the message is unread or not an envelope
	infoErr error                // why info is nil
	op      *contracts.Operation // nil when the contracts do not have it
	// problems are where the schema problems the last schema rule found
	// (RIV-XSD-01, RIV-HDR-02) are, for locate.
	problems []position
}

func (c *Checker) subject(m *Message) subject {
	s := subject{m: m}
	s.info, s.infoErr = m.Envelope()
	s.op = OperationFor(c.Contracts, s.info)
	return s
}

// OperationFor is the contract operation a message's body element belongs
// to: the operation whose request element it is, else the contract's
// preferred one (OperationsFor lists it first); nil without contracts, an
// envelope or that contract.
func OperationFor(set *contracts.Set, info *envelope.Info) *contracts.Operation {
	if info == nil || set == nil {
		return nil
	}
	ops := set.OperationsFor(info.Body.Space)
	for i := range ops {
		if ops[i].Request.Local == info.Body.Local {
			return &ops[i]
		}
	}
	if len(ops) > 0 {
		return &ops[0]
	}
	return nil
}

// judge applies the rule with id to s.
func (c *Checker) judge(id string, s *subject) (Outcome, string) {
	switch id {
	case RuleSOAPEnvelope:
		return checkEnvelope(s)
	case RuleContentType:
		return checkContentType(s)
	case RuleProfile:
		return c.checkProfile(s)
	case RuleReceiverPresent:
		return checkReceiverPresent(s)
	case RuleReceiverSpace:
		return checkReceiverSpace(s)
	case RuleReceiverHSAID:
		return checkReceiverHSAID(s)
	case RuleReceiverConflict:
		return checkReceiverConflict(s)
	case RuleWSAAction:
		return checkWSAAction(s)
	case RuleWSAMessageID:
		return checkWSAMessageID(s)
	case RuleMustUnderstand:
		return checkMustUnderstand(s)
	case RuleSchema:
		return c.checkSchema(s)
	case RuleHeaderElements:
		return c.checkHeaderElements(s)
	case RuleSOAPAction:
		return checkSOAPAction(s)
	case RuleOriginalConsumer:
		return c.checkOriginalConsumer(s)
	case RuleClientCert:
		return c.checkClientCert(s)
	}
	return Skip, fmt.Sprintf("no rule %q (known: %s)", id, strings.Join(Rules(), ", "))
}

// Check judges m against the rules with the given ids, in that order, and
// returns one finding per id. An id that is not a rule of this package gets
// a Skip finding that says so.
func (c *Checker) Check(m *Message, rules ...string) []Finding {
	s := c.subject(m)
	out := make([]Finding, len(rules))
	for i, id := range rules {
		out[i].Rule = id
		s.problems = nil
		out[i].Outcome, out[i].Message = c.judge(id, &s)
		if out[i].Outcome == Fail {
			out[i].At = c.locate(id, &s)
		}
	}
	return out
}
