// Package platform answers the national service platform's own services
// from the TAK catalogue, for one configured logical address (the platform's
// HSA-id), without forwarding:
//
//   - PingForConfiguration 1 (RIVTABP21 and RIVTABP20): version, ping time
//     and configuration items (instance, start time, catalogue status).
//   - GetLogicalAddresseesByServiceContract 2: the logical addresses the
//     consumer named in the request may reach with a contract.
//   - GetSupportedServiceContracts 2: the contracts a consumer (or anyone)
//     may use at a logical address.
//
// Requests and answers use the Go types generated from the published WSDLs
// (contracts/generated); every answer validates against the contract XSD.
//
// The gateway asks Handles(contract, receiver) for each call; when it is
// true the gateway authorises the caller as for any contract (so who may call
// these services is a permission in TAK like any other, VP007 otherwise) and
// then calls Serve instead of forwarding.
//
// The registry answers start from TAK's own (the permissions, as tak-services
// and KAT give them: a default permission is listed as "*" with its filters)
// and add what VP's rules make reachable beyond them: a logical address with
// a route for the contract that the consumer may call through "*" or the HSA
// tree, and a contract routed to the logical address that the consumer is
// authorised for. Filters of an address reached that way are those of the
// permission that grants it.
package platform

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/encoding/ianaindex"

	"github.com/rivgate/rivgate/contracts/envelope"
	"github.com/rivgate/rivgate/contracts/generated/logicaladdressees"
	"github.com/rivgate/rivgate/contracts/generated/pingforconfiguration"
	"github.com/rivgate/rivgate/contracts/generated/supportedcontracts"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// Config says which logical address the platform answers for and what
// PingForConfiguration reports.
type Config struct {
	// LogicalAddress is the platform's own HSA-id; calls to it with one of
	// the platform contracts are answered here. Empty disables the services.
	LogicalAddress string
	// InstanceName is the gateway instance (VP's vp.instance.id), used in
	// fault strings and reported by PingForConfiguration.
	InstanceName string
	// Version is the rivgate version PingForConfiguration reports.
	Version string
	// Started is when the gateway started.
	Started time.Time
}

// Service answers the platform services. It is safe for concurrent use.
type Service struct {
	cfg    Config
	cat    func() Catalogue
	status func() Status
	now    func() time.Time
}

// NewWith returns a Service reading the catalogue and its status through the
// given functions on every call, so catalogue reloads take effect at once.
// cat returns nil while nothing is loaded (calls then get VP008).
func NewWith(cfg Config, cat func() Catalogue, status func() Status) *Service {
	return &Service{cfg: cfg, cat: cat, status: status, now: time.Now}
}

// Contracts returns the namespaces of the services answered here.
func Contracts() []string {
	return []string{pingforconfiguration.Namespace, logicaladdressees.Namespace, supportedcontracts.Namespace}
}

// Handles reports whether a call with contractNS to receiver is answered by
// this service: one of the platform contracts, addressed to the configured
// logical address (compared case-insensitively, as TAK keys are).
func (s *Service) Handles(contractNS, receiver string) bool {
	if s.cfg.LogicalAddress == "" || !strings.EqualFold(receiver, s.cfg.LogicalAddress) {
		return false
	}
	switch contractNS {
	case pingforconfiguration.Namespace, logicaladdressees.Namespace, supportedcontracts.Namespace:
		return true
	}
	return false
}

// Serve answers one call the gateway has already authorised. msg is the
// whole request (the consumer asked about is named in it, as in TAK's
// services), info what the gateway's sniffer read from it. It returns the
// HTTP status and a SOAP 1.1 body: 200 with the answer, or 500 with a SOAP
// fault (VP008 when no catalogue is loaded).
func (s *Service) Serve(ctx context.Context, info *envelope.Info, msg []byte) (httpStatus int, body []byte) {
	if err := ctx.Err(); err != nil {
		return s.clientFault("request cancelled: " + err.Error())
	}
	if info.Version == envelope.SOAP12 {
		return s.clientFault("SOAP 1.2 is not supported: the platform contracts bind SOAP 1.1")
	}
	cat := s.cat()
	if cat == nil {
		f := vpfault.New(vpfault.VP008, "")
		return http.StatusInternalServerError, f.Envelope(s.cfg.InstanceName)
	}
	msg, err := toUTF8(msg, info.Charset)
	if err != nil {
		return s.clientFault(err.Error())
	}
	now := s.now()
	switch info.Body.Space {
	case pingforconfiguration.Namespace:
		return s.ping(info, msg, now)
	case logicaladdressees.Namespace:
		return s.logicalAddressees(cat, msg, now)
	case supportedcontracts.Namespace:
		return s.supportedContracts(cat, msg, now)
	}
	return s.clientFault(fmt.Sprintf("contract %s is not a platform service", info.Body.Space))
}

// clientFault is a SOAP 1.1 Client fault for a request the service cannot
// answer (tak-services throws IllegalArgumentException for the same cases).
func (s *Service) clientFault(text string) (int, []byte) {
	return http.StatusInternalServerError, vpfault.RenderFault(string(vpfault.Client), text, "")
}

// serverFault is a SOAP 1.1 Server fault for a failure on this side.
func (s *Service) serverFault(err error) (int, []byte) {
	return http.StatusInternalServerError, vpfault.RenderFault(string(vpfault.Server), "platform service failed", err.Error())
}

var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*\?>`)

// toUTF8 decodes a message the sniffer read in another charset (UTF-16,
// Latin-1: VP accepts them) and drops its XML declaration, which would
// otherwise make encoding/xml decode it again.
func toUTF8(msg []byte, charset string) ([]byte, error) {
	msg = bytes.TrimPrefix(msg, []byte("\xef\xbb\xbf"))
	if charset == "" || strings.EqualFold(charset, "UTF-8") {
		return msg, nil
	}
	enc, err := ianaindex.IANA.Encoding(charset)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("request charset %s is not supported", charset)
	}
	out, err := enc.NewDecoder().Bytes(msg)
	if err != nil {
		return nil, fmt.Errorf("decode request from %s: %w", charset, err)
	}
	out = bytes.TrimPrefix(out, []byte("\xef\xbb\xbf"))
	return xmlDecl.ReplaceAll(out, nil), nil
}
