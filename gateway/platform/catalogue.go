package platform

import "time"

// Catalogue is what the platform services read from the TAK catalogue.
// The gateway's *tak.Catalogue is adapted to it (see New); tests may supply
// their own.
type Catalogue interface {
	// LogicalAddressees lists the receivers sender holds a permission for
	// with contract at t, each once, in source order, with the permission's
	// filters; "*" for a default permission (TAK's own answer).
	LogicalAddressees(sender, contract string, at time.Time) []Addressee
	// SupportedContracts lists the contracts for which a permission to
	// receiver (exactly) is valid at t, for sender or, when sender is "",
	// for anyone (TAK's own answer).
	SupportedContracts(sender, receiver string, at time.Time) []string
	// RoutedReceivers lists, in source order and each once, the receivers
	// other than "*" with a route for contract valid at t.
	RoutedReceivers(contract string, at time.Time) []string
	// RoutedContracts lists every contract that has a route, each once.
	RoutedContracts() []string
	// Routed reports whether a call with contract to receiver at t finds
	// exactly one route with an address, by VP's routing rules.
	Routed(contract, receiver string, at time.Time) bool
	// Authorized reports whether sender may call receiver with contract at
	// t by VP's authorisation rules (exact, "*", HSA tree walk) and, when it
	// may, the receiver of the permission that allows it.
	Authorized(sender, contract, receiver string, at time.Time) (grantedBy string, ok bool)
}

// Addressee is a logical address with the filters of the permission that
// lets a consumer reach it.
type Addressee struct {
	Receiver string
	Filters  []Filter
}

// Filter is a TAK filter: a service domain and its categorisations.
type Filter struct {
	ServiceDomain   string
	Categorizations []string
}

// Status is the catalogue's load status as PingForConfiguration reports it.
type Status struct {
	State       string // OK, REUSING, RESTORED or FAILED
	Source      string
	Time        time.Time // latest reload
	Loaded      time.Time // when the catalogue in use was built
	Routes      int
	Permissions int
	Message     string
}
