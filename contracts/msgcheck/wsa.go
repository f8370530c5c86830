package msgcheck

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/contracts"
	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
)

// wsaHeaders are the WS-Addressing 1.0 message addressing properties a
// RIVTABP20 message may carry as SOAP headers (namespace
// rivta.WSAddressingNS): the headers that profile defines besides the
// contract's own.
var wsaHeaders = []string{"To", "From", "ReplyTo", "FaultTo", "Action", "MessageID", "RelatesTo"}

// SOAP 1.1 header attributes.
const (
	attrMustUnderstand = "mustUnderstand"
	attrActor          = "actor"
	actorNext          = "http://schemas.xmlsoap.org/soap/actor/next" // every node, the ultimate receiver included
)

// wsaHeader lists the Header children {WS-Addressing}local, in order.
func wsaHeader(info *envelope.Info, local string) []envelope.HeaderElement {
	var out []envelope.HeaderElement
	for _, h := range info.Headers {
		if h.Name.Space == rivta.WSAddressingNS && h.Name.Local == local {
			out = append(out, h)
		}
	}
	return out
}

// MessageID is the message's wsa:MessageID (its first, trimmed as
// xs:anyURI is), "" when it sent none: what an answer's wsa:RelatesTo
// names.
func MessageID(info *envelope.Info) string {
	if info == nil {
		return ""
	}
	if ids := wsaHeader(info, "MessageID"); len(ids) > 0 {
		return strings.TrimSpace(ids[0].Text)
	}
	return ""
}

// checkReceiverConflict: when several receiver headers are sent (To and
// LogicalAddress, or one twice), they name the same receiver. The platform
// routes on the last one; a producer may read another.
func checkReceiverConflict(s *subject) (Outcome, string) {
	if s.info == nil {
		return NotApplicable, "no envelope to read the receiver from"
	}
	var els []envelope.HeaderElement
	for _, h := range s.info.Headers {
		if _, ok := rivta.ProfileForReceiverElement(h.Name.Local); ok {
			els = append(els, h)
		}
	}
	switch len(els) {
	case 0:
		return NotApplicable, "no receiver header"
	case 1:
		return Pass, "one receiver header, " + els[0].Name.Local
	}
	agree := true
	list := make([]string, len(els))
	for i, e := range els {
		list[i] = fmt.Sprintf("%s %q", e.Name, e.Text)
		agree = agree && e.Text == els[0].Text
	}
	if agree {
		return Pass, fmt.Sprintf("%d receiver headers, all %q", len(els), els[0].Text)
	}
	return Fail, fmt.Sprintf("receiver headers disagree: %s; the platform routes on the last one (%q), a producer may read another",
		strings.Join(list, ", "), els[len(els)-1].Text)
}

// sentOnce is the one wsa:local header of s's message. When there is no
// envelope, no such header or more than one, judged is true and the
// outcome and message say so (n/a: nothing sent; fail: sent twice, where
// WS-Addressing allows one).
func sentOnce(s *subject, local string) (h envelope.HeaderElement, outcome Outcome, msg string, judged bool) {
	if s.info == nil {
		return h, NotApplicable, "no envelope to read the headers from", true
	}
	hs := wsaHeader(s.info, local)
	switch len(hs) {
	case 0:
		return h, NotApplicable, "no wsa:" + local + " sent", true
	case 1:
		return hs[0], "", "", false
	}
	return h, Fail, fmt.Sprintf("wsa:%s sent %d times; WS-Addressing allows one", local, len(hs)), true
}

// checkWSAAction: a wsa:Action, when sent, is the SOAP action the
// contract's WSDL binds the operation to (WS-Addressing's explicit action,
// as SoapUI's WS-A settings for RIV-TA send it).
func checkWSAAction(s *subject) (Outcome, string) {
	act, outcome, msg, judged := sentOnce(s, "Action")
	switch {
	case judged:
		return outcome, msg
	case s.op == nil:
		return Skip, fmt.Sprintf("contract %q is not in the suite's contracts", s.info.Body.Space)
	}
	got := strings.TrimSpace(act.Text)
	switch {
	case s.op.SOAPAction == "":
		return Skip, fmt.Sprintf("the WSDL gives no soapAction for %s to compare wsa:Action %q with", s.op.Name, clip(got))
	case got != s.op.SOAPAction:
		return Fail, fmt.Sprintf("wsa:Action %q, the WSDL gives %q for %s (a producer that reads WS-Addressing answers ActionNotSupported)",
			clip(got), s.op.SOAPAction, s.op.Name)
	}
	return Pass, fmt.Sprintf("wsa:Action %q", got)
}

