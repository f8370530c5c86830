// Package exchangelog reads the gateway's exchange log: the one JSON line it
// writes per call (message "exchange"), as the gateway command writes it to
// stderr or the journal. Tools use it to replay real traffic through a
// catalogue (`rivgate tak diff --calls`) and to explain one call
// (`rivgate tak explain`); the conformance harness reads the calls the
// gateway refused in front of it (`rivgate conform run --platform-log`).
// It lives in internal, not gateway, because both halves read it.
//
// The reader is built for a day of national traffic: it picks the fields it
// needs out of each line without decoding the rest, and counting a million
// lines allocates only for the distinct calls.
package exchangelog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The field names of an exchange line: gateway/log.go writes the line
// with these constants, so writer and readers cannot drift apart.
const (
	FieldMessage          = "message"
	FieldTime             = "time"
	FieldInstance         = "instance"
	FieldKind             = "kind"
	FieldCorrelationID    = "correlation_id"
	FieldListener         = "listener"
	FieldSender           = "sender"
	FieldReceiver         = "receiver"
	FieldContract         = "contract"
	FieldProfile          = "riv_profile"
	FieldRouteProfile     = "route_profile"
	FieldProducer         = "producer"
	FieldStatus           = "status"
	FieldVPCode           = "vp_code"
	FieldFaultDetail      = "fault_detail"
	FieldTotalMS          = "total_ms"
	FieldRoutingTrace     = "routing_trace"
	FieldAuthTrace        = "auth_trace"
	FieldOriginalConsumer = "original_consumer"
	FieldInternal         = "internal_caller"
	FieldPlatform         = "platform_service"
)

// MessageExchange is the message of an exchange line.
const MessageExchange = "exchange"

// KindService is the kind of a SOAP service call (the others are "wsdl" and
// "notfound").
const KindService = "service"

// Entry is one exchange line.
type Entry struct {
	// Time is when the gateway wrote the line: the end of the call.
	Time          time.Time `json:"time"`
	Instance      string    `json:"instance,omitempty"`
	Kind          string    `json:"kind"`
	CorrelationID string    `json:"correlationId"`
	Listener      string    `json:"listener,omitempty"`
	Sender        string    `json:"sender"`
	Receiver      string    `json:"receiver"`
	Contract      string    `json:"contract"`
	// Profile is the call's RIV-TA profile; RouteProfile the producer's.
	Profile      string `json:"rivProfile,omitempty"`
	RouteProfile string `json:"routeProfile,omitempty"`
	Producer     string `json:"producer,omitempty"`
	Status       int    `json:"status"`
	// VPCode is the VP fault the call got ("" for none).
	VPCode       string  `json:"vpCode,omitempty"`
	FaultDetail  string  `json:"faultDetail,omitempty"`
	TotalMS      float64 `json:"totalMs"`
	RoutingTrace string  `json:"routingTrace,omitempty"`
	AuthTrace    string  `json:"authTrace,omitempty"`
	// OriginalConsumer is x-rivta-original-serviceconsumer-hsaid as sent.
	OriginalConsumer string `json:"originalConsumer,omitempty"`
	Internal         bool   `json:"internal,omitempty"`
	// Platform is set for the platform services the gateway answers itself
	// (authorisation only, no routing).
	Platform bool `json:"platform,omitempty"`
	// Line is the line number in the file, for messages.
	Line int `json:"line"`
}

// Start is when the call began: the line's time less its duration (the
// moment the gateway decided it, to the line's precision).
func (e *Entry) Start() time.Time {
	return e.Time.Add(-time.Duration(e.TotalMS * float64(time.Millisecond)))
}

// maxLine bounds one line; an exchange line is a few hundred bytes, more
// with logging.payloads.
const maxLine = 4 << 20

// raw holds one line's fields as views into the line (values with escapes
// are decoded into their own memory); nothing is copied until a caller keeps
// a value.
type raw struct {
	message, kind, corr, sender, receiver, contract, tm []byte
	platform                                            bool
	// all is set to also collect the fields only Entry needs.
	all                                                  bool
	instance, listener, profile, routeProfile, producer  []byte
	vpCode, detail, rtrace, atrace, original, status, ms []byte
	internal                                             bool
}

