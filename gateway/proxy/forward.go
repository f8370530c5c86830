package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// Exchange is one forwarded call: what the gateway decided, and what
// happened, for the exchange log and metrics.
type Exchange struct {
	// Target is the producer address from the catalogue (query kept).
	Target *url.URL
	// Body is the request as it goes out: the (possibly rewritten) envelope
	// head followed by the rest of the consumer's body, still streaming.
	Body io.Reader
	// ContentLength of Body, or -1 when unknown (chunked).
	ContentLength int64
	// Timeout is the longest wait without progress from the producer.
	Timeout time.Duration
	// Headers are the outbound header rules for this call.
	Headers OutboundHeaders
	// Instance is the name in fault strings.
	Instance string
	// RequestErr reports why reading the consumer's body failed, if it did
	// (a *vpfault.Fault for a body over the size limit).
	RequestErr func() error
	// MinRate is the pace the whole exchange must keep (request and answer
	// bytes), with Timeout added to its grace; the zero value sets none.
	MinRate MinRate
	// PassHeaders are producer response headers relayed although the
	// rules drop them (see InboundHeaders).
	PassHeaders []string

	// Results, filled by Forward.
	Status       int           // HTTP status sent to the consumer (0: none, consumer gone)
	ProducerTime time.Duration // request start to producer response headers
	Fault        *vpfault.Fault
	Err          error // internal cause, for logs
	Canceled     bool  // the consumer went away
	// TLSProfile names the TLS settings used for an https producer
	// (DefaultProfile or a profile's name); "" for plain http.
	TLSProfile string
	// TLSVersion and ProducerCert are what the producer's TLS connection
	// negotiated and showed (0 and nil when no answer came).
	TLSVersion   uint16
	ProducerCert *x509.Certificate
	started      time.Time
}

type exchangeKey struct{}

// Forwarder streams calls to producers through a ReverseProxy.
type Forwarder struct {
	transport   *Transport
	maxResponse int64
	rp          *httputil.ReverseProxy
}

// NewForwarder makes a forwarder over t. maxResponse bounds producer
// response bodies (0 = no bound); errLog receives ReverseProxy's own
// messages (nil discards them).
func NewForwarder(t *Transport, maxResponse int64, errLog *log.Logger) *Forwarder {
	f := &Forwarder{transport: t, maxResponse: maxResponse}
	if errLog == nil {
		errLog = log.New(io.Discard, "", 0)
	}
	f.rp = &httputil.ReverseProxy{
		Rewrite:        f.rewrite,
		Transport:      t,
		ModifyResponse: f.modifyResponse,
		ErrorHandler:   f.errorHandler,
		BufferPool:     newBufferPool(),
		ErrorLog:       errLog,
	}
	return f
}

// Forward sends x to its producer and streams the answer to w. Failures are
// answered with VP faults; x holds the outcome.
func (f *Forwarder) Forward(w http.ResponseWriter, r *http.Request, x *Exchange) {
	ctx := context.WithValue(r.Context(), exchangeKey{}, x)
	ctx = WithTimeout(ctx, x.Timeout)
	if x.MinRate.On() {
		ctx = WithMinRate(ctx, x.MinRate)
	}
	// The answer sets the correlation id (InboundHeaders, or the fault):
	// one set before, for the gateway's own answers, would be sent twice.
	delete(w.Header(), rivta.KeyCorrelationID)
	sw := &statusWriter{ResponseWriter: w}
	f.rp.ServeHTTP(sw, r.WithContext(ctx))
	if x.Status == 0 {
		x.Status = sw.status
	}
}

func exchangeOf(r *http.Request) *Exchange {
	x, _ := r.Context().Value(exchangeKey{}).(*Exchange)
	return x
}

func (f *Forwarder) rewrite(pr *httputil.ProxyRequest) {
	x := exchangeOf(pr.In)
	u := *x.Target
	pr.Out.URL = &u
	pr.Out.Host = ""
	pr.Out.RequestURI = ""
	pr.Out.Body = io.NopCloser(x.Body)
	pr.Out.ContentLength = x.ContentLength
	if x.ContentLength < 0 {
		pr.Out.TransferEncoding = []string{"chunked"}
	} else {
		pr.Out.TransferEncoding = nil
	}
	pr.Out.Method = http.MethodPost
	x.Headers.Apply(pr.Out.Header, u.Scheme == "https")
	x.started = time.Now()
}

