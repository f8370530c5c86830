// Package takclient fetches routes and permissions from TAK's live
// SokVagvalsInfo v2 service, as VP's takcache does: hamtaAllaVirtualiseringar
// and then hamtaAllaAnropsBehorigheter, SOAP 1.1, soapAction "". Requests and
// responses are the Go types generated from TAK's WSDL
// (contracts/generated/sokvagvalsinfo).
package takclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rivgate/rivgate/contracts/generated/soapxml"
	"github.com/rivgate/rivgate/contracts/generated/sokvagvalsinfo"
	"github.com/rivgate/rivgate/contracts/rivta"
	"github.com/rivgate/rivgate/gateway/tak/takdata"
	"github.com/rivgate/rivgate/gateway/tak/takformat"
	"github.com/rivgate/rivgate/internal/redact"
)

// Options configure a Client.
type Options struct {
	// Timeout bounds one Fetch (both calls). Default 60 s.
	Timeout time.Duration
	// UserAgent is sent with each call (VP: takcache.header.user.agent).
	// Default "rivgate-takclient".
	UserAgent string
	// TLS is used for https URLs; nil means the system roots.
	TLS *tls.Config
	// Location reads TAK's zone-less dates. Nil means Europe/Stockholm.
	Location *time.Location
	// MaxResponse bounds one answer's size. Default 1 GiB.
	MaxResponse int64
	// Username and Password, when Username is set, are sent as HTTP Basic
	// authentication. They are options, never part of the URL: the URL is
	// shown (catalogue source, messages, PingForConfiguration).
	Username, Password string
	// FastDecode decodes answers with the scanner that reads VP's cache
	// file (takformat.ScanEntries) instead of the generated types; an answer
	// the scanner does not take (a fault, an empty list, unusual XML) is
	// still decoded with the generated types. Both give the same entries
	// (tested); the scanner is about six times faster on a national-size
	// catalogue.
	FastDecode bool
}

// Client calls one SokVagvalsInfo v2 endpoint. It is safe for concurrent
// use and keeps connections alive between polls.
type Client struct {
	url  string
	http *http.Client
	opt  Options
}

// New returns a client for url (http or https, without credentials).
func New(url string, opt Options) (*Client, error) {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("TAK url %q: want http:// or https://", redact.URL(url))
	}
	if redact.HasUserinfo(url) {
		return nil, fmt.Errorf("TAK url %q: credentials in the URL would be shown wherever it is: give them as username and password", redact.URL(url))
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 60 * time.Second
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "rivgate-takclient"
	}
	if opt.MaxResponse <= 0 {
		opt.MaxResponse = 1 << 30
	}
	if opt.Location == nil {
		loc, err := takdata.LoadZone("")
		if err != nil {
			return nil, err
		}
		opt.Location = loc
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       opt.TLS,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opt.Timeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   2,
	}
	return &Client{url: url, http: &http.Client{Transport: tr}, opt: opt}, nil
}

