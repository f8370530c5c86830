package harness

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/rivgate/rivgate/conformance/run/inject"
	"github.com/rivgate/rivgate/contracts/msgcheck"
	"github.com/rivgate/rivgate/contracts/vpfault"
	"github.com/rivgate/rivgate/contracts/wsdlserve"
)

// The harness plays the platform: a request the real platform would refuse
// for its receiver gets the platform's fault, with the gateway's texts
// (contracts/vpfault), instead of the step's answer, so the consumer's
// error handling is exercised as in production. The findings are the
// request checks' (RIV-RECV-01, RIV-RECV-02, RIV-STEP-01). A profile other
// than the contract's is a finding only: the platform rewrites RIVTABP20
// and RIVTABP21 into each other, it does not refuse them.

// refusal is the fault the platform answers m with for its receiver, and
// why, or nil when it routes m (or the suite turned this off).
func (h *Harness) refusal(m *msgcheck.Message) (*vpfault.Fault, string) {
	if !h.suite.AnswersLikePlatform() {
		return nil, ""
	}
	info, err := m.Envelope()
	if err != nil {
		return nil, "" // not an envelope: RIV-SOAP-01 says why
	}
	r, known := info.Receiver, h.suite.KnownReceivers()
	if f := vpfault.ReceiverRefusal(info.HasReceiver, info.Body.Space, r); f != nil {
		if f.Code == vpfault.VP003 {
			return f, "the request names no receiver"
		}
		return f, fmt.Sprintf("receiver %q has surrounding whitespace", r)
	}
	if len(known) > 0 && !slices.Contains(known, r) {
		return vpfault.NoRoute(info.Body.Space, r), fmt.Sprintf("receiver %q is not among the suite's receivers", r)
	}
	return nil, ""
}

// platformOr is the platform's answer to p when it would refuse p, else a;
// note says which.
func (h *Harness) platformOr(p *pending, a *inject.Answer) (*inject.Answer, string) {
	f, why := h.refusal(p.msg)
	if f == nil {
		return a, ""
	}
	pa := inject.Platform(h.suite, f, h.requestFacts(p))
	return pa, fmt.Sprintf("answered %s as the platform would (%s) instead of %s", pa.Kind, why, a.Kind)
}

// isWSDLRequest: GET ?wsdl or ?xsd=, which the harness answers from the
// suite's contracts as the gateway does, without involving the run.
func isWSDLRequest(r *http.Request) bool {
	return r.Method == http.MethodGet && wsdlserve.Wanted(r.URL.RawQuery)
}

// serveWSDL answers ?wsdl and ?xsd= at the platform's WSDL paths
// (contracts/wsdlserve: vp/<domain>/<Interaction>/<major>/<rivtabpXX>).
func (h *Harness) serveWSDL(w http.ResponseWriter, r *http.Request) {
	if h.wsdl == nil {
		http.Error(w, "the suite's contracts cannot be served", http.StatusNotFound)
		return
	}
	status := h.wsdl.Serve(w, r, "https://"+r.Host+r.URL.EscapedPath())
	h.progress("%s %s: HTTP %d (the contract, from the suite's contracts)", r.Method, r.URL.RequestURI(), status)
}

// progressContracts says where the contracts are served (the first few).
func (h *Harness) progressContracts() {
	if h.wsdl == nil {
		return
	}
	paths := h.wsdl.Paths()
	for i, p := range paths {
		if i == 5 {
			h.progress("contracts: and %d more (any other path lists them)", len(paths)-i)
			return
		}
		h.progress("contract: %s%s?wsdl", h.URL(), p)
	}
}
