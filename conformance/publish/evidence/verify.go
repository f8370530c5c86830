package evidence

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Difference is why a bundle does not verify: the first file (or check)
// that differs from what was signed or recorded.
type Difference struct {
	File string
	Msg  string
}

func (d *Difference) Error() string { return d.File + ": " + d.Msg }

func differ(file, format string, args ...any) *Difference {
	return &Difference{File: file, Msg: fmt.Sprintf(format, args...)}
}

// Verified is what a successful verification established.
type Verified struct {
	Manifest *Manifest
	// KeyID identifies the signer; Subject is its certificate's subject
	// ("" for a bare key). Pinned: the key is the one the caller gave.
	KeyID   string
	Subject string
	Pinned  bool
	Files   int
	// Checks is how many checks were re-evaluated from the exchanges and
	// found as recorded; NotReevaluated says what could not be and why.
	Checks         int
	NotReevaluated []string
	// Decision is the re-evaluated outcome (equal to the recorded one).
	Decision string
	Notes    []string
}

// maxEntry bounds one file read from a bundle (exchanges are at most the
// harness's 32 MiB body limit plus headers).
const maxEntry = 64 << 20

// Verify checks the bundle at p: the signature (against pinned when not
// nil), every file's SHA-256, that no file was added or removed, then
// re-evaluates checks and decision. A *Difference says what differs; other
// errors mean the verification could not run.
func Verify(p string, pinned crypto.PublicKey) (*Verified, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		return nil, differ(filepath.Base(p), "not a complete zip archive (partial or damaged bundle): %v", err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	var order []string
	for _, f := range zr.File {
		name := f.Name
		switch {
		case strings.HasSuffix(name, "/"):
			return nil, differ(name, "directory entries are not part of a bundle (added)")
		case !f.Mode().IsRegular():
			return nil, differ(name, "not a regular file (added)")
		case path.IsAbs(name) || path.Clean(name) != name || strings.HasPrefix(name, "../") || name == "..":
			return nil, differ(name, "unsafe path in the bundle")
		case files[name] != nil:
			return nil, differ(name, "appears twice in the bundle")
		}
		files[name] = f
		order = append(order, name)
	}
	read := func(name string) ([]byte, error) {
		f := files[name]
		rc, err := f.Open()
		if err != nil {
			return nil, differ(name, "cannot be read: %v", err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxEntry+1))
		if err != nil {
			return nil, differ(name, "cannot be read (damaged): %v", err)
		}
		if len(b) > maxEntry {
			return nil, differ(name, "larger than %d bytes", maxEntry)
		}
		return b, nil
	}
	for _, name := range []string{ManifestFile, SignatureFile} {
		if files[name] == nil {
			return nil, differ(name, "missing: the bundle is incomplete (removed)")
		}
	}
	mb, err := read(ManifestFile)
	if err != nil {
		return nil, err
	}
	sb, err := read(SignatureFile)
	if err != nil {
		return nil, err
	}
	var sig Signature
	if err := json.Unmarshal(sb, &sig); err != nil || sig.Format != SignatureFormat {
		return nil, differ(SignatureFile, "not a rivgate signature (format %q): %v", sig.Format, err)
	}
	pub, err := verifySignature(&sig)
	if err != nil {
		return nil, differ(SignatureFile, "%v", err)
	}
	v := &Verified{KeyID: KeyID(pub)}
	if sig.Certificates != "" {
		if chain, err := parseCerts([]byte(sig.Certificates)); err == nil {
			v.Subject = chain[0].Subject.String()
		}
	}
	if pinned != nil {
		if !samePublic(pinned, pub) {
			return nil, differ(SignatureFile, "signed by key %s, not by the pinned key %s", v.KeyID, KeyID(pinned))
		}
		v.Pinned = true
	}
	mh := sha256.Sum256(mb)
	if hex.EncodeToString(mh[:]) != sig.ManifestSHA256 {
		return nil, differ(ManifestFile, "SHA-256 %s is not the %s that %s signs: the manifest was changed or the signature swapped", hex.EncodeToString(mh[:]), sig.ManifestSHA256, SignatureFile)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || m.Format != ManifestFormat {
		return nil, differ(ManifestFile, "not a rivgate manifest (format %q): %v", m.Format, err)
	}
	v.Manifest = &m
	listed := map[string]bool{ManifestFile: true, SignatureFile: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		if files[f.Path] == nil {
			return nil, differ(f.Path, "listed in the manifest but missing from the bundle (removed)")
		}
		b, err := read(f.Path)
		if err != nil {
			return nil, err
		}
		h := sha256.Sum256(b)
		if got := hex.EncodeToString(h[:]); got != f.SHA256 || int64(len(b)) != f.Size {
			return nil, differ(f.Path, "changed: SHA-256 %s (%d bytes), the manifest says %s (%d bytes)", got, len(b), f.SHA256, f.Size)
		}
	}
	for _, name := range order {
		if !listed[name] {
			return nil, differ(name, "not in the manifest (added)")
		}
	}
	v.Files = len(m.Files)
	// Everything is as signed; now the verdict must reproduce.
	tmp, err := os.MkdirTemp("", "rivgate-verify-")
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range m.Files {
		b, err := read(f.Path)
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
	}
	if err := reevaluate(tmp, &m, v); err != nil {
		return nil, err
	}
	return v, nil
}
