package takdata

import (
	"fmt"
	"net/url"

	"github.com/rivgate/rivgate/internal/hostport"
	"github.com/rivgate/rivgate/internal/redact"
)

// AddressError says why a route's producer address is not usable.
type AddressError struct {
	Address string // as in the catalogue
	Reason  string
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("producer address %q: %s", redact.URL(e.Address), e.Reason)
}

// ParseAddress reads a route's producer address as the gateway calls it:
// an http or https URL with a host, a port (when given) 1-65535, without
// userinfo. Credentials in an
// address are refused rather than used: they would show wherever the
// address is shown (VP009 details to consumers, logs, lint output), and TAK
// itself does not accept '@' in an address. Errors mask any userinfo.
func ParseAddress(a string) (*url.URL, error) {
	if redact.HasUserinfo(a) {
		return nil, &AddressError{Address: a, Reason: "carries credentials (user:password@), which would be shown in faults and logs"}
	}
	u, err := url.Parse(a)
	switch {
	case err != nil:
		return nil, &AddressError{Address: a, Reason: "not a URL"}
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &AddressError{Address: a, Reason: "not http:// or https://"}
	case u.Hostname() == "":
		return nil, &AddressError{Address: a, Reason: "no host"}
	}
	if err := hostport.CheckURLPort(u); err != nil {
		return nil, &AddressError{Address: a, Reason: err.Error()}
	}
	return u, nil
}

// CheckAddresses returns an error for each route whose producer address
// ParseAddress refuses, prefixed with where the route was read (file:line).
// An empty address is not one of them: it is VP010 by design.
func (d *Data) CheckAddresses() []error {
	var errs []error
	for i := range d.Routes {
		r := &d.Routes[i]
		if r.Address == "" {
			continue
		}
		if _, err := ParseAddress(r.Address); err != nil {
			where := r.Origin
			if where == "" {
				where = "route id " + r.ID
			}
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	return errs
}
