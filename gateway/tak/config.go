// Package tak is the gateway's routing and authorisation catalogue (TAK):
// it answers "where does this call go, and may this consumer make it" exactly
// as VP (the national service platform) does, with VP's traces, and keeps the
// catalogue loaded from files, VP's local cache file or the live TAK service,
// swapping in a complete new catalogue on every reload.
//
// The lookup rules, each from VP (skltp/takdatahandler, skltp/takcache):
//
//   - keys are case-insensitive: receiver, sender and contract are compared
//     lower-cased; the HSA tree walk is case-sensitive (see package hsa);
//   - routing: a receiver holding the default-routing delimiter ("VG#VE") is
//     split, duplicates dropped, and the tokens tried right to left, nothing
//     else; otherwise the exact receiver, then its HSA ancestors up to SE (if
//     the tree walk is on for the contract), then "*";
//   - authorisation: the exact receiver, then "*", then the HSA ancestors;
//     "VG#VE" allows at most two tokens and the allowed-contracts and
//     allowed-senders lists, else VP007;
//   - only entries valid at the call's time count; 0 routes gives VP004 (with
//     a hint when the receiver holds a space), more than one VP006, one with
//     an empty address VP010; no permission VP007.
package tak

import (
	"crypto/tls"
	"time"

	"github.com/rivgate/rivgate/gateway/tak/takdata"
)

// Config says where the catalogue comes from and how lookups behave.
type Config struct {
	// Files are TAK files in any supported format (YAML, VP cache XML, TAK
	// JSON export or PubVersion snapshot, zip), merged in order.
	Files []string
	// HSAFiles are HSA unit files: the first is the master, the rest
	// complement it. Without them the tree is empty and every receiver's
	// parent is SE, as in a VP without HSA files.
	HSAFiles []string
	// URL is the live TAK service, SokVagvalsInfo v2
	// (e.g. http://tak-services:8080/tak-services/SokVagvalsInfo/v2).
	// Its data is merged with Files.
	URL string
	// CacheFile is VP's local cache file. It is written (atomically) after
	// every successful fetch from URL and read back when a fetch fails and no
	// catalogue is loaded yet.
	CacheFile string
	// Poll is the reload interval; 0 loads once at Start.
	Poll time.Duration
	// Location is the zone TAK's zone-less dates are read in. Default
	// Europe/Stockholm.
	Location *time.Location
	// Contracts, when set, keeps only entries for these contract namespaces
	// (VP's takcache.tjanstegranssnitt.filter); a load that keeps nothing
	// counts as failed.
	Contracts []string
	// HSALookup turns the HSA tree walk on or off per contract.
	HSALookup HSALookup
	// DefaultRouting configures old-style "VG#VE" default routing.
	DefaultRouting DefaultRouting
	// Client configures the SOAP client for URL.
	Client ClientConfig
}

// HSALookup holds the tree-walk switches, one for routing and one for
// authorisation (VP's hsa.lookup.vagval.* and hsa.lookup.behorighet.*).
type HSALookup struct {
	Routing       HSARule
	Authorization HSARule
}

// HSARule is one tree-walk switch. The zero value walks the tree for every
// contract, VP's default.
type HSARule struct {
	// Disabled turns the walk off by default (VP: defaultEnabled=false).
	Disabled bool
	// Excepted are namespace prefixes (case-sensitive, as VP) for which the
	// default is inverted.
	Excepted []string
}

// Enabled reports whether the walk applies to contract, as VP's
// HsaLookupUtil decides it.
func (r HSARule) Enabled(contract string) bool {
	def := !r.Disabled
	for _, p := range r.Excepted {
		if p == "" {
			continue
		}
		if len(contract) >= len(p) && contract[:len(p)] == p {
			return !def
		}
	}
	return def
}

// DefaultRouting configures "VG#VE" receivers. The zero value is VP's
// default: delimiter "#", all contracts and senders allowed.
type DefaultRouting struct {
	// Disabled switches the mode off, so a receiver holding the delimiter is
	// looked up like any other (VP documents this switch but never reads it).
	Disabled bool
	// Delimiter splits the receiver; default "#". As in VP, the receiver must
	// contain the whole delimiter string, and is then split on each of its
	// characters.
	Delimiter string
	// AllowedContracts and AllowedSenders restrict who may use the mode for
	// authorisation; empty means everyone (exact, case-sensitive, as VP).
	AllowedContracts []string
	AllowedSenders   []string
}

func (d DefaultRouting) delimiter() string {
	if d.Disabled {
		return ""
	}
	if d.Delimiter == "" {
		return "#"
	}
	return d.Delimiter
}

// ClientConfig configures the SokVagvalsInfo client.
type ClientConfig struct {
	// Timeout bounds one fetch (both operations). Default 60 s.
	Timeout time.Duration
	// MaxResponse bounds one answer's size. Default takclient's (1 GiB).
	MaxResponse int64
	// UserAgent is sent with each request (VP: takcache.header.user.agent).
	UserAgent string
	// TLS is used for an https URL (client certificate, roots); nil means
	// the system roots.
	TLS *tls.Config
	// Username and Password, when Username is set, are sent as HTTP Basic
	// authentication (never in URL, which is shown).
	Username, Password string
	// FastDecode decodes TAK's answers with the cache-file scanner rather
	// than the generated SOAP types (same entries, much faster; see
	// takclient.Options).
	FastDecode bool
}

func (c *Config) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	loc, err := takdata.LoadZone("")
	if err != nil {
		return time.UTC // unreachable: takdata links time/tzdata
	}
	return loc
}
