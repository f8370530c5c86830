// Package vpfault is the catalogue of the national service platform's own
// faults, VP001 to VP015: code, SOAP faultcode side, the Swedish faultstring
// text and the English detail template, plus rendering as the SOAP 1.1 fault
// VP sends (HTTP 500, faultstring "VPxxx [instance] text", detail/detailString).
//
// The texts are VP's own (skltp/vp vp-messages.properties); consumers and
// their test suites match on them, so they must not drift. A test compares
// this table with the properties file in ../shared when it is present.
package vpfault

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Code is a VP fault code, VP001..VP015.
type Code int

// The VP fault codes.
const (
	VP001 Code = iota + 1 // RIV version missing or unsupported
	VP002                 // client certificate missing or without SERIALNUMBER
	VP003                 // no receiver (To/LogicalAddress) in the header
	VP004                 // no route for receiver and contract
	VP005                 // producer does not support the request's RIV-TA profile
	VP006                 // more than one route
	VP007                 // consumer not authorised
	VP008                 // no contact with TAK and no local cache
	VP009                 // error contacting the producer
	VP010                 // route without address
	VP011                 // caller outside the IP allow list on the plain-HTTP listener
	VP012                 // internal resources missing (RIV-TA transform failure)
	VP013                 // sender may not set x-rivta-original-serviceconsumer-hsaid
	VP014                 // routing loop between platforms
	VP015                 // request not well-formed
)

// All lists every code in order.
var All = []Code{VP001, VP002, VP003, VP004, VP005, VP006, VP007, VP008, VP009, VP010, VP011, VP012, VP013, VP014, VP015}

// Side is the SOAP 1.1 faultcode: who is at fault.
type Side string

// SOAP 1.1 faultcode values as VP writes them (SAAJ's SOAP-ENV prefix).
const (
	Client Side = "SOAP-ENV:Client"
	Server Side = "SOAP-ENV:Server"
)

type entry struct {
	side   Side
	text   string // Swedish faultstring text
	detail string // English detail template, printf style with at most one %s
}

var catalogue = map[Code]entry{
	VP001: {Client, "Rivta-version saknas i anrop eller stöds ej av tjänsteplattformen.", "No RIV version configured"},
	VP002: {Client, "Fel i klientcertifikat. Saknas, är av felaktig typ, eller är felaktigt utformad.", "No sender ID (SERIALNUMBER) found in certificate. %s"},
	VP003: {Client, "Logisk adressat (ReceiverId) saknas i RivHeadern i inkommande meddelande.", "No receiverId (logical address) found in message header. %s"},
	VP004: {Client, "Det finns inget vägval i tjänsteadresseringskatalogen som matchar anropets logiska adressat (ReceiverId) och tjänstekontrakt. Kontrollera uppgifterna i anropet och vid behov, beställ konfigurering i aktuell tjänsteplattform.", "No receiverId (logical address) found for %s"},
	VP005: {Client, "Tjänsteproducenten stödjer inte anropets angivna rivta-version. Kontrollera uppgifterna.", "No receiverId (logical address) with matching Riv-version found for %s"},
	VP006: {Server, "Internt fel i tjänsteplattformen. Det finns fler än en tjänsteproducent definierad i tjänsteadresseringskatalogen som matchar logisk adressat (ReceiverId), tjänstekontrakt och dagens datum. Tyder på felkonfiguration. Rapportera felet till tjänsteplattformsförvaltningen.", "More than one receiverId (logical address) with matching Riv-version found for %s"},
	VP007: {Server, "Tjänstekonsumenten saknar behörighet att anropa den logiska adressaten via detta tjänstekontrakt. Kontrollera uppgifterna och vid behov, tillse att det beställs konfiguration i aktuell tjänsteplattform.", "Authorization missing for %s"},
	VP008: {Server, "Internt fel i tjänsteplattformen. Ingen kontakt med tjänsteadresseringskatalogen. Informera tjänsteplattformsförvaltningen.", "No contact with TAK at startup, and no local cache to fallback on, not possible to route call"},
	VP009: {Server, "Fel vid kontakt med tjänsteproducenten.", "Error connecting to service producer at address %s"},
	VP010: {Server, "Internt fel i tjänsteplattformen. URL saknas för tjänsteproducenten i tjänsteplattformens tjänsteadresseringskatalog.", "Physical Address field is empty in Service Producer for %s"},
	VP011: {Client, "Anrop har gjorts utanför TLS vilket ej är tillåtet. Tjänstekonsumenten ska alltid använda TLS för säker kommunikation.", "Caller was not on the white list of accepted IP-addresses. %s"},
	VP012: {Server, "Internt fel i tjänsteplattformen. Nödvändiga resurser saknas för att VP skall fungera.", "Server problem, VP does not have all necessary resources to operate. %s"},
	VP013: {Client, "Enligt tjänsteplattformens konfiguration saknar tjänstekonsumenten rätt att använda headern x-rivta-original-serviceconsumer-hsaid. Kontakta tjänsteplattformsförvaltningen.", "Sender is not approved to set header x-rivta-original-serviceconsumer-hsaid."},
	VP014: {Server, "Anropsförmedlingen för den logiska adressaten har givit upphov till rundgång mellan tjänsteplattformar. Rapportera felet till tjänsteplattformsförvaltningen.", ""},
	VP015: {Client, "Anrop ej korrekt utformat och kan därför inte behandlas.", "The request could not be read properly. %s"},
}

