package workbench

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Users are the people allowed in when the workbench listens beyond
// loopback: a name and a bcrypt hash of a password or token each.
type Users struct {
	hashes map[string][]byte
}

// LoadUsers reads a users file: one "name:bcrypt-hash" a line; blank
// lines and lines starting with # are skipped. Make a hash with
// 'htpasswd -nbB name secret' or HashSecret.
func LoadUsers(path string) (*Users, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer f.Close()
	u := &Users{hashes: map[string][]byte{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("users %s:%d: want name:bcrypt-hash", path, n)
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("users %s:%d (%s): not a bcrypt hash: %w", path, n, name, err)
		}
		if _, dup := u.hashes[name]; dup {
			return nil, fmt.Errorf("users %s:%d: %s given twice", path, n, name)
		}
		u.hashes[name] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("users %s: %w", path, err)
	}
	if len(u.hashes) == 0 {
		return nil, fmt.Errorf("users %s: no users", path)
	}
	return u, nil
}

// HashSecret returns the users-file line for name and secret.
func HashSecret(name, secret string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return name + ":" + string(h), nil
}

// check reports whether secret is name's password or token.
func (u *Users) check(name, secret string) bool {
	h, ok := u.hashes[name]
	if !ok {
		// Compare anyway so an unknown name costs as long as a known one.
		h = dummyHash
	}
	return bcrypt.CompareHashAndPassword(h, []byte(secret)) == nil && ok
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.MinCost)

// ErrNeedUsers is why the workbench refuses to listen beyond loopback
// without --users.
var ErrNeedUsers = errors.New("listening beyond loopback needs --users: anyone who reaches the port could record verdicts")

// CheckListen refuses a listen address that is not loopback unless users
// are configured. A host name other than localhost counts as not loopback.
func CheckListen(addr string, haveUsers bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if haveUsers || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("listen address %s: %w", addr, ErrNeedUsers)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// sessions are the logged-in browsers (with --users): session id to name.
type sessions struct {
	mu    sync.Mutex
	names map[string]string
}

func (s *sessions) get(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.names[id]
}

func (s *sessions) set(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" {
		delete(s.names, id)
		return
	}
	s.names[id] = name
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on a supported platform
	}
	return hex.EncodeToString(b)
}

// csrfToken binds a form to the browser's session cookie: an HMAC with the
// server's secret, so a page of another site can neither read nor forge it.
func (s *Server) csrfToken(sid string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("csrf\x00" + sid))
	return hex.EncodeToString(m.Sum(nil))
}

const (
	sidCookie  = "wb_session"
	nameCookie = "wb_name"
)

// sid returns the browser's session id, setting a new one when it has none.
func (s *Server) sid(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(sidCookie); err == nil && len(c.Value) == 64 {
		return c.Value
	}
	id := randomHex(32)
	http.SetCookie(w, &http.Cookie{Name: sidCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	// So that the page being rendered uses it for its forms' tokens.
	r.AddCookie(&http.Cookie{Name: sidCookie, Value: id})
	return id
}

// who is the person behind r: the logged-in user with --users, else the
// name the person gave (in a cookie). "" when not known yet.
func (s *Server) who(r *http.Request) string {
	c, err := r.Cookie(sidCookie)
	if s.users != nil {
		if err != nil {
			return ""
		}
		return s.sessions.get(c.Value)
	}
	n, err := r.Cookie(nameCookie)
	if err != nil {
		return ""
	}
	return cleanName(decodeName(n.Value))
}

// cleanName trims a given name and refuses control characters and
// overlong names.
func cleanName(n string) string {
	n = strings.TrimSpace(n)
	if len(n) > 100 || strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ""
	}
	return n
}

func encodeName(n string) string { return hex.EncodeToString([]byte(n)) }

func decodeName(v string) string {
	b, err := hex.DecodeString(v)
	if err != nil {
		return ""
	}
	return string(b)
}