// field stores one top-level string, number or boolean value.
func (r *raw) field(key, val []byte, typ byte) {
	if typ == 't' || typ == 'f' {
		switch string(key) {
		case FieldPlatform:
			r.platform = typ == 't'
		case FieldInternal:
			r.internal = typ == 't'
		}
		return
	}
	if typ == '0' {
		if r.all {
			switch string(key) {
			case FieldStatus:
				r.status = val
			case FieldTotalMS:
				r.ms = val
			}
		}
		return
	}
	if typ != '"' {
		return
	}
	switch string(key) {
	case FieldMessage:
		r.message = val
	case FieldKind:
		r.kind = val
	case FieldCorrelationID:
		r.corr = val
	case FieldSender:
		r.sender = val
	case FieldReceiver:
		r.receiver = val
	case FieldContract:
		r.contract = val
	case FieldTime:
		r.tm = val
	}
	if !r.all {
		return
	}
	switch string(key) {
	case FieldInstance:
		r.instance = val
	case FieldListener:
		r.listener = val
	case FieldProfile:
		r.profile = val
	case FieldRouteProfile:
		r.routeProfile = val
	case FieldProducer:
		r.producer = val
	case FieldVPCode:
		r.vpCode = val
	case FieldFaultDetail:
		r.detail = val
	case FieldRoutingTrace:
		r.rtrace = val
	case FieldAuthTrace:
		r.atrace = val
	case FieldOriginalConsumer:
		r.original = val
	}
}

// ErrNotExchange is the error for a line that is JSON but not an exchange
// line (another log message): Parse returns it, and the scanner keeps such
// lines out of the counts of bad lines.
var ErrNotExchange = errors.New("not an exchange line")

// parse reads one line into r.
func (r *raw) parse(line []byte, all bool) error {
	*r = raw{all: all}
	if err := scanObject(line, r); err != nil {
		return err
	}
	if string(r.message) != MessageExchange {
		return ErrNotExchange
	}
	return nil
}

// ParseTime reads the line's time as zerolog writes it (RFC 3339, with or
// without fractions).
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	return t, nil
}

func (r *raw) entry(line int) (*Entry, error) {
	e := &Entry{
		Instance: string(r.instance), Kind: string(r.kind), CorrelationID: string(r.corr), Listener: string(r.listener),
		Sender: string(r.sender), Receiver: string(r.receiver), Contract: string(r.contract),
		Profile: string(r.profile), RouteProfile: string(r.routeProfile), Producer: string(r.producer),
		VPCode: string(r.vpCode), FaultDetail: string(r.detail), RoutingTrace: string(r.rtrace), AuthTrace: string(r.atrace),
		OriginalConsumer: string(r.original), Internal: r.internal, Platform: r.platform, Line: line,
	}
	var err error
	if len(r.tm) > 0 {
		if e.Time, err = ParseTime(string(r.tm)); err != nil {
			return nil, err
		}
	}
	if len(r.status) > 0 {
		if e.Status, err = strconv.Atoi(string(r.status)); err != nil {
			return nil, fmt.Errorf("status %s: %w", r.status, err)
		}
	}
	if len(r.ms) > 0 {
		if e.TotalMS, err = strconv.ParseFloat(string(r.ms), 64); err != nil {
			return nil, fmt.Errorf("total_ms %s: %w", r.ms, err)
		}
	}
	return e, nil
}

// lines calls fn with each line of r and its number, without the newline.
func lines(r io.Reader, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", n+1, err)
	}
	return nil
}

// Parse reads one line (without its newline) as an exchange line, n being
// its line number. A JSON line of another message is ErrNotExchange; a line
// that is no JSON object is another error.
func Parse(line []byte, n int) (*Entry, error) {
	var rw raw
	if err := rw.parse(line, true); err != nil {
		return nil, fmt.Errorf("line %d: %w", n, err)
	}
	e, err := rw.entry(n)
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", n, err)
	}
	return e, nil
}

// Find returns the exchange lines of r whose correlation id is id, in order.
// Lines that are not JSON, or not exchange lines, are passed over.
func Find(r io.Reader, id string) ([]*Entry, error) {
	var out []*Entry
	var rw raw
	// Most lines are other calls: a substring test passes over them, unless
	// the id holds a character JSON escapes.
	needle := []byte(id)
	if strings.ContainsAny(id, "\"\\") || strings.ContainsFunc(id, func(c rune) bool { return c < 0x20 }) {
		needle = nil
	}
	err := lines(r, func(n int, line []byte) error {
		if needle != nil && !bytes.Contains(line, needle) {
			return nil
		}
		if rw.parse(line, true) != nil || string(rw.corr) != id {
			return nil
		}
		e, err := rw.entry(n)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, e)
		return nil
	})
	return out, err
}
