package evidence

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/rivgate/rivgate/internal/atomicfile"
	"github.com/rivgate/rivgate/internal/pki"
)

// Signature algorithms.
const (
	AlgEd25519 = "ed25519"
	AlgECDSA   = "ecdsa-sha256"
	AlgRSA     = "rsa-pkcs1v15-sha256"
)

// Signer signs manifests: an Ed25519 key (rivgate conform keygen) or the
// tester's X.509 key (ECDSA, RSA or Ed25519) with its certificate chain.
type Signer struct {
	key   crypto.Signer
	chain []*x509.Certificate // leaf first; empty for a bare key
}

// Signature is manifest.sig: how and by whom manifest.json was signed.
type Signature struct {
	Format    string `json:"format"`
	Algorithm string `json:"algorithm"`
	// KeyID is the SHA-256 of the public key (PKIX DER), hex.
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"` // PEM
	// Certificates is the signer's chain (PEM), leaf first, when signed
	// with an X.509 key.
	Certificates string `json:"certificates,omitempty"`
	// ManifestSHA256 is the hash of the manifest bytes signed, so a change
	// to manifest.json is named as such.
	ManifestSHA256 string `json:"manifest_sha256"`
	Value          string `json:"signature"` // base64
}

// SignatureFormat identifies manifest.sig's format.
const SignatureFormat = "rivgate-evidence-signature/1"

// LoadSigner reads a private key (PEM: PKCS#8, EC or PKCS#1) and, when
// certPath is set, its certificate chain, whose leaf must hold the key's
// public half.
func LoadSigner(keyPath, certPath string) (*Signer, error) {
	b, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	key, err := pki.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", keyPath, err)
	}
	s := &Signer{key: key}
	if _, err := algorithm(key.Public()); err != nil {
		return nil, fmt.Errorf("signing key %s: %w", keyPath, err)
	}
	if certPath == "" {
		return s, nil
	}
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	s.chain, err = parseCerts(cb)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", certPath, err)
	}
	if !samePublic(s.chain[0].PublicKey, key.Public()) {
		return nil, fmt.Errorf("certificate %s does not hold the public key of %s", certPath, keyPath)
	}
	return s, nil
}

// NewSigner wraps a key (tests, the demo).
func NewSigner(key crypto.Signer, chain ...*x509.Certificate) *Signer {
	return &Signer{key: key, chain: chain}
}

func parseCerts(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

func algorithm(pub crypto.PublicKey) (string, error) {
	switch pub.(type) {
	case ed25519.PublicKey:
		return AlgEd25519, nil
	case *ecdsa.PublicKey:
		return AlgECDSA, nil
	case *rsa.PublicKey:
		return AlgRSA, nil
	}
	return "", fmt.Errorf("unsupported key type %T (want Ed25519, ECDSA or RSA)", pub)
}

type equaler interface{ Equal(crypto.PublicKey) bool }

func samePublic(a, b crypto.PublicKey) bool {
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// KeyID is the hex SHA-256 of the public key's PKIX encoding.
func KeyID(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// signedMessage is what is signed: the manifest's SHA-256 with a context
// prefix, so the signature can be checked on its own and a changed
// manifest told from a bad signature.
func signedMessage(manifestSHA256 string) []byte {
	return []byte("rivgate-evidence/1 manifest.json sha256 " + manifestSHA256)
}

// Sign signs manifest bytes.
func (s *Signer) Sign(manifest []byte) (*Signature, error) {
	pub := s.key.Public()
	alg, err := algorithm(pub)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(manifest)
	msg := signedMessage(hex.EncodeToString(h[:]))
	var sig []byte
	if alg == AlgEd25519 {
		sig, err = s.key.Sign(rand.Reader, msg, crypto.Hash(0))
	} else {
		d := sha256.Sum256(msg)
		sig, err = s.key.Sign(rand.Reader, d[:], crypto.SHA256)
	}
	if err != nil {
		return nil, fmt.Errorf("sign manifest: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	out := &Signature{Format: SignatureFormat, Algorithm: alg, KeyID: KeyID(pub), ManifestSHA256: hex.EncodeToString(h[:]),
		PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), Value: base64.StdEncoding.EncodeToString(sig)}
	var chain bytes.Buffer
	for _, c := range s.chain {
		_ = pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	out.Certificates = chain.String()
	return out, nil
}

// verifySignature checks sig (over the manifest hash it names) and returns
// the signer's public key.
func verifySignature(sig *Signature) (crypto.PublicKey, error) {
	blk, _ := pem.Decode([]byte(sig.PublicKey))
	if blk == nil {
		return nil, errors.New("no public key")
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	alg, err := algorithm(pub)
	if err != nil {
		return nil, err
	}
	if alg != sig.Algorithm {
		return nil, fmt.Errorf("algorithm %q, but the key is %s", sig.Algorithm, alg)
	}
	if sig.Certificates != "" {
		chain, err := parseCerts([]byte(sig.Certificates))
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		if !samePublic(chain[0].PublicKey, pub) {
			return nil, errors.New("the certificate does not hold the signing key")
		}
	}
	raw, err := base64.StdEncoding.DecodeString(sig.Value)
	if err != nil {
		return nil, fmt.Errorf("signature value: %w", err)
	}
	msg := signedMessage(sig.ManifestSHA256)
	d := sha256.Sum256(msg)
	ok := false
	switch k := pub.(type) {
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, msg, raw)
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, d[:], raw)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], raw) == nil
	}
	if !ok {
		return nil, errors.New("the signature does not verify")
	}
	return pub, nil
}

// LoadPublicKey reads a pinned signer: a PEM public key or a certificate.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		switch blk.Type {
		case "PUBLIC KEY":
			return x509.ParsePKIXPublicKey(blk.Bytes)
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return c.PublicKey, nil
		}
	}
	return nil, fmt.Errorf("%s: no PEM public key or certificate", path)
}

// Keygen writes a new Ed25519 key pair: path (PKCS#8 PEM, mode 0600) and
// path.pub (PKIX PEM). It refuses to overwrite.
func Keygen(path string) (keyID string, err error) {
	for _, p := range []string{path, path + ".pub"} {
		if _, err := os.Stat(p); err == nil {
			return "", fmt.Errorf("%s exists: refusing to overwrite a key", p)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	pder, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return "", fmt.Errorf("write key: %w", err)
	}
	if err := atomicfile.WriteFile(path+".pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644); err != nil {
		return "", fmt.Errorf("write public key: %w", err)
	}
	return KeyID(pub), nil
}
