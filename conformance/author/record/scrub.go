package record

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Scrubber replaces personal data in recorded messages with pseudonyms:
// Swedish personal identity numbers (personnummer) and coordination numbers
// (samordningsnummer), in 12- and 10-digit form, with or without the
// separator, and person names in elements known to carry them. The same
// original always gets the same pseudonym within one Scrubber, so a recorded
// scenario stays consistent (the patient in the request is the patient in
// the response). Pseudonyms look real: a valid date (day+60 kept for
// samordningsnummer) and a valid check digit, in the original's format.
type Scrubber struct {
	key []byte
	// NameElements are element local names whose text is a person's name.
	NameElements []string
	// now is for resolving the century of 10-digit numbers.
	now func() time.Time

	mu      sync.Mutex
	ids     map[string]string // normalised 12-digit original -> 12-digit pseudonym
	names   map[string]string
	used    map[string]bool
	counter int
	nameRE  *regexp.Regexp
}

// DefaultNameElements are the element names scrubbed as person names.
func DefaultNameElements() []string {
	return []string{"givenName", "middleName", "familyName", "surname", "firstName", "lastName", "fullName",
		"patientName", "personName", "professionalName", "authorName", "signatoryName", "healthcareProfessionalName",
		"nameOfPerson", "careGiverName"}
}

// NewScrubber returns a scrubber whose pseudonyms derive from key (a random
// key per recording keeps them unlinkable across recordings).
func NewScrubber(key []byte) *Scrubber {
	s := &Scrubber{key: key, NameElements: DefaultNameElements(), now: time.Now,
		ids: map[string]string{}, names: map[string]string{}, used: map[string]bool{}}
	return s
}