// Valid reports whether c is one of VP001..VP015.
func (c Code) Valid() bool { _, ok := catalogue[c]; return ok }

// String is "VP004".
func (c Code) String() string { return fmt.Sprintf("VP%03d", int(c)) }

// Side is the faultcode for c.
func (c Code) Side() Side { return catalogue[c].side }

// Text is the Swedish faultstring text for c, without code and instance.
func (c Code) Text() string { return catalogue[c].text }

// DetailTemplate is VP's English detail template for c (printf style).
func (c Code) DetailTemplate() string { return catalogue[c].detail }

// Detail fills the detail template with arg, as VP does: the template's %s is
// replaced by arg, and a template without %s ignores it. Trailing spaces left
// by an empty arg are trimmed ("...found in message header.").
func (c Code) Detail(arg string) string {
	t := catalogue[c].detail
	if !strings.Contains(t, "%s") {
		return t
	}
	return strings.TrimRight(strings.Replace(t, "%s", arg, 1), " ")
}

// ParseCode reads "VP004" (case-insensitive).
func ParseCode(s string) (Code, error) {
	s = strings.TrimSpace(s)
	if len(s) != 5 || !strings.EqualFold(s[:2], "VP") {
		return 0, fmt.Errorf("fault code %q: want VP001..VP015", s)
	}
	n, err := strconv.Atoi(s[2:])
	if err != nil || !Code(n).Valid() {
		return 0, fmt.Errorf("fault code %q: want VP001..VP015", s)
	}
	return Code(n), nil
}

