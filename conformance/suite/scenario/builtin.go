package scenario

import "github.com/rivgate/rivgate/contracts/msgcheck"

// Built-in requirement ids: the checks rivgate runs on every request (the
// contract's rules, package msgcheck) and on the consumer's behaviour.
// Suites may reference them, reorder or skip the request checks (suite
// `checks:`) and override their impact.
const (
	ReqSOAPEnvelope     = msgcheck.RuleSOAPEnvelope
	ReqMustUnderstand   = msgcheck.RuleMustUnderstand
	ReqContentType      = msgcheck.RuleContentType
	ReqProfile          = msgcheck.RuleProfile
	ReqReceiverPresent  = msgcheck.RuleReceiverPresent
	ReqReceiverSpace    = msgcheck.RuleReceiverSpace
	ReqReceiverHSAID    = msgcheck.RuleReceiverHSAID
	ReqReceiverConflict = msgcheck.RuleReceiverConflict
	ReqSchema           = msgcheck.RuleSchema
	ReqSOAPAction       = msgcheck.RuleSOAPAction
	ReqWSAAction        = msgcheck.RuleWSAAction
	ReqWSAMessageID     = msgcheck.RuleWSAMessageID
	ReqOriginalConsumer = msgcheck.RuleOriginalConsumer
	ReqHeaderElements   = msgcheck.RuleHeaderElements
	ReqClientCert       = msgcheck.RuleClientCert
	ReqExpectedRequest  = "RIV-STEP-01" // the expected request arrives (contract, operation, receiver)
	ReqNoRetryStorm     = "RIV-BEH-01"  // no retry storm after a fault (or after a scenario's last answer)
	ReqTimeoutHonoured  = "RIV-BEH-02"  // the consumer gives up within the suite's limit
	ReqKeepsWorking     = "RIV-BEH-03"  // the consumer keeps working after a fault
	ReqProducerResponse = "RIV-PROD-01" // producer mode: response valid and as recorded
)

// BuiltinRequirements returns rivgate's own requirement catalogue with
// default impacts, in the standard check order.
func BuiltinRequirements() []Requirement {
	b := func(id string, impact int, text string) Requirement {
		return Requirement{ID: id, Text: text, Impact: impact, Source: "builtin"}
	}
	return []Requirement{
		b(ReqSOAPEnvelope, 4, "The request is a well-formed SOAP 1.1 envelope with a Body holding one request element."),
		b(ReqContentType, 2, "The HTTP Content-Type is text/xml (SOAP 1.1), with a charset matching the document."),
		b(ReqProfile, 3, "The RIV-TA profile of the request (wsa:To for RIVTABP20, LogicalAddress for RIVTABP21) matches the contract's WSDL."),
		b(ReqReceiverPresent, 4, "The request names its receiver (logical address) in the RIV-TA header."),
		b(ReqReceiverSpace, 3, "The receiver has no surrounding whitespace (the platform does not trim and answers VP004)."),
		b(ReqReceiverHSAID, 3, "The receiver has valid HSA-id syntax."),
		b(ReqReceiverConflict, 3, "Receiver headers sent together (wsa:To and LogicalAddress, or one twice) name the same receiver."),
		b(ReqSchema, 4, "The request element validates against the contract's XML Schema."),
		b(ReqHeaderElements, 3, "Every SOAP header element the contract's WSDL binding declares for the operation, besides the receiver, is sent and validates against its XML Schema."),
		b(ReqSOAPAction, 2, "When a SOAPAction is sent, it is the one the contract's WSDL gives for the operation."),
		b(ReqWSAAction, 3, "When a wsa:Action is sent, it is the SOAP action the contract's WSDL gives for the operation."),
		b(ReqWSAMessageID, 2, "When a wsa:MessageID is sent, it is sent once and is an absolute URI."),
		b(ReqMustUnderstand, 3, "Every header marked mustUnderstand for the receiver is one the RIV-TA profile (WS-Addressing for RIVTABP20) or the contract's WSDL defines."),
		b(ReqOriginalConsumer, 3, "The x-rivta-original-serviceconsumer-hsaid HTTP header is sent with a valid HSA-id where the suite requires it."),
		b(ReqClientCert, 4, "The consumer authenticates with a client certificate whose subject SERIALNUMBER is its HSA-id."),
		b(ReqExpectedRequest, 3, "The consumer sends the request the scenario expects (contract, operation, receiver) within the wait time, and none that no step expects."),
		b(ReqNoRetryStorm, 3, "After a fault, or after a scenario's last answer, the consumer does not repeat the request more often or faster than the suite allows."),
		b(ReqTimeoutHonoured, 3, "The consumer gives up waiting for an answer within the suite's consumer timeout."),
		b(ReqKeepsWorking, 4, "After a fault the consumer keeps working: the next expected request still arrives."),
		b(ReqProducerResponse, 3, "Producer mode: the producer's response validates against the contract and matches the recorded response except volatile fields."),
	}
}

// RequestChecks are the built-in checks run on every request, in standard
// order (a suite's `checks:` list may reorder, skip or re-weigh them).
func RequestChecks() []string { return msgcheck.Rules() }
