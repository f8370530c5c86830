// Package inject answers a consumer's request the way a scenario step says:
// a recorded response, a template filled from the request, a producer SOAP
// fault, a platform (VP) fault with VP's own texts, a delay, no answer at
// all, or a broken connection (reset, empty reply, malformed XML, truncated
// body, wrong content type). The producer's answers to a RIVTABP20
// contract carry wsa:RelatesTo with the request's wsa:MessageID. Connection
// faults are written on the hijacked connection so they are real: a reset is
// a TCP RST, a truncated body really ends early.
package inject

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rivgate/rivgate/conformance/judge/match"
	"github.com/rivgate/rivgate/conformance/suite/scenario"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// ContentTypeSOAP11 is what rivgate sends with SOAP 1.1 answers.
const ContentTypeSOAP11 = "text/xml; charset=UTF-8"

// Request is what an answer may quote (VP fault details do).
type Request struct {
	Contract string
	Receiver string
	Sender   string
	Profile  rivta.Profile
	// CorrelationID is echoed in x-skltp-correlation-id, as the platform
	// does on every answer (faults included).
	CorrelationID string
	// ContractProfile is the profile the contract's WSDL binds ("" when the
	// suite's contracts do not have it): the producer's answers to a
	// RIVTABP20 contract carry wsa:RelatesTo.
	ContractProfile rivta.Profile
	// Message is the request itself: a respond.template is filled from it,
	// and a RIVTABP20 answer's wsa:RelatesTo names its wsa:MessageID. nil
	// leaves both out (a template then cannot be answered).
	Message *msgcheck.Message
}

// Answer is a prepared response.
type Answer struct {
	// Kind names the answer for results: "file responses/x.xml",
	// "soap_fault", "vp_fault VP007", "timeout", "reset", ...
	Kind       string
	Status     int
	Header     http.Header
	Body       []byte
	Delay      time.Duration
	Timeout    bool
	Connection string
}

// IsFault reports whether the answer is an error of any kind: the consumer
// must then not storm with retries.
func (a *Answer) IsFault() bool {
	return a.Timeout || a.Connection != "" || a.Status >= 400
}

// Build prepares the answer a step's respond block describes.
func Build(s *scenario.Suite, r *scenario.Respond, req Request) (*Answer, error) {
	a := &Answer{Header: http.Header{}, Delay: r.Delay.D(), Timeout: r.Timeout, Connection: r.Connection}
	a.Header.Set("Content-Type", ContentTypeSOAP11)
	if req.CorrelationID != "" {
		a.Header.Set(rivta.HeaderCorrelationID, req.CorrelationID)
	}
	status := 200
	switch {
	case r.VPFault != "":
		code, err := vpfault.ParseCode(r.VPFault)
		if err != nil {
			return nil, fmt.Errorf("respond.vp_fault: %w", err)
		}
		detail := r.Detail
		if detail == "" {
			detail = defaultDetail(code, req)
		}
		a.Body = vpfault.Raw(code, code.Detail(detail), nil).Envelope(Instance(s))
		a.Kind = "vp_fault " + code.String()
		status = 500
	case r.SOAPFault != nil:
		a.Body = vpfault.RenderFault(r.SOAPFault.Code, r.SOAPFault.String, "")
		if r.SOAPFault.Detail != "" {
			a.Body = withRawDetail(r.SOAPFault.Code, r.SOAPFault.String, r.SOAPFault.Detail)
		}
		a.Kind = "soap_fault " + r.SOAPFault.Code
		status = 500
	case r.File != "":
		b, err := s.ReadFile(r.File)
		if err != nil {
			return nil, fmt.Errorf("respond.file: %w", err)
		}
		a.Body = b
		a.Kind = "file " + r.File
	case r.Template != "":
		b, err := fillTemplate(s, r.Template, req.Message)
		if err != nil {
			return nil, fmt.Errorf("respond.template: %w", err)
		}
		a.Body = b
		a.Kind = "template " + r.Template
	case r.Timeout:
		a.Kind = "timeout"
	}
	if r.VPFault == "" && len(a.Body) > 0 {
		// The producer's own answer (not the platform's fault): WS-Addressing
		// relates it to the request.
		a.Body = relateAnswer(a.Body, req)
	}
	if r.Connection != "" {
		a.Kind = strings.TrimSpace("connection " + r.Connection + " " + a.Kind)
		switch r.Connection {
		case scenario.ConnMalformedXML:
			a.Body = Malform(a.Body)
		case scenario.ConnWrongContentType:
			a.Header.Set("Content-Type", "text/html; charset=UTF-8")
		}
	}
	if r.Status != 0 {
		status = r.Status
	}
	a.Status = status
	for k, v := range r.Headers {
		a.Header.Set(k, v)
	}
	if r.ContentType != "" {
		a.Header.Set("Content-Type", r.ContentType)
	}
	return a, nil
}

// fillTemplate renders the suite's template name from the request.
func fillTemplate(s *scenario.Suite, name string, m *msgcheck.Message) ([]byte, error) {
	t, err := s.Template(name)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("template %s: no request to fill it from", name)
	}
	doc, _ := m.Document() // nil for a request that is not XML: Fill says so
	return match.Fill(t, doc, s.XPathNamespaces())
}

// Instance is the platform instance name the suite's VP faults carry
// (suite instance, default "rivgate").
func Instance(s *scenario.Suite) string {
	if s.Instance == "" {
		return "rivgate"
	}
	return s.Instance
}

