package record

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rivgate/rivgate/internal/testutil"
)

// findPNRs is the test's own, independent detector: every run of digits
// (optionally split by one - or +) not touching other letters or digits,
// 10 or 12 digits long, whose date is real and check digit valid. It
// returns the 10-digit cores found.
func findPNRs(s string) []string {
	var out []string
	isAlnum := func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || (i > 0 && isAlnum(s[i-1])) {
			continue
		}
		j, digits, seps := i, "", 0
		for j < len(s) {
			c := s[j]
			switch {
			case c >= '0' && c <= '9':
				digits += string(c)
			case (c == '-' || c == '+') && seps == 0 && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9':
				seps++
			default:
				goto end
			}
			j++
		}
	end:
		if j < len(s) && isAlnum(s[j]) {
			i = j
			continue
		}
		var core string
		switch len(digits) {
		case 12:
			core = digits[2:]
		case 10:
			core = digits
		default:
			i = j
			continue
		}
		mm, dd := atoi(core[2:4]), atoi(core[4:6])
		if dd > 60 {
			dd -= 60
		}
		if mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31 && luhnValid(core) {
			out = append(out, core)
		}
		i = j
	}
	return out
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// corpusNumber makes a valid personnummer (or samordningsnummer) core.
func corpusNumber(r *rand.Rand, coord bool) (century, core string) {
	y := 1920 + r.IntN(100)
	m := 1 + r.IntN(12)
	d := 1 + r.IntN(28)
	if coord {
		d += 60
	}
	nine := fmt.Sprintf("%02d%02d%02d%03d", y%100, m, d, r.IntN(1000))
	return fmt.Sprintf("%02d", y/100), nine + fmt.Sprint(luhnDigit(nine))
}

// TestScrubRemovesEveryPersonnummer scrubs a generated corpus holding 400
// numbers in every written form (12/10 digits, with and without - or +,
// samordningsnummer), in element text, attributes, free text and headers,
// and checks that none survives, that pseudonyms are valid-looking and
// consistent, and that HSA-ids, dates and OIDs are left alone.
func TestScrubRemovesEveryPersonnummer(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	type orig struct{ century, core string }
	var origs []orig
	b.WriteString(`<Envelope xmlns:c="urn:riv:demo:clinic:1">`)
	for i := range 400 {
		cen, core := corpusNumber(r, i%5 == 0)
		origs = append(origs, orig{cen, core})
		forms := []string{cen + core, cen + core[:6] + "-" + core[6:], core, core[:6] + "-" + core[6:]}
		f := forms[i%4]
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "<c:patientId><c:id>%s</c:id><c:type>1.2.752.129.2.1.3.1</c:type></c:patientId>\n", f)
		case 1:
			fmt.Fprintf(&b, `<c:ref extension="%s" root="1.2.752.129.2.1.3.1"/>`+"\n", f)
		case 2:
			fmt.Fprintf(&b, "<c:note>Patient %s ringde 2026-03-02 kl 09:30 till SE2321000016-UNIT1.</c:note>\n", f)
		}
	}
	b.WriteString(`<c:givenName>Tolvan</c:givenName><c:familyName>Tolvansson</c:familyName><c:visitId>V-2026-000117</c:visitId></Envelope>`)
	in := b.String()
	if got := len(findPNRs(in)); got != 400 {
		t.Fatalf("detector finds %d numbers in the corpus, want 400", got)
	}
	s := NewScrubber([]byte("test key"))
	s.now = func() time.Time { return time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) }
	out := string(s.Scrub([]byte(in)))
	for _, o := range origs {
		if strings.Contains(out, o.core) || strings.Contains(out, o.core[:6]+"-"+o.core[6:]) {
			t.Fatalf("personnummer %s survived scrubbing", o.core)
		}
	}
	// Every pseudonym is itself valid-looking, and there are as many as
	// there were numbers (same count of detections).
	if got := len(findPNRs(out)); got != 400 {
		t.Fatalf("%d valid-looking pseudonyms, want 400", got)
	}
	for _, keep := range []string{"SE2321000016-UNIT1", "1.2.752.129.2.1.3.1", "2026-03-02", "V-2026-000117"} {
		if !strings.Contains(out, keep) {
			t.Errorf("%q was changed", keep)
		}
	}
	if strings.Contains(out, "Tolvan") {
		t.Error("name survived scrubbing")
	}
	// Consistency: the same person in another form and another message
	// gets the same pseudonym.
	o := origs[3]
	a := string(s.Scrub([]byte("<id>" + o.century + o.core + "</id>")))
	c := string(s.Scrub([]byte("<id>" + o.core[:6] + "-" + o.core[6:] + "</id>")))
	if a[6:16] != c[4:10]+c[11:15] {
		t.Fatalf("inconsistent pseudonyms %s and %s", a, c)
	}
	n1 := string(s.Scrub([]byte("<givenName>Tolvan</givenName>")))
	if !strings.Contains(out, n1[len("<givenName>"):len(n1)-len("</givenName>")]) {
		t.Fatalf("name pseudonym not consistent: %s", n1)
	}
}

// TestScrubSharedSamples runs the scrubber over every XML file in
// ../shared/rivta (real RIV-TA messages and SoapUI projects with test
// personnummer) and checks with the independent detector that no original
// number is left (what it finds afterwards are the pseudonyms).
func TestScrubSharedSamples(t *testing.T) {
	t.Parallel()
	root := testutil.Shared(t)
	s := NewScrubber([]byte("k"))
	files, found := 0, 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".xml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil || len(data) > 4<<20 {
			return err
		}
		files++
		before := findPNRs(string(data))
		found += len(before)
		// What is found afterwards must all be pseudonyms: no original
		// survives, in any form.
		after := map[string]bool{}
		for _, c := range findPNRs(string(s.Scrub(data))) {
			after[c] = true
		}
		for _, c := range before {
			if after[c] {
				t.Errorf("%s: personnummer %s left after scrubbing", p, c)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatalf("no personnummer in %d shared files: the corpus proves nothing", files)
	}
	t.Logf("%d files, %d personnummer scrubbed", files, found)
}