// faultPeek is how far into a 500 body we look for the SOAP envelope.
const faultPeek = 16 << 10

func (f *Forwarder) modifyResponse(resp *http.Response) error {
	x := exchangeOf(resp.Request)
	x.ProducerTime = time.Since(x.started)
	if cs := resp.TLS; cs != nil {
		x.TLSVersion = cs.Version
		if len(cs.PeerCertificates) > 0 {
			x.ProducerCert = cs.PeerCertificates[0]
		}
	}
	// The address text is only needed for a fault: not built per call.
	target := x.Target.String
	if f.maxResponse > 0 && resp.ContentLength > f.maxResponse {
		return vpfault.New(vpfault.VP009, fmt.Sprintf("%s. Producer response of %d bytes exceeds limits.max_body (%d bytes)", target(), resp.ContentLength, f.maxResponse))
	}
	var body io.Reader = resp.Body
	switch {
	case resp.StatusCode == http.StatusInternalServerError:
		br := bufio.NewReaderSize(resp.Body, faultPeek)
		head, _ := peekUpTo(br, faultPeek)
		// A SOAP fault (1.1, or 1.2) is an answer whose root element is a
		// SOAP Envelope; an HTML error page that merely names the
		// namespace (in a comment, say) is not one.
		if _, err := envelope.SniffRoot(head); err != nil {
			return statusFault(target(), resp.StatusCode)
		}
		body = br
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if resp.ContentLength == 0 {
			return emptyFault(target(), resp.StatusCode)
		}
		if resp.ContentLength < 0 {
			// A small buffer: large reads bypass it once it is drained.
			br := bufio.NewReaderSize(resp.Body, 512)
			if _, err := br.Peek(1); err == io.EOF {
				return emptyFault(target(), resp.StatusCode)
			}
			body = br
		}
	default:
		return statusFault(target(), resp.StatusCode)
	}
	if f.maxResponse > 0 {
		body = &limitReader{r: body, left: f.maxResponse, err: errResponseTooLarge}
	}
	resp.Body = readCloser{Reader: body, Closer: resp.Body}
	InboundHeaders(resp.Header, x.Headers.CorrelationID, strconv.FormatInt(x.ProducerTime.Milliseconds(), 10), x.PassHeaders...)
	if resp.ContentLength >= 0 {
		resp.Header.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	x.Status = resp.StatusCode
	return nil
}

var errResponseTooLarge = errors.New("producer response exceeds limits.max_body")

func peekUpTo(br *bufio.Reader, n int) ([]byte, error) {
	// bufio.Reader can peek at most its size; read into a bigger reader lazily.
	if n > br.Size() {
		n = br.Size()
	}
	b, err := br.Peek(n)
	if err == bufio.ErrBufferFull || err == io.EOF {
		err = nil
	}
	return b, err
}

// vp009 builds VP's VP009 detail: "Error connecting to service producer at
// address <url>. Exception Caught by Camel when contacting producer.
// Exception information: (<kind>: <message>)". The wording is VP's, kept so
// consumers and operators recognise it.
func vp009(target, kind, msg string, cause error) *vpfault.Fault {
	f := vpfault.New(vpfault.VP009, fmt.Sprintf("%s. Exception Caught by Camel when contacting producer. Exception information: (%s: %s)", target, kind, msg))
	f.Err = cause
	return f
}

func statusFault(target string, status int) *vpfault.Fault {
	f := vp009(target, "HttpOperationFailedException", fmt.Sprintf("HTTP operation failed invoking %s with statusCode: %d", target, status), nil)
	f.Detail += "\nVP_PRODUCER_EXCEPTION_HTTP_STATUS=" + strconv.Itoa(status)
	return f
}

func emptyFault(target string, status int) *vpfault.Fault {
	return vpfault.New(vpfault.VP009, fmt.Sprintf("%s. Empty message when server responded with status code: %d %s", target, status, http.StatusText(status)))
}

// ClassifyError maps a transport error onto VP009 with the kind of failure
// VP reports (connect refused, timeout, TLS handshake, reset, I/O).
func ClassifyError(target string, err error) *vpfault.Fault {
	var f *vpfault.Fault
	if errors.As(err, &f) {
		return f
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		return vp009(target, "TimeoutException", te.Error(), err)
	}
	var de *DialError
	if errors.As(err, &de) {
		var ne net.Error
		if errors.As(de.Err, &ne) && ne.Timeout() {
			return vp009(target, "ConnectTimeoutException", "connection timed out: "+de.Addr, err)
		}
		if errors.Is(de.Err, syscall.ECONNREFUSED) {
			return vp009(target, "ConnectException", "Connection refused: "+de.Addr, err)
		}
		return vp009(target, "ConnectException", de.Err.Error(), err)
	}
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	if errors.As(err, &certErr) || errors.As(err, &hostErr) || errors.As(err, &unknown) || errors.As(err, &recErr) || errors.As(err, &alert) || tlsFailure(err) {
		return vp009(target, "SSLHandshakeException", err.Error(), err)
	}
	if errors.Is(err, syscall.ECONNRESET) {
		return vp009(target, "SocketException", "Connection reset", err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return vp009(target, "IOException", "Connection closed by producer before a complete response", err)
	}
	return vp009(target, "IOException", err.Error(), err)
}

// tlsFailure reports a handshake that failed on a TLS protocol matter (no
// version or cipher both sides speak, an alert from the producer), which
// crypto/tls reports without a type of its own: its messages start "tls: ",
// an alert from the peer is a net.OpError "remote error".
func tlsFailure(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return true
	}
	return strings.HasPrefix(err.Error(), "tls: ")
}

func (f *Forwarder) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	x := exchangeOf(r)
	x.Err = err
	w.Header().Set(rivta.HeaderCorrelationID, x.Headers.CorrelationID)
	if x.RequestErr != nil {
		if rerr := x.RequestErr(); rerr != nil {
			var rf *vpfault.Fault
			if errors.As(rerr, &rf) {
				x.Fault = rf
				x.Status = writeFault(w, rf, x.Instance)
				return
			}
			// The consumer's body broke off: nobody to answer.
			x.Canceled = true
			x.Err = rerr
			return
		}
	}
	if r.Context().Err() != nil && context.Cause(r.Context()) != errProducerTimeout {
		var te *TimeoutError
		if !errors.As(err, &te) {
			x.Canceled = true
			return
		}
	}
	x.Fault = ClassifyError(x.Target.String(), err)
	x.Status = writeFault(w, x.Fault, x.Instance)
}

