package gateway

import (
	"context"
	"io"
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/contracts/vpfault"
)

// The gateway's collaborators sit behind these small interfaces: the real
// ones are the streaming sniffer (contracts/envelope), the catalogue
// (gateway/tak) and the platform services (gateway/platform), wired by
// default in New; tests may pass their own.

// Head is what the pipeline needs from the envelope head.
type Head struct {
	SOAP12      bool
	Receiver    string // not trimmed
	HasReceiver bool   // false for a missing, empty or whitespace-only receiver
	Profile     rivta.Profile
	Contract    string // namespace of the first Body child
	BodyLocal   string // its local name
	Charset     string
	native      any // the sniffer's own result, handed back to Rewrite
}

// Envelope reads the head of a SOAP message and rewrites RIV-TA headers.
type Envelope interface {
	// Sniff reads r only up to the first Body child's start tag and
	// returns every byte read as head. An error that is not the reader's
	// own is a malformed message (VP015, its text shown to the caller).
	// mimeBoundary is the boundary of a multipart/related (MTOM/XOP)
	// request, "" for a plain SOAP message.
	Sniff(r io.Reader, maxHead int64, mimeBoundary string) (*Head, []byte, error)
	// Rewrite returns head with the receiver header rewritten for profile to.
	Rewrite(head []byte, h *Head, to rivta.Profile) ([]byte, error)
}

// Query asks the catalogue about one call.
type Query struct {
	Contract, Receiver, Sender string
	At                         time.Time
}

// Route is where a call goes.
type Route struct {
	Receiver, Contract string
	Profile            rivta.Profile
	Address            string
}

// Decision is the catalogue's answer: a route, or a VP fault (VP004, VP006,
// VP007, VP010), with readable traces of both lookups.
type Decision struct {
	Route                   *Route
	Fault                   *vpfault.Fault
	RoutingTrace, AuthTrace string
}

// Catalogue is one loaded, immutable routing and authorisation catalogue.
type Catalogue interface {
	Decide(q Query) Decision
	// Authorize is authorisation alone, for calls the gateway answers itself.
	Authorize(q Query) (trace string, fault *vpfault.Fault)
}

// ReloadResult is the outcome of a catalogue reload.
type ReloadResult struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	// Report is the store's own report, rendered as JSON on /resetcache.
	Report any `json:"report,omitempty"`
}

// CatalogueStatus is shown on /status.
type CatalogueStatus struct {
	Loaded bool `json:"loaded"`
	// Detail is the store's own status, rendered as JSON.
	Detail any `json:"detail,omitempty"`
}

// CatalogueStore loads and reloads the catalogue.
type CatalogueStore interface {
	// Catalogue returns the catalogue in use; nil when nothing is loaded
	// (every call then gets VP008).
	Catalogue() Catalogue
	// Reload reads the sources now; on failure the old catalogue stays.
	Reload(ctx context.Context) ReloadResult
	// Run polls the sources until ctx ends.
	Run(ctx context.Context)
	Status() CatalogueStatus
}

// Platform answers the platform's own services from the catalogue.
type Platform interface {
	Handles(contract, receiver string) bool
	Serve(ctx context.Context, h *Head, msg []byte, sender string) (status int, body []byte)
}
