package benchkit

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Response sizes of the producer's modes, chosen by the last path segment
// of the call: .../small (default), .../1mb, .../100mb.
const (
	SmallSize = 2 << 10
	OneMB     = 1 << 20
	HundredMB = 100 << 20
)

const (
	respHead = `<?xml version="1.0" encoding="UTF-8"?>` +
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soap:Header/><soap:Body>` +
		`<ns2:GetSubjectOfCareScheduleResponse xmlns:ns2="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1" xmlns:ns3="urn:riv:crm:scheduling:1">`
	respTail = `</ns2:GetSubjectOfCareScheduleResponse></soap:Body></soap:Envelope>`
	// respItem is one repeated timeslot: 128 bytes.
	respItem = `<ns3:timeslot><ns3:healthcare_facility>SE2321000016-1234</ns3:healthcare_facility><ns3:bookingId>000000000</ns3:bookingId></ns3:timeslot>`
)

// SOAPResponse is a well-formed SOAP 1.1 response of exactly size bytes
// (size >= 1 KiB): a schedule with repeated timeslots, padded with
// whitespace inside the response element.
func SOAPResponse(size int) []byte {
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(respHead)
	for b.Len()+len(respItem)+len(respTail) <= size {
		b.WriteString(respItem)
	}
	for b.Len() < size-len(respTail) {
		b.WriteByte(' ')
	}
	b.WriteString(respTail)
	return b.Bytes()
}

// Producer is the bench's service producer: keep-alive HTTP, a fixed SOAP
// answer per mode, request bodies read and thrown away. It counts calls
// and request bytes so the bench can check that calls arrived.
type Producer struct {
	small, oneMB []byte
	chunk        []byte // 1 MiB of timeslots, repeated for the 100 MB answer
	bufs         sync.Pool
	Calls        atomic.Int64
	BytesIn      atomic.Int64
}

// NewProducer builds the answers once.
func NewProducer() *Producer {
	p := &Producer{small: SOAPResponse(SmallSize), oneMB: SOAPResponse(OneMB)}
	p.chunk = bytes.Repeat([]byte(respItem), OneMB/len(respItem))
	p.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	return p
}

// ServeHTTP implements http.Handler.
func (p *Producer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bp := p.bufs.Get().(*[]byte)
	n, err := io.CopyBuffer(io.Discard, r.Body, *bp)
	p.bufs.Put(bp)
	p.BytesIn.Add(n)
	if err != nil {
		return // the call was cut off: nobody to answer
	}
	p.Calls.Add(1)
	h := w.Header()
	h["Content-Type"] = []string{"text/xml; charset=UTF-8"}
	switch mode(r.URL.Path) {
	case "1mb":
		h["Content-Length"] = []string{strconv.Itoa(len(p.oneMB))}
		_, _ = w.Write(p.oneMB)
	case "100mb":
		p.writeHundred(w)
	default:
		h["Content-Length"] = []string{strconv.Itoa(len(p.small))}
		_, _ = w.Write(p.small)
	}
}

// writeHundred streams a HundredMB answer from a 1 MiB chunk, so the
// producer itself stays small.
func (p *Producer) writeHundred(w http.ResponseWriter) {
	body := HundredMB - len(respHead) - len(respTail)
	w.Header()["Content-Length"] = []string{strconv.Itoa(HundredMB)}
	if _, err := io.WriteString(w, respHead); err != nil {
		return
	}
	for body > 0 {
		n := min(body, len(p.chunk))
		if _, err := w.Write(p.chunk[:n]); err != nil {
			return
		}
		body -= n
	}
	_, _ = io.WriteString(w, respTail)
}

func mode(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// LargeRequest streams a SOAP 1.1 RIV-TA 2.1 request of exactly size bytes
// for contract ns and receiver: the head first (so a sniffer can route it),
// then whole repeated elements and space padding. It holds one 64 KiB chunk.
func LargeRequest(ns, receiver string, size int64) io.Reader {
	head := requestHead(ns, receiver)
	item := []byte(`<urn:healthcare_facility>SE2321000016-1234</urn:healthcare_facility>`)
	chunk := bytes.Repeat(item, (64<<10)/len(item))
	body := size - int64(len(head)) - int64(len(requestTail))
	if body < 0 {
		panic(fmt.Sprintf("LargeRequest: size %d is below the envelope's %d bytes", size, len(head)+len(requestTail)))
	}
	whole := body - body%int64(len(item)) // chunk is whole items, so this cuts between items
	return io.MultiReader(strings.NewReader(head),
		io.LimitReader(&cycleReader{chunk: chunk}, whole),
		io.LimitReader(&cycleReader{chunk: []byte("        ")}, body-whole),
		strings.NewReader(requestTail))
}

// cycleReader repeats chunk forever.
type cycleReader struct {
	chunk []byte
	off   int
}

func (r *cycleReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m := copy(p[n:], r.chunk[r.off:])
		n += m
		r.off = (r.off + m) % len(r.chunk)
	}
	return n, nil
}

// Request is a RIV-TA 2.1 request for contract ns and receiver, about 1 KB.
func Request(ns, receiver string) []byte {
	return []byte(requestHead(ns, receiver) +
		`<urn:healthcare_facility>SE2321000016-1234</urn:healthcare_facility>` +
		`<urn:subject_of_care>191212121212</urn:subject_of_care>` +
		`<urn:startDateInclusive>20250101</urn:startDateInclusive><urn:endDateInclusive>20251231</urn:endDateInclusive>` +
		`<urn:careTypeID>vaccination</urn:careTypeID><urn:careUnitID>SE2321000016-ABCD</urn:careUnitID>` +
		requestTail)
}

func requestHead(ns, receiver string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="` + ns + `" xmlns:urn1="urn:riv:itintegration:registry:1">` + "\n" +
		`  <soapenv:Header>` + "\n" +
		`    <urn1:LogicalAddress>` + receiver + `</urn1:LogicalAddress>` + "\n" +
		`  </soapenv:Header>` + "\n" +
		`  <soapenv:Body>` + "\n" +
		`    <urn:GetSubjectOfCareSchedule>`
}

const requestTail = `</urn:GetSubjectOfCareSchedule>` + "\n" + `  </soapenv:Body>` + "\n" + `</soapenv:Envelope>` + "\n"