// FaultStatus is the HTTP status a fault is sent with: 500 as VP, except a
// request over the size limit (413, the clear answer VP lacked).
func FaultStatus(f *vpfault.Fault) int {
	if errors.Is(f.Err, ErrRequestTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// ErrRequestTooLarge is the cause of the fault for a body over limits.max_body.
var ErrRequestTooLarge = errors.New("request body exceeds limits.max_body")

func writeFault(w http.ResponseWriter, f *vpfault.Fault, instance string) int {
	status := FaultStatus(f)
	body := f.Envelope(instance)
	h := w.Header()
	h.Set("Content-Type", vpfault.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// WriteFault writes a VP fault with the status FaultStatus gives.
func WriteFault(w http.ResponseWriter, f *vpfault.Fault, instance string) int {
	return writeFault(w, f, instance)
}

type readCloser struct {
	io.Reader
	io.Closer
}

// limitReader fails with err once more than left bytes were read.
type limitReader struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, l.err
	}
	return n, err
}

// NewLimitReader returns r failing with err after more than n bytes.
func NewLimitReader(r io.Reader, n int64, err error) io.Reader {
	return &limitReader{r: r, left: n, err: err}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if fl, ok := s.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (b *bufferPool) Get() []byte  { return *(b.p.Get().(*[]byte)) }
func (b *bufferPool) Put(p []byte) { b.p.Put(&p) }
