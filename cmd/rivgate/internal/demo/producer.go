package demo

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/internal/mtls"
)

// producer is a real GetVisits producer behind the gateway: mutual TLS (it
// only accepts the gateway's client certificate, as producers on the
// platform do) and the suite's recorded answer for the patient asked about.
type producer struct {
	srv    *http.Server
	ln     net.Listener
	answer []byte // the recorded visits-ok answer
	done   chan struct{}
}

// recordedPatient is the patient id in the recorded answer; the producer
// answers for the patient asked about.
const recordedPatient = "191212121212"

var patientRe = regexp.MustCompile(`^(19|20)\d{10}$`)

func startProducer(serverTLS *tls.Config, answer []byte, errLog io.Writer) (*producer, error) {
	// serverTLS has the demo CA as ClientCAs: callers must hold its certificates.
	ln, err := mtls.Listen("127.0.0.1:0", serverTLS)
	if err != nil {
		return nil, fmt.Errorf("demo producer: %w", err)
	}
	p := &producer{ln: ln, answer: answer, done: make(chan struct{})}
	p.srv = &http.Server{
		Handler:           http.HandlerFunc(p.handle),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(errLog, "demo producer: ", 0),
	}
	go func() {
		defer close(p.done)
		_ = p.srv.Serve(p.ln)
	}()
	return p, nil
}

// URL is the producer's endpoint address for the TAK.
func (p *producer) URL() string { return "https://" + p.ln.Addr().String() + "/clinic/GetVisits/1" }

func (p *producer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil {
		_ = p.srv.Close()
	}
	<-p.done
}

func (p *producer) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		p.fault(w, "request body: "+err.Error())
		return
	}
	patient, err := patientOf(body)
	if err != nil {
		p.fault(w, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	_, _ = w.Write(bytes.ReplaceAll(p.answer, []byte(recordedPatient), []byte(patient)))
}

// fault answers a SOAP 1.1 producer fault (HTTP 500), which the gateway
// passes through unchanged.
func (p *producer) fault(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(vpfault.RenderFault(string(vpfault.Client), "demo producer: "+msg, ""))
}

// patientOf finds the GetVisits request's patient id.
func patientOf(body []byte) (string, error) {
	var env struct {
		Body struct {
			GetVisits *struct {
				PatientID struct {
					ID string `xml:"urn:riv:demo:clinic:1 id"`
				} `xml:"urn:riv:demo:clinic:GetVisitsResponder:1 patientId"`
			} `xml:"urn:riv:demo:clinic:GetVisitsResponder:1 GetVisits"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("not a SOAP envelope: %w", err)
	}
	if env.Body.GetVisits == nil {
		return "", errors.New("this producer answers GetVisits (" + visitsNS + ") only")
	}
	id := env.Body.GetVisits.PatientID.ID
	if !patientRe.MatchString(id) {
		return "", fmt.Errorf("patientId/id %q is not a 12-digit personnummer", id)
	}
	return id, nil
}
