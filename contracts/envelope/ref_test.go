package envelope

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/rivgate/rivgate/contracts/rivta"
)

// refInfo is what the reference sniffer finds.
type refInfo struct {
	version   SOAPVersion
	headers   []HeaderElement
	receiver  string
	has       bool
	profile   rivta.Profile
	body      QName
	bodyStart int64
}

// refSniff is an independent implementation of Sniff on encoding/xml
// RawToken with a namespace stack, stopping at the first Body child: the
// approach measured in go-ecosystem.md §3. It is the oracle for the
// differential fuzz test and the baseline in the benchmarks. It handles
// UTF-8 (and, through CharsetReader, what VP reads as UTF-8 and Latin-1)
// but not UTF-16 input.
func refSniff(msg []byte) (*refInfo, error) {
	d := xml.NewDecoder(bytes.NewReader(msg))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		switch strings.ToUpper(label) {
		case "UTF-16", "UTF-16LE", "UTF-16BE", "UTF16", "UNICODE", "US-ASCII", "ASCII", "UTF8":
			return r, nil // VP reads a UTF-16 label on UTF-8 bytes as UTF-8
		// The aliases the sniffer takes (charset.go), as Java's do.
		case "ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "L1", "CP819", "IBM819":
			return charmap.ISO8859_1.NewDecoder().Reader(r), nil
		case "ISO-8859-15", "ISO8859-15", "ISO_8859-15", "LATIN-9", "LATIN9":
			return charmap.ISO8859_15.NewDecoder().Reader(r), nil
		case "WINDOWS-1252", "CP1252", "CP-1252":
			return charmap.Windows1252.NewDecoder().Reader(r), nil
		}
		return nil, fmt.Errorf("charset %q", label)
	}
	type scope struct {
		name  string // raw, for end tag matching
		nsLen int
		recv  int // index into recvs, or -1
	}
	type nsBinding struct{ prefix, uri string }
	var (
		stack  []scope
		ns     []nsBinding
		info   refInfo
		state  = stEnvelope
		recvs  [][]byte
		hdrTxt strings.Builder
	)
	lookup := func(prefix string) (string, bool) {
		for i := len(ns) - 1; i >= 0; i-- {
			if ns[i].prefix == prefix {
				return ns[i].uri, true
			}
		}
		if prefix == "xml" {
			return xmlNS, true
		}
		return "", prefix == ""
	}
	for {
		off := d.InputOffset()
		tok, err := d.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("ref: unexpected end of input")
			}
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			nsLen := len(ns)
			for _, a := range tok.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					ns = append(ns, nsBinding{"", normAttr(a.Value)})
				case a.Name.Space == "xmlns":
					if a.Value == "" {
						return nil, errors.New("ref: empty prefix binding")
					}
					ns = append(ns, nsBinding{a.Name.Local, normAttr(a.Value)})
				}
			}
			uri, ok := lookup(tok.Name.Space)
			if !ok {
				return nil, fmt.Errorf("ref: undeclared prefix %q", tok.Name.Space)
			}
			for _, a := range tok.Attr {
				if a.Name.Space != "" && a.Name.Space != "xmlns" {
					if _, ok := lookup(a.Name.Space); !ok {
						return nil, fmt.Errorf("ref: undeclared prefix %q", a.Name.Space)
					}
				}
			}
			raw := tok.Name.Local
			if tok.Name.Space != "" {
				raw = tok.Name.Space + ":" + raw
			}
			depth := len(stack)
			sc := scope{name: raw, nsLen: nsLen, recv: -1}
			switch {
			case depth == 0:
				switch {
				case tok.Name.Local == "Envelope" && uri == SOAP11NS:
					info.version = SOAP11
				case tok.Name.Local == "Envelope" && uri == SOAP12NS:
					info.version = SOAP12
				default:
					return nil, ErrNotEnvelope
				}
			case depth == 1:
				isEnv := uri == info.version.Namespace()
				switch {
				case isEnv && tok.Name.Local == "Header" && state == stEnvelope:
					state = stHeader
				case isEnv && tok.Name.Local == "Body" && state != stHeader && state != stBody:
					state = stBody
				default:
					return nil, ErrNoBody
				}
			case state == stBody:
				info.body = QName{uri, tok.Name.Local}
				info.bodyStart = off
				if len(recvs) > 0 {
					last := string(recvs[len(recvs)-1])
					info.receiver, info.has = last, strings.Trim(last, " \t\r\n") != ""
					if !info.has {
						info.receiver = ""
					}
				}
				return &info, nil
			case state == stHeader:
				if depth == 2 {
					info.headers = append(info.headers, HeaderElement{Name: QName{uri, tok.Name.Local}})
					hdrTxt.Reset()
				}
				if tok.Name.Local == "To" || tok.Name.Local == "LogicalAddress" {
					info.profile = rivta.RIVTABP20
					if tok.Name.Local == "LogicalAddress" {
						info.profile = rivta.RIVTABP21
					}
					sc.recv = len(recvs)
					recvs = append(recvs, []byte{})
				}
			}
			stack = append(stack, sc)
		case xml.EndElement:
			raw := tok.Name.Local
			if tok.Name.Space != "" {
				raw = tok.Name.Space + ":" + raw
			}
			if len(stack) == 0 || stack[len(stack)-1].name != raw {
				return nil, errors.New("ref: mismatched end tag")
			}
			depth := len(stack)
			ns = ns[:stack[depth-1].nsLen]
			stack = stack[:depth-1]
			switch {
			case depth == 1:
				return nil, ErrNoBody
			case depth == 2 && state == stHeader:
				state = stAfterHeader
			case depth == 2 && state == stBody:
				return nil, ErrNoBody
			case depth == 3 && state == stHeader:
				info.headers[len(info.headers)-1].Text = hdrTxt.String()
			}
		case xml.CharData:
			if state == stHeader && len(stack) >= 3 {
				hdrTxt.Write(tok)
				for _, sc := range stack {
					if sc.recv >= 0 {
						recvs[sc.recv] = append(recvs[sc.recv], tok...)
					}
				}
			}
		case xml.Directive:
			return nil, ErrDTD
		}
	}
}

// normAttr normalises white space in an attribute value as XML 1.0 §3.3.3
// requires, which encoding/xml does not do.
func normAttr(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, v)
}