// MarshalText writes "VP004".
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads "VP004".
func (c *Code) UnmarshalText(b []byte) error {
	v, err := ParseCode(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Fault is a VP fault raised while handling one call. Detail is the English
// detailString a consumer sees; Err is the internal cause, for logs only.
type Fault struct {
	Code   Code
	Detail string
	Err    error
}

// New returns a fault with the code's template filled with arg.
func New(code Code, arg string) *Fault {
	return &Fault{Code: code, Detail: code.Detail(arg)}
}

// Newf is New with a formatted argument.
func Newf(code Code, format string, args ...any) *Fault {
	return New(code, fmt.Sprintf(format, args...))
}

// Raw returns a fault whose detail is exactly detail, not the template (VP
// shows raw exception texts for VP002 and VP009, for instance).
func Raw(code Code, detail string, cause error) *Fault {
	return &Fault{Code: code, Detail: detail, Err: cause}
}

// Wrap returns err as a fault with code. If err already holds a *Fault, that
// fault is returned unchanged: the innermost code wins.
func Wrap(code Code, err error) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	return &Fault{Code: code, Detail: code.Detail(err.Error()), Err: err}
}

// NoReceiver is VP003: the call names no receiver (no To or
// LogicalAddress, or one that is empty or only whitespace).
func NoReceiver() *Fault { return New(VP003, "") }

// ReceiverRefusal is the platform's fault for the receiver a request
// names, before any catalogue lookup: VP003 when it names none (or only
// whitespace), VP004 when the receiver has surrounding whitespace (the
// platform does not trim, so nothing routes it); nil when the receiver
// goes on to routing. The gateway and the conformance harness both refuse
// by this one rule.
func ReceiverRefusal(hasReceiver bool, contract, receiver string) *Fault {
	trimmed := strings.TrimSpace(receiver)
	switch {
	case !hasReceiver || trimmed == "":
		return NoReceiver()
	case trimmed != receiver:
		return ReceiverWhitespace(contract, receiver)
	}
	return nil
}

// ReceiverWhitespace is the VP004 the platform answers a receiver with
// surrounding whitespace with (it does not trim, so nothing routes it).
func ReceiverWhitespace(contract, receiver string) *Fault {
	return Newf(VP004, "serviceNamespace: %s, receiverId: %s. Whitespace detected in incoming request!", contract, receiver)
}

// NoRoute is the VP004 the platform answers a receiver and contract
// without a route in its catalogue with (noting a space inside the
// receiver, as the platform does).
func NoRoute(contract, receiver string) *Fault {
	arg := "serviceNamespace: " + contract + ", receiverId: " + receiver
	if strings.Contains(receiver, " ") {
		arg += ". Whitespace detected in incoming request!"
	}
	return New(VP004, arg)
}

// Error is for logs: code, detail and cause.
func (f *Fault) Error() string {
	s := f.Code.String() + ": " + f.Detail
	if f.Err != nil {
		s += ": " + f.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (f *Fault) Unwrap() error { return f.Err }

// FaultString is "VP004 [instance] <Swedish text>"; with an empty instance
// name the brackets are left out.
func (f *Fault) FaultString(instance string) string {
	if instance == "" {
		return f.Code.String() + " " + f.Code.Text()
	}
	return f.Code.String() + " [" + instance + "] " + f.Code.Text()
}

// Envelope renders the SOAP 1.1 fault envelope VP sends.
func (f *Fault) Envelope(instance string) []byte {
	return RenderFault(string(f.Code.Side()), f.FaultString(instance), f.Detail)
}

// ContentType is what VP sends with every fault.
const ContentType = "text/xml; charset=UTF-8"

// WriteHTTP writes the fault as VP does: HTTP 500, text/xml; charset=UTF-8.
// Headers already set on w (the correlation id) are kept.
func (f *Fault) WriteHTTP(w http.ResponseWriter, instance string) error {
	body := f.Envelope(instance)
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusInternalServerError)
	_, err := w.Write(body)
	return err
}

const envNS = "http://schemas.xmlsoap.org/soap/envelope/"

// RenderFault renders a SOAP 1.1 fault envelope with the SOAP-ENV prefix and
// a detail/detailString element (omitted when detail is empty). It serves
// both VP faults and the producer faults the conformance harness plays.
func RenderFault(faultcode, faultstring, detail string) []byte {
	var b bytes.Buffer
	b.Grow(512 + len(faultstring) + len(detail))
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.WriteString(`<SOAP-ENV:Envelope xmlns:SOAP-ENV="` + envNS + `"><SOAP-ENV:Header/><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>`)
	xmlEscape(&b, faultcode)
	b.WriteString(`</faultcode><faultstring>`)
	xmlEscape(&b, faultstring)
	b.WriteString(`</faultstring>`)
	if detail != "" {
		b.WriteString(`<detail><detailString>`)
		xmlEscape(&b, detail)
		b.WriteString(`</detailString></detail>`)
	}
	b.WriteString(`</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>`)
	return b.Bytes()
}

func xmlEscape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s))
}

// Parsed is a SOAP 1.1 fault read back from a response body.
type Parsed struct {
	FaultCode    string // as written, e.g. "SOAP-ENV:Client" or "soap:Server"
	FaultString  string
	DetailString string // text of detail/detailString, if present
	// Code is the VP code when faultstring starts with "VPxxx", else 0.
	Code Code
	// Instance is the bracketed instance name after the code, if any.
	Instance string
}

// IsVP reports whether the fault is a platform fault.
func (p *Parsed) IsVP() bool { return p.Code != 0 }

// ErrNotFault is returned by Parse for a well-formed envelope without a Fault.
var ErrNotFault = errors.New("no SOAP 1.1 Fault in Body")

// Parse reads a SOAP 1.1 fault from body. It returns ErrNotFault when the
// body is an envelope without a fault, and a parse error for non-XML.
func Parse(body []byte) (*Parsed, error) {
	var env struct {
		Body struct {
			Fault *struct {
				FaultCode   string `xml:"faultcode"`
				FaultString string `xml:"faultstring"`
				Detail      struct {
					DetailString string `xml:"detailString"`
				} `xml:"detail"`
			} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("parse SOAP fault: %w", err)
	}
	if env.Body.Fault == nil {
		return nil, ErrNotFault
	}
	f := env.Body.Fault
	p := &Parsed{FaultCode: strings.TrimSpace(f.FaultCode), FaultString: f.FaultString, DetailString: f.Detail.DetailString}
	if len(p.FaultString) >= 5 {
		if c, err := ParseCode(p.FaultString[:5]); err == nil {
			p.Code = c
			rest := p.FaultString[5:]
			if strings.HasPrefix(rest, " [") {
				if end := strings.Index(rest, "] "); end > 0 {
					p.Instance = rest[2:end]
				}
			}
		}
	}
	return p, nil
}
