package taktest

import (
	"bytes"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
)

// Mode is how the TAK stand-in answers.
type Mode int

// The stand-in's behaviours, the ones VP's takcache tests exercise.
const (
	Serve      Mode = iota // both answers, from the files
	Empty                  // both answers without entries
	EmptyPerms             // routes, but no permissions
	Fault                  // HTTP 500 with a SOAP fault
)

// StandIn is a TAK SokVagvalsInfo v2 service served over real HTTP on
// 127.0.0.1, answering with the entries of VP's cache-format files wrapped in
// SOAP responses, as TAK (JAX-WS) sends them.
type StandIn struct {
	URL      string
	mode     atomic.Int32
	routes   []byte // entries of hamtaAllaVirtualiseringarResponse
	perms    []byte
	Requests atomic.Int64

	mu       sync.Mutex
	received []Recorded
}

var (
	routeEntry = regexp.MustCompile(`(?s)<virtualiseringsInfo[^>]*>.*?</virtualiseringsInfo>`)
	permEntry  = regexp.MustCompile(`(?s)<anropsBehorighetsInfo[^>]*>.*?</anropsBehorighetsInfo>`)
	openTag    = regexp.MustCompile(`^<(virtualiseringsInfo|anropsBehorighetsInfo)[^>]*>`)
	closeTag   = regexp.MustCompile(`</(virtualiseringsInfo|anropsBehorighetsInfo)>$`)
)

// qualify turns the cache file's unqualified entry elements into the
// namespaced ones of a SOAP answer; their ns2: children stay as written.
func qualify(entries [][]byte) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		e = openTag.ReplaceAll(e, []byte("<ns2:$1>"))
		e = closeTag.ReplaceAll(e, []byte("</ns2:$1>"))
		b.Write(e)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// NewStandIn serves the entries of the given VP cache-format files.
func NewStandIn(t testing.TB, routesFile, permsFile string) *StandIn {
	t.Helper()
	rb, err := os.ReadFile(routesFile)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := os.ReadFile(permsFile)
	if err != nil {
		t.Fatal(err)
	}
	return NewStandInBytes(t, qualify(routeEntry.FindAll(rb, -1)), qualify(permEntry.FindAll(pb, -1)))
}

// NewStandInBytes serves already qualified entries (ns2:virtualiseringsInfo
// and ns2:anropsBehorighetsInfo elements using the ns2 prefix).
func NewStandInBytes(t testing.TB, routes, perms []byte) *StandIn {
	s := &StandIn{routes: routes, perms: perms}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/tak-services/SokVagvalsInfo/v2"
	return s
}

// SetMode changes how the stand-in answers from now on.
func (s *StandIn) SetMode(m Mode) { s.mode.Store(int32(m)) }

// Recorded is one request the stand-in received.
type Recorded struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// Received returns the requests so far, in arrival order.
func (s *StandIn) Received() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.received...)
}

func (s *StandIn) serve(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	msg, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.received = append(s.received, Recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: msg})
	s.mu.Unlock()
	op := bodyChild(msg)
	mode := Mode(s.mode.Load())
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	if mode == Fault || r.Method != http.MethodPost || op.Space != "urn:skl:tp:vagvalsinfo:v2" {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>TAK stand-in: database unavailable</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
		return
	}
	var resp string
	var entries []byte
	switch op.Local {
	case "hamtaAllaVirtualiseringar":
		resp = "hamtaAllaVirtualiseringarResponse"
		if mode == Serve || mode == EmptyPerms {
			entries = s.routes
		}
	case "hamtaAllaAnropsBehorigheter":
		resp = "hamtaAllaAnropsBehorigheterResponse"
		if mode == Serve {
			entries = s.perms
		}
	default:
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>unknown operation</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
		return
	}
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ns2:`+resp+` xmlns:ns2="urn:skl:tp:vagvalsinfo:v2">`)
	w.Write(entries)
	io.WriteString(w, `</ns2:`+resp+`></soap:Body></soap:Envelope>`)
}

// bodyChild is the name of the first element inside the SOAP Body.
func bodyChild(msg []byte) xml.Name {
	d := xml.NewDecoder(bytes.NewReader(msg))
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}
		}
		if se, ok := tok.(xml.StartElement); ok {
			if inBody {
				return se.Name
			}
			inBody = se.Name.Local == "Body"
		}
	}
}

// DeadURL is an http URL on 127.0.0.1 where nothing listens ("no contact
// with TAK").
func DeadURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/tak-services/SokVagvalsInfo/v2"
}

// NewStandInData serves d's entries, written as VP's cache file writes them.
func NewStandInData(t testing.TB, d *takdata.Data) *StandIn {
	t.Helper()
	var b bytes.Buffer
	if err := takformat.WriteCache(&b, d, takformat.Options{}); err != nil {
		t.Fatal(err)
	}
	return NewStandInBytes(t, qualify(routeEntry.FindAll(b.Bytes(), -1)), qualify(permEntry.FindAll(b.Bytes(), -1)))
}
