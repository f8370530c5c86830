// Package takdata holds the entries of a TAK catalogue as rivgate reads them
// from any source: routes (vägval), permissions (anropsbehörigheter) with their
// filters, and the rules that turn TAK's from/tom values into instants.
//
// It is the shared vocabulary of the readers and writers (takformat, the live
// client) and of the catalogue that answers lookups (package tak); it has no
// lookup logic of its own.
package takdata

import (
	"time"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// Route is one vägval: calls for Contract to Receiver go to Address, speaking
// Profile, from From to To inclusive.
type Route struct {
	// ID is TAK's id (virtualiseringsInfoId, or the export's numeric id); kept
	// for messages and for writing files back, never used for lookups.
	ID string
	// Receiver is the logical address (HSA-id) or "*" for the default route.
	Receiver string
	// Contract is the service contract namespace.
	Contract string
	// Profile is the RIV-TA profile as TAK names it. Names VP does not support
	// (RIVTABP22, RIVEN13606) are kept: the gateway answers VP005 for them.
	Profile rivta.Profile
	// Address is the producer URL; empty gives VP010.
	Address string
	Validity
	// Origin says where the entry was read ("tak.yaml:12", "export.json
	// vagval id=5"); for messages only.
	Origin string
}

// Permission is one anropsbehörighet: Sender may call Receiver (or "*") with
// Contract from From to To inclusive.
type Permission struct {
	ID       string
	Sender   string
	Receiver string
	Contract string
	Validity
	// Filters are TAK's filter/filtercategorization rows. VP does not use them
	// for authorisation; GetLogicalAddresseesByServiceContract returns them.
	Filters []Filter
	Origin  string
}

// Filter is a service-domain filter on a permission.
type Filter struct {
	ServiceDomain   string
	Categorizations []string
}

// Validity is the from/tom pair of an entry.
type Validity struct {
	// From and To are instants, both inclusive. A zero From or To means
	// unbounded on that side (only the YAML format allows leaving them out).
	// A calendar-date tom is stored as the last nanosecond of that day.
	From, To time.Time
	// FromText and ToText are the values exactly as the source wrote them
	// (trimmed). Writers reuse them when the target format allows, so a VP
	// cache file reads and writes back byte for byte. Empty when the entry was
	// made by a program.
	FromText, ToText string
}

// ValidAt reports whether t lies within the validity, inclusive on both ends.
func (v *Validity) ValidAt(t time.Time) bool {
	if !v.From.IsZero() && t.Before(v.From) {
		return false
	}
	if !v.To.IsZero() && t.After(v.To) {
		return false
	}
	return true
}

// Overlaps reports whether two validities share at least one instant.
func (v *Validity) Overlaps(o *Validity) bool {
	// a starts after b ends, or b starts after a ends: disjoint.
	if !v.From.IsZero() && !o.To.IsZero() && v.From.After(o.To) {
		return false
	}
	if !o.From.IsZero() && !v.To.IsZero() && o.From.After(v.To) {
		return false
	}
	return true
}

// Data is what one source yields: the entries in source order plus notes on
// anything the reader had to decide (ambiguous references and the like).
type Data struct {
	Routes      []Route
	Permissions []Permission
	// Source names where the data came from, for status and messages.
	Source string
	// Warnings are non-fatal observations made while reading.
	Warnings []string
}

// Append adds the entries and warnings of o to d.
func (d *Data) Append(o *Data) {
	d.Routes = append(d.Routes, o.Routes...)
	d.Permissions = append(d.Permissions, o.Permissions...)
	d.Warnings = append(d.Warnings, o.Warnings...)
}

// Empty reports whether d holds no entries at all.
func (d *Data) Empty() bool { return len(d.Routes) == 0 && len(d.Permissions) == 0 }
