package platform

import (
	"net/http"
	"slices"
	"strings"
	"time"

	la "github.com/rivgate/rivgate/contracts/generated/logicaladdressees"
	sc "github.com/rivgate/rivgate/contracts/generated/supportedcontracts"
)

// logicalAddressees answers GetLogicalAddresseesByServiceContract 2 for the
// consumer and contract named in the request.
func (s *Service) logicalAddressees(cat Catalogue, msg []byte, now time.Time) (int, []byte) {
	req, err := la.ParseRequest(msg)
	if err != nil {
		return s.clientFault("GetLogicalAddresseesByServiceContract request: " + err.Error())
	}
	consumer := strings.TrimSpace(string(req.ServiceConsumerHsaId))
	contract := strings.TrimSpace(string(req.ServiceContractNameSpace.ServiceContractNamespace))
	switch {
	case contract == "":
		return s.clientFault("serviceContractNameSpace/ServiceContractNamespace must not be empty")
	case consumer == "":
		return s.clientFault("serviceConsumerHsaId must not be empty")
	}
	resp := &la.GetLogicalAddresseesByServiceContractResponse{}
	for _, a := range LogicalAddressees(cat, consumer, contract, now) {
		rec := &la.LogicalAddresseeRecordType{LogicalAddress: la.LogicalAddressType(a.Receiver)}
		for _, f := range a.Filters {
			rec.Filter = append(rec.Filter, &la.FilterType{ServiceDomain: la.AnyURI(f.ServiceDomain), Categorization: f.Categorizations})
		}
		resp.LogicalAddressRecord = append(resp.LogicalAddressRecord, rec)
	}
	b, err := la.ResponseEnvelope(resp)
	if err != nil {
		return s.serverFault(err)
	}
	return http.StatusOK, b
}

// LogicalAddressees is the answer to GetLogicalAddresseesByServiceContract:
// the consumer's permissions for the contract valid at t as TAK lists them
// ("*" included), then every other logical address with a route for the
// contract that VP would let the consumer call (through "*" or the HSA
// tree), with the filters of the permission that allows it. Each logical
// address appears once (compared case-insensitively).
func LogicalAddressees(cat Catalogue, consumer, contract string, at time.Time) []Addressee {
	perms := cat.LogicalAddressees(consumer, contract, at)
	out := make([]Addressee, 0, len(perms))
	byReceiver := map[string]Addressee{}
	for _, a := range perms {
		k := strings.ToLower(a.Receiver)
		if _, dup := byReceiver[k]; dup {
			continue
		}
		byReceiver[k] = a
		out = append(out, a)
	}
	for _, r := range cat.RoutedReceivers(contract, at) {
		k := strings.ToLower(r)
		if _, listed := byReceiver[k]; listed {
			continue
		}
		granted, ok := cat.Authorized(consumer, contract, r, at)
		if !ok {
			continue
		}
		a := Addressee{Receiver: r, Filters: byReceiver[strings.ToLower(granted)].Filters}
		byReceiver[k] = a
		out = append(out, a)
	}
	return out
}

// supportedContracts answers GetSupportedServiceContracts 2.
func (s *Service) supportedContracts(cat Catalogue, msg []byte, now time.Time) (int, []byte) {
	req, err := sc.ParseRequest(msg)
	if err != nil {
		return s.clientFault("GetSupportedServiceContracts request: " + err.Error())
	}
	receiver := strings.TrimSpace(string(req.LogicalAdress))
	if receiver == "" {
		return s.clientFault("logicalAdress must not be empty")
	}
	consumer := ""
	if req.ServiceConsumerHsaId != nil {
		consumer = strings.TrimSpace(string(*req.ServiceConsumerHsaId))
	}
	resp := &sc.GetSupportedServiceContractsResponse{}
	for _, ns := range SupportedContracts(cat, consumer, receiver, now) {
		resp.ServiceContractNamespace = append(resp.ServiceContractNamespace, &sc.ServiceContractNamespaceType{ServiceContractNamespace: sc.AnyURI(ns)})
	}
	b, err := sc.ResponseEnvelope(resp)
	if err != nil {
		return s.serverFault(err)
	}
	return http.StatusOK, b
}

// SupportedContracts is the answer to GetSupportedServiceContracts, sorted:
// the contracts with a permission to the logical address valid at t (for the
// consumer, or for anyone when consumer is "") as TAK lists them, plus every
// contract a call to the logical address would be routed for and, when a
// consumer is named, that VP would let the consumer call (through "*" or the
// HSA tree).
func SupportedContracts(cat Catalogue, consumer, receiver string, at time.Time) []string {
	set := map[string]bool{}
	for _, ns := range cat.SupportedContracts(consumer, receiver, at) {
		set[ns] = true
	}
	for _, ns := range cat.RoutedContracts() {
		if set[ns] || !cat.Routed(ns, receiver, at) {
			continue
		}
		if consumer != "" {
			if _, ok := cat.Authorized(consumer, ns, receiver, at); !ok {
				continue
			}
		}
		set[ns] = true
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out
}
