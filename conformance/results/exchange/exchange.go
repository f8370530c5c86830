// Package exchange records HTTP exchanges byte-exact for conformance runs and
// recordings: the request and response bodies exactly as they crossed the
// wire, plus a JSON sidecar with method, URI, headers, TLS peer and
// timestamps. Results and evidence bundles refer to exchanges by the path of
// that sidecar, relative to the run's output directory.
package exchange

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/rivgate/rivgate/internal/atomicfile"
)

// Roles of the harness's exchanges.
const (
	// RoleStep is a step's request.
	RoleStep = "step"
	// RoleRepeat repeats a step's request after its answer: after a fault,
	// or after the scenario's last answer (a retry storm after an OK).
	RoleRepeat = "repeat"
	// RoleUnexpected is a request no step expected: after a scenario's
	// last answer (Scenario and Step name that step) or outside every
	// scenario (they are empty).
	RoleUnexpected = "unexpected"
)

// Exchange is one request and what was answered.
type Exchange struct {
	// ID is the sidecar path relative to the output directory, e.g.
	// "exchanges/S01/001-get-visits.json".
	ID       string `json:"id"`
	Scenario string `json:"scenario,omitempty"`
	Step     string `json:"step,omitempty"`
	Seq      int    `json:"seq"`
	// Role: RoleStep, RoleRepeat, RoleUnexpected, "record" (recording
	// proxy), "producer" (producer mode).
	Role string `json:"role"`

	Received  time.Time `json:"received"`
	Responded time.Time `json:"responded,omitzero"`
	// ClientGone is when the consumer closed the connection while rivgate
	// was still holding the answer (timeout steps).
	ClientGone time.Time `json:"client_gone,omitzero"`
	Remote     string    `json:"remote,omitempty"`
	TLS        *TLSInfo  `json:"tls,omitempty"`

	Request  Message `json:"request"`
	Response Message `json:"response"`
	// Fault names the injected fault kind: "vp_fault:VP007", "soap_fault",
	// "timeout", "reset", "truncated", ... Empty for a normal answer.
	Fault string `json:"fault,omitempty"`
	// Error is a transport error seen while exchanging (producer mode,
	// recording proxy).
	Error string `json:"error,omitempty"`
	// TooLarge is set when the request body was larger than the harness
	// reads: the request body file then holds only what was read.
	TooLarge *BodyLimit `json:"too_large,omitempty"`
}

// BodyLimit records a request body over the harness's limit.
type BodyLimit struct {
	Limit int64 `json:"limit"` // bytes the harness reads at most
	// Declared is the Content-Length sent, -1 when none (chunked).
	Declared int64 `json:"declared"`
}

// Message is one side of an exchange. The body lives in BodyFile.
type Message struct {
	Method string      `json:"method,omitempty"`
	URI    string      `json:"uri,omitempty"`
	Proto  string      `json:"proto,omitempty"`
	Status int         `json:"status,omitempty"`
	Header http.Header `json:"header,omitempty"`
	// BodyFile is relative to the output directory.
	BodyFile   string `json:"body_file,omitempty"`
	BodySize   int    `json:"body_size"`
	BodySHA256 string `json:"body_sha256,omitempty"`
}

// TLSInfo is the TLS peer as rivgate saw it.
type TLSInfo struct {
	Version      string `json:"version"`
	CipherSuite  string `json:"cipher_suite"`
	ServerName   string `json:"server_name,omitempty"`
	PeerSubject  string `json:"peer_subject,omitempty"`
	SerialNumber string `json:"peer_serialnumber,omitempty"` // subject SERIALNUMBER (the HSA-id)
	// PeerCertPEM is the peer's leaf certificate, so checks can be
	// re-evaluated from the record alone.
	PeerCertPEM string `json:"peer_cert_pem,omitempty"`
}

// PeerCert parses PeerCertPEM; nil when there is none.
func (t *TLSInfo) PeerCert() (*x509.Certificate, error) {
	if t == nil || t.PeerCertPEM == "" {
		return nil, nil
	}
	b, _ := pem.Decode([]byte(t.PeerCertPEM))
	if b == nil {
		return nil, errors.New("peer certificate: no PEM block")
	}
	return x509.ParseCertificate(b.Bytes)
}

// Store writes exchanges under Dir/exchanges. It is safe for concurrent use;
// sequence numbers are per scenario.
type Store struct {
	Dir string
	mu  sync.Mutex
	seq map[string]int
}

// NewStore returns a store writing below dir (the run's output directory).
func NewStore(dir string) *Store { return &Store{Dir: dir, seq: map[string]int{}} }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Begin assigns the exchange its sequence number and file names.
func (s *Store) Begin(ex *Exchange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	group := ex.Scenario
	if group == "" {
		group = "_" + ex.Role
	}
	group = unsafeName.ReplaceAllString(group, "_")
	s.seq[group]++
	ex.Seq = s.seq[group]
	name := fmt.Sprintf("%03d", ex.Seq)
	if ex.Step != "" {
		name += "-" + unsafeName.ReplaceAllString(ex.Step, "_")
	}
	base := path.Join("exchanges", group, name)
	ex.ID = base + ".json"
	ex.Request.BodyFile = base + ".request.xml"
	ex.Response.BodyFile = base + ".response.bin"
}

// Write stores the bodies byte-exact and the sidecar. Begin must have run.
func (s *Store) Write(ex *Exchange, reqBody, respBody []byte) error {
	if ex.ID == "" {
		s.Begin(ex)
	}
	ex.Request.BodySize, ex.Request.BodySHA256 = len(reqBody), digest(reqBody)
	ex.Response.BodySize, ex.Response.BodySHA256 = len(respBody), digest(respBody)
	if err := s.put(ex.Request.BodyFile, reqBody); err != nil {
		return err
	}
	if err := s.put(ex.Response.BodyFile, respBody); err != nil {
		return err
	}
	meta, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		return fmt.Errorf("exchange %s: %w", ex.ID, err)
	}
	return s.put(ex.ID, append(meta, '\n'))
}

func (s *Store) put(rel string, b []byte) error {
	p := filepath.Join(s.Dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("exchange dir: %w", err)
	}
	if err := atomicfile.WriteFile(p, b, 0o644); err != nil {
		return fmt.Errorf("write exchange %s: %w", rel, err)
	}
	return nil
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Read loads an exchange sidecar and its bodies from a run directory.
func Read(dir, id string) (*Exchange, []byte, []byte, error) {
	meta, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(id)))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read exchange: %w", err)
	}
	var ex Exchange
	if err := json.Unmarshal(meta, &ex); err != nil {
		return nil, nil, nil, fmt.Errorf("exchange %s: %w", id, err)
	}
	req, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ex.Request.BodyFile)))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("exchange %s request body: %w", id, err)
	}
	resp, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ex.Response.BodyFile)))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("exchange %s response body: %w", id, err)
	}
	return &ex, req, resp, nil
}