// Scrub returns b with personal data replaced. Numbers are found as runs of
// digits (with at most one - or + before the last four) that touch no other
// ASCII letter or digit, so HSA-ids such as SE2321000016-X are left alone
// while GCD_196711222940 is not. Any two leading digits count as a century:
// test data has people "born" in 1888 and 1212, and scrubbing errs on the
// safe side.
func (s *Scrubber) Scrub(b []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.scrubNames(b)
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		if !isDigit(in[i]) || (i > 0 && isAlnum(in[i-1])) {
			out = append(out, in[i])
			i++
			continue
		}
		j, sepAt, sep := i, -1, ""
		var digits []byte
		for j < len(in) {
			c := in[j]
			if isDigit(c) {
				digits = append(digits, c)
			} else if (c == '-' || c == '+') && sepAt < 0 && j+1 < len(in) && isDigit(in[j+1]) {
				sepAt, sep = len(digits), string(c)
			} else {
				break
			}
			j++
		}
		if repl, ok := s.candidate(digits, sepAt, sep); ok && (j == len(in) || !isAlnum(in[j])) {
			out = append(out, repl...)
		} else {
			out = append(out, in[i:j]...)
		}
		i = j
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// candidate returns the pseudonym for a digit run shaped like a personal
// identity number, in the same shape.
func (s *Scrubber) candidate(digits []byte, sepAt int, sep string) (string, bool) {
	var century, date, tail string
	switch {
	case len(digits) == 10 && (sepAt < 0 || sepAt == 6):
		date, tail = string(digits[:6]), string(digits[6:])
	case len(digits) == 12 && (sepAt < 0 || sepAt == 8):
		century, date, tail = string(digits[:2]), string(digits[2:8]), string(digits[8:])
	default:
		return "", false
	}
	full, ok := s.normalise(century, date, sep, tail)
	if !ok {
		return "", false
	}
	return format(s.pseudonym(full), century != "", sep), true
}

// ScrubString is Scrub for strings (header values).
func (s *Scrubber) ScrubString(v string) string { return string(s.Scrub([]byte(v))) }

// normalise checks that a candidate is a personnummer or samordningsnummer
// (real date, valid check digit) and returns its 12-digit form.
func (s *Scrubber) normalise(century, date, sep, tail string) (string, bool) {
	yy, _ := strconv.Atoi(date[0:2])
	mm, _ := strconv.Atoi(date[2:4])
	dd, _ := strconv.Atoi(date[4:6])
	if dd > 60 {
		dd -= 60 // samordningsnummer
	}
	if mm < 1 || mm > 12 || dd < 1 || dd > 31 {
		return "", false
	}
	if !luhnValid(date + tail) {
		return "", false
	}
	if century == "" {
		now := s.now()
		c := now.Year() / 100
		if yy > now.Year()%100 {
			c--
		}
		if sep == "+" { // over 100 years old
			c--
		}
		century = strconv.Itoa(c)
	}
	y, _ := strconv.Atoi(century + date[0:2])
	if time.Date(y, time.Month(mm), dd, 0, 0, 0, 0, time.UTC).Day() != dd {
		return "", false // 30 February and the like
	}
	return century + date + tail, true
}

// pseudonym maps a 12-digit number to a 12-digit pseudonym, consistently.
func (s *Scrubber) pseudonym(full string) string {
	if p, ok := s.ids[full]; ok {
		return p
	}
	coord := full[6] >= '6'
	mac := hmac.New(sha256.New, s.key)
	for attempt := uint32(0); ; attempt++ {
		mac.Reset()
		mac.Write([]byte(full))
		_ = binary.Write(mac, binary.BigEndian, attempt)
		h := mac.Sum(nil)
		n := binary.BigEndian.Uint64(h[:8])
		year := 1930 + int(n%70)
		month := 1 + int((n/70)%12)
		day := 1 + int((n/840)%28)
		if coord {
			day += 60
		}
		serial := int((n / 23520) % 1000)
		body := fmt.Sprintf("%02d%02d%02d%03d", year%100, month, day, serial)
		p := fmt.Sprintf("%02d", year/100) + body + strconv.Itoa(luhnDigit(body))
		if p == full || s.used[p] {
			continue
		}
		s.used[p] = true
		s.ids[full] = p
		return p
	}
}

// format writes a 12-digit pseudonym in the original's shape.
func format(p string, twelve bool, sep string) string {
	if !twelve {
		p = p[2:]
		if sep == "+" {
			// keep the "over 100" marker only as a separator shape
			sep = "-"
		}
	}
	if sep == "" {
		return p
	}
	return p[:len(p)-4] + sep + p[len(p)-4:]
}

// luhnDigit is the personnummer check digit for 9 digits YYMMDDNNN.
func luhnDigit(nine string) int {
	sum := 0
	for i, r := range nine {
		d := int(r - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// luhnValid checks a 10-digit YYMMDDNNNC.
func luhnValid(ten string) bool {
	return len(ten) == 10 && luhnDigit(ten[:9]) == int(ten[9]-'0')
}

// scrubNames replaces the text of name elements.
func (s *Scrubber) scrubNames(b []byte) []byte {
	if s.nameRE == nil {
		alts := make([]string, len(s.NameElements))
		for i, n := range s.NameElements {
			alts[i] = regexp.QuoteMeta(n)
		}
		// <p:givenName attr="...">text</p:givenName>; the end tag repeats
		// the start tag's qualified name.
		s.nameRE = regexp.MustCompile(`(<((?:[A-Za-z_][\w.-]*:)?(?:` + strings.Join(alts, "|") + `))(?:\s[^>]*)?>)([^<]*)(</([^>\s]+)\s*>)`)
	}
	return s.nameRE.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := s.nameRE.FindSubmatch(m)
		if string(sub[2]) != string(sub[5]) || len(strings.TrimSpace(string(sub[3]))) == 0 {
			return m
		}
		orig := strings.TrimSpace(string(sub[3]))
		p, ok := s.names[orig]
		if !ok {
			s.counter++
			p = fmt.Sprintf("Pseudonym%d", s.counter)
			s.names[orig] = p
		}
		return []byte(string(sub[1]) + p + string(sub[4]))
	})
}