// Error is a failed call, with what TAK answered.
type Error struct {
	Operation string
	Status    int    // HTTP status, 0 when no answer
	Fault     string // SOAP faultstring, when TAK sent a fault
	Err       error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Operation)
	if e.Status != 0 {
		b.WriteString(": HTTP " + strconv.Itoa(e.Status))
	}
	if e.Fault != "" {
		b.WriteString(": SOAP fault: " + e.Fault)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Fetch gets all routes and all permissions and returns them as entries.
// VP makes the two calls one after the other; here they run side by side
// (decoding a national catalogue is CPU-bound, and both are read-only), and
// a failure of the routes call is reported first, as VP would meet it.
// Empty answers are returned as they are: deciding that an empty catalogue
// is a failure is the caller's (VP's) rule.
func (c *Client) Fetch(ctx context.Context) (*takdata.Data, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	var br sokvagvalsinfo.HamtaAllaAnropsBehorigheterResponse
	var fastPerms *takdata.Data
	permsDone := make(chan error, 1)
	go func() {
		var err error
		fastPerms, err = c.call(ctx, sokvagvalsinfo.RequestElementHamtaAllaAnropsBehorigheter, &sokvagvalsinfo.HamtaAllaAnropsBehorigheter{}, &br)
		permsDone <- err
	}()
	var vr sokvagvalsinfo.HamtaAllaVirtualiseringarResponse
	fastRoutes, verr := c.call(ctx, sokvagvalsinfo.RequestElementHamtaAllaVirtualiseringar, &sokvagvalsinfo.HamtaAllaVirtualiseringar{}, &vr)
	if verr != nil {
		cancel()
	}
	perr := <-permsDone
	if verr != nil {
		return nil, verr
	}
	if perr != nil {
		return nil, perr
	}
	d, err := c.convert(&vr, &br)
	if err != nil {
		return nil, err
	}
	if fastRoutes != nil {
		d.Routes = fastRoutes.Routes
	}
	if fastPerms != nil {
		d.Permissions = fastPerms.Permissions
	}
	return d, nil
}

// call posts req and decodes the answer into resp, or, with FastDecode, into
// entries (resp is then left empty).
func (c *Client) call(ctx context.Context, op string, req, resp any) (*takdata.Data, error) {
	body, err := soapxml.Marshal(req)
	if err != nil {
		return nil, &Error{Operation: op, Err: err}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Operation: op, Err: err}
	}
	hr.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	hr.Header.Set("SOAPAction", `""`)
	hr.Header.Set("User-Agent", c.opt.UserAgent)
	if c.opt.Username != "" {
		hr.SetBasicAuth(c.opt.Username, c.opt.Password)
	}
	res, err := c.http.Do(hr)
	if err != nil {
		return nil, &Error{Operation: op, Err: err}
	}
	defer res.Body.Close()
	msg, err := io.ReadAll(io.LimitReader(res.Body, c.opt.MaxResponse+1))
	if err != nil {
		return nil, &Error{Operation: op, Status: res.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	}
	if int64(len(msg)) > c.opt.MaxResponse {
		return nil, &Error{Operation: op, Status: res.StatusCode, Err: fmt.Errorf("answer larger than %d bytes", c.opt.MaxResponse)}
	}
	if c.opt.FastDecode && res.StatusCode == http.StatusOK {
		if d, ok := takformat.ScanEntries(c.url+" "+op, msg, takformat.Options{Location: c.opt.Location}); ok {
			return d, nil
		}
	}
	err = soapxml.Unmarshal(msg, resp)
	var fault *soapxml.Fault
	switch {
	case errors.As(err, &fault):
		return nil, &Error{Operation: op, Status: res.StatusCode, Fault: strings.TrimSpace(fault.String)}
	case res.StatusCode != http.StatusOK:
		return nil, &Error{Operation: op, Status: res.StatusCode, Err: fmt.Errorf("unexpected answer %.200q", msg)}
	case err != nil:
		return nil, &Error{Operation: op, Status: res.StatusCode, Err: err}
	}
	return nil, nil
}

// convert turns the generated types into entries, reading values as VP's
// JAXB does: xs:string fields as sent, xs:NCName and xs:dateTime collapsed.
func (c *Client) convert(vr *sokvagvalsinfo.HamtaAllaVirtualiseringarResponse, br *sokvagvalsinfo.HamtaAllaAnropsBehorigheterResponse) (*takdata.Data, error) {
	d := &takdata.Data{Source: c.url,
		Routes:      make([]takdata.Route, 0, len(vr.VirtualiseringsInfo)),
		Permissions: make([]takdata.Permission, 0, len(br.AnropsBehorighetsInfo))}
	dates := takdata.NewBounds(c.opt.Location, takdata.ExactZoned)
	for i, v := range vr.VirtualiseringsInfo {
		if v == nil {
			continue
		}
		where := fmt.Sprintf("%s virtualiseringsInfo[%d] (id %s)", c.url, i, v.VirtualiseringsInfoId.Value)
		val, err := dates.Validity(collapse(string(v.FromTidpunkt)), collapse(string(v.TomTidpunkt)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		d.Routes = append(d.Routes, takdata.Route{
			ID:       string(v.VirtualiseringsInfoId.Value),
			Receiver: v.ReceiverId,
			Contract: collapse(string(v.TjansteKontrakt)),
			Profile:  rivta.Profile(collapse(string(v.RivProfil))),
			Address:  v.Adress,
			Validity: val,
			Origin:   where,
		})
	}
	for i, p := range br.AnropsBehorighetsInfo {
		if p == nil {
			continue
		}
		where := fmt.Sprintf("%s anropsBehorighetsInfo[%d] (id %s)", c.url, i, p.AnropsBehorighetsInfoId.Value)
		val, err := dates.Validity(collapse(string(p.FromTidpunkt)), collapse(string(p.TomTidpunkt)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		var filters []takdata.Filter
		for _, f := range p.FilterInfo {
			if f == nil {
				continue
			}
			tf := takdata.Filter{ServiceDomain: collapse(string(f.ServiceDomain))}
			for _, cat := range f.Categorization {
				if cat != nil {
					tf.Categorizations = append(tf.Categorizations, *cat)
				}
			}
			filters = append(filters, tf)
		}
		d.Permissions = append(d.Permissions, takdata.Permission{
			ID:       string(p.AnropsBehorighetsInfoId.Value),
			Sender:   p.SenderId,
			Receiver: p.ReceiverId,
			Contract: collapse(string(p.TjansteKontrakt)),
			Validity: val,
			Filters:  filters,
			Origin:   where,
		})
	}
	return d, nil
}

// collapse is XML Schema's whitespace collapse (trim, runs to one space).
func collapse(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") && !strings.Contains(s, "  ") && strings.TrimSpace(s) == s {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }), " ")
}