// Platform is the answer the platform gives a call it refuses with f
// (HTTP 500, VP's fault envelope, the correlation id echoed).
func Platform(s *scenario.Suite, f *vpfault.Fault, req Request) *Answer {
	a := &Answer{Kind: "vp_fault " + f.Code.String(), Status: http.StatusInternalServerError, Header: http.Header{},
		Body: f.Envelope(Instance(s))}
	a.Header.Set("Content-Type", vpfault.ContentType)
	if req.CorrelationID != "" {
		a.Header.Set(rivta.HeaderCorrelationID, req.CorrelationID)
	}
	return a
}

// withRawDetail renders a producer fault whose detail is XML given by the
// suite (not escaped text).
func withRawDetail(code, str, detailXML string) []byte {
	base := vpfault.RenderFault(code, str, "")
	return bytes.Replace(base, []byte("</faultstring>"), []byte("</faultstring><detail>"+detailXML+"</detail>"), 1)
}

// defaultDetail fills VP's detail template from the request, as VP does.
func defaultDetail(c vpfault.Code, req Request) string {
	switch c {
	case vpfault.VP004, vpfault.VP006, vpfault.VP010:
		return fmt.Sprintf("serviceNamespace: %s, receiverId: %s", req.Contract, req.Receiver)
	case vpfault.VP005:
		return strings.ToLower(string(req.Profile))
	case vpfault.VP007:
		return fmt.Sprintf("serviceNamespace: %s, receiverId: %s, senderId: %s", req.Contract, req.Receiver, req.Sender)
	case vpfault.VP009:
		return "https://producer.invalid/" + req.Receiver + ". Exception Caught by Camel when contacting producer. Exception information: (java.net.ConnectException: Connection refused)"
	case vpfault.VP011:
		return " IP-address: 127.0.0.1. HTTP header that caused checking: x-forwarded-for"
	}
	return ""
}

// Malform breaks a document so that no XML parser accepts it: the last
// end tag is cut and a stray '<' follows. An empty input gives a broken
// fragment.
func Malform(b []byte) []byte {
	t := bytes.TrimRight(b, " \r\n\t")
	if i := bytes.LastIndex(t, []byte("</")); i > 0 {
		t = t[:i]
	}
	out := append([]byte{}, t...)
	return append(out, []byte("<<broken")...)
}

// Sent is what actually went out.
type Sent struct {
	Status    int
	Header    http.Header
	Body      []byte // the body bytes written (fewer than planned when truncated)
	Responded time.Time
	// ClientGone is set when the consumer closed the connection while the
	// answer was delayed or held.
	ClientGone time.Time
	Err        error
}

// Serve writes a on w. hold bounds a timeout answer: after hold the
// connection is closed without a response. Serve returns when the answer is
// out, the client went away, or ctx ends.
func (a *Answer) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, hold time.Duration) Sent {
	var sent Sent
	if a.Delay > 0 || a.Timeout {
		wait := a.Delay
		if a.Timeout {
			wait = hold
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			sent.ClientGone = time.Now()
			sent.Err = fmt.Errorf("client closed the connection: %w", context.Cause(r.Context()))
			return sent
		case <-ctx.Done():
			sent.Err = ctx.Err()
			return sent
		}
	}
	if a.Timeout {
		// Held long enough: end the connection without an answer.
		sent.Err = closeConn(w, false)
		sent.Responded = time.Now()
		return sent
	}
	switch a.Connection {
	case scenario.ConnReset:
		sent.Err = closeConn(w, true)
	case scenario.ConnEmptyReply:
		sent.Err = closeConn(w, false)
	case scenario.ConnTruncated:
		sent = a.writeTruncated(w)
	default:
		for k, v := range a.Header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(a.Body)))
		w.WriteHeader(a.Status)
		_, err := w.Write(a.Body)
		sent.Status, sent.Header, sent.Body, sent.Err = a.Status, a.Header.Clone(), a.Body, err
	}
	sent.Responded = time.Now()
	return sent
}

// writeTruncated announces the whole body and sends half of it, then closes.
func (a *Answer) writeTruncated(w http.ResponseWriter) Sent {
	conn, buf, err := hijack(w)
	if err != nil {
		return Sent{Err: err}
	}
	defer conn.Close()
	half := a.Body[:len(a.Body)/2]
	var head strings.Builder
	fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", a.Status, http.StatusText(a.Status))
	h := a.Header.Clone()
	h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	h.Set("Connection", "close")
	_ = h.Write(&head)
	head.WriteString("\r\n")
	if _, err := buf.WriteString(head.String()); err != nil {
		return Sent{Err: err}
	}
	if _, err := buf.Write(half); err != nil {
		return Sent{Err: err}
	}
	err = buf.Flush()
	return Sent{Status: a.Status, Header: h, Body: half, Err: err}
}

type flusher interface{ Flush() error }

func hijack(w http.ResponseWriter) (net.Conn, flusherWriter, error) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack connection: %w", err)
	}
	return conn, rw.Writer, nil
}

type flusherWriter interface {
	flusher
	Write([]byte) (int, error)
	WriteString(string) (int, error)
}

// closeConn ends the connection without a response: with reset, by an
// abortive close (RST) of the TCP connection under TLS.
func closeConn(w http.ResponseWriter, reset bool) error {
	conn, _, err := hijack(w)
	if err != nil {
		return err
	}
	if reset {
		if tcp := tcpConn(conn); tcp != nil {
			if err := tcp.SetLinger(0); err != nil {
				conn.Close()
				return fmt.Errorf("set linger: %w", err)
			}
			return tcp.Close()
		}
		return errors.Join(errors.New("reset: not a TCP connection, closed instead"), conn.Close())
	}
	return conn.Close()
}

func tcpConn(c net.Conn) *net.TCPConn {
	for range 4 {
		switch v := c.(type) {
		case *net.TCPConn:
			return v
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
	return nil
}