// checkWSAMessageID: a wsa:MessageID, when sent, is one absolute IRI (the
// answer's wsa:RelatesTo names it).
func checkWSAMessageID(s *subject) (Outcome, string) {
	id, outcome, msg, judged := sentOnce(s, "MessageID")
	if judged {
		return outcome, msg
	}
	v := strings.TrimSpace(id.Text)
	if err := checkAbsoluteIRI(v); err != nil {
		return Fail, fmt.Sprintf("wsa:MessageID %q %v; WS-Addressing requires an absolute IRI, such as urn:uuid:...", clip(v), err)
	}
	return Pass, fmt.Sprintf("wsa:MessageID %q", clip(v))
}

// iriScheme is an RFC 3986 scheme and its colon.
var iriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// checkAbsoluteIRI says why v is not an absolute IRI (RFC 3987: a scheme,
// no spaces or characters URIs exclude, valid percent escapes).
func checkAbsoluteIRI(v string) error {
	switch {
	case v == "":
		return errors.New("is empty")
	case strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("\"<>\\^`{|}", r) }):
		return errors.New("contains a space or a character URIs exclude")
	case !iriScheme.MatchString(v):
		return errors.New("has no scheme, so it is not an absolute URI")
	}
	if _, err := url.Parse(v); err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("is not a URI: %w", err)
	}
	return nil
}

// checkMustUnderstand: every Header child meant for the receiver and
// marked mustUnderstand="1" is one the profile (WS-Addressing for
// RIVTABP20) or the contract's WSDL binding defines: a SOAP node must
// answer any other with a MustUnderstand fault.
func checkMustUnderstand(s *subject) (Outcome, string) {
	if s.info == nil {
		return NotApplicable, "no envelope to read the headers from"
	}
	if !strings.HasPrefix(s.info.Charset, "UTF-16") && !bytes.Contains(s.m.Body[:min(int(s.info.BodyStart), len(s.m.Body))], []byte(attrMustUnderstand)) {
		return NotApplicable, "no header element is marked mustUnderstand" // the common case, without a tree
	}
	doc, err := s.m.Document()
	if err != nil {
		return NotApplicable, "the headers could not be read: " + err.Error()
	}
	header := EnvelopeChild(doc, "Header")
	if header == nil {
		return NotApplicable, "no header element is marked mustUnderstand"
	}
	var marked []*etree.Element
	var problems []string
	for _, el := range header.ChildElements() {
		v, ok := soapAttr(el, attrMustUnderstand)
		if !ok {
			continue
		}
		switch strings.TrimSpace(v) {
		case "0", "false":
			continue
		case "1", "true":
		default:
			problems = append(problems, fmt.Sprintf("mustUnderstand=%q on %s is neither 1 nor 0", clip(v), elementName(el)))
			continue
		}
		if actor, ok := soapAttr(el, attrActor); ok && strings.TrimSpace(actor) != actorNext {
			continue // for another node (SOAP 1.1 actor), not the receiver's to understand
		}
		marked = append(marked, el)
	}
	if len(marked) == 0 && len(problems) == 0 {
		return NotApplicable, "no header element meant for the receiver is marked mustUnderstand"
	}
	if s.op == nil {
		return Skip, fmt.Sprintf("contract %q is not in the suite's contracts", s.info.Body.Space)
	}
	defines := string(s.op.Profile) + " and the WSDL of " + s.op.Name
	names := make([]string, len(marked))
	for i, el := range marked {
		names[i] = elementName(el)
		if !understood(s.op, contracts.QName{Space: el.NamespaceURI(), Local: el.Tag}) {
			problems = append(problems, fmt.Sprintf(`mustUnderstand="1" on %s, which %s do not define: a SOAP node must answer it with a MustUnderstand fault`, names[i], defines))
		}
	}
	if len(problems) > 0 {
		return Fail, strings.Join(problems, "; ")
	}
	return Pass, fmt.Sprintf("%d header(s) marked mustUnderstand, each defined by %s: %s", len(marked), defines, strings.Join(names, ", "))
}

// understood: the profile or the operation's WSDL binding defines header q.
func understood(op *contracts.Operation, q contracts.QName) bool {
	if op.Profile == rivta.RIVTABP20 && q.Space == rivta.WSAddressingNS && slices.Contains(wsaHeaders, q.Local) {
		return true
	}
	return slices.Contains(op.Headers, q)
}

// soapAttr is el's attribute local in the SOAP 1.1 envelope namespace.
func soapAttr(el *etree.Element, local string) (string, bool) {
	for i := range el.Attr {
		a := &el.Attr[i]
		if a.Key == local && a.NamespaceURI() == envelope.SOAP11NS {
			return a.Value, true
		}
	}
	return "", false
}

func elementName(el *etree.Element) string {
	return fmt.Sprintf("{%s}%s", el.NamespaceURI(), el.Tag)
}

// clip shortens a value quoted in a finding.
func clip(s string) string {
	const most = 120
	if len(s) <= most {
		return s
	}
	return s[:most] + "..."
}
