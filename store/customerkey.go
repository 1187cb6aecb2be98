package store

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrKeyMissing is the kind of *Error for a file stored with a customer key
// (SSE-C) when none of the keys Haul holds for the account opens it.
var ErrKeyMissing = errors.New("customer key missing")

// CustomerKeySize is the length of an SSE-C key: AES-256, 32 bytes.
const CustomerKeySize = 32

// maxKeyNameLen bounds a key's name, which is shown in lists and stored in
// the settings file.
const maxKeyNameLen = 64

// CustomerKey is an SSE-C key (B2 encrypts the file with it and keeps only
// a salted hash; losing the key loses the file). Name is what the person
// called it, MD5 the base64 MD5 of the raw key, which B2 uses to check the
// key and which may be stored and shown. The key itself never leaves
// memory except to the keychain, to the request headers B2 needs, and once
// to the person (Encoded) when Haul made it. Its String and fmt verbs show
// the name and MD5 only.
type CustomerKey struct {
	Name string
	MD5  string
	raw  []byte
}

// NewCustomerKey makes a random 256-bit key named name.
func NewCustomerKey(name string) (CustomerKey, error) {
	if err := ValidateKeyName(name); err != nil {
		return CustomerKey{}, err
	}
	raw := make([]byte, CustomerKeySize)
	if _, err := rand.Read(raw); err != nil {
		return CustomerKey{}, fmt.Errorf("make a key: %w", err)
	}
	return customerKey(name, raw), nil
}

// ParseCustomerKey reads a pasted key: the base64 of 32 bytes, as B2's
// tools and the AWS command line write it (standard or URL alphabet,
// padding and surrounding spaces optional). Its errors never repeat the
// text.
func ParseCustomerKey(name, text string) (CustomerKey, error) {
	if err := ValidateKeyName(name); err != nil {
		return CustomerKey{}, err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return CustomerKey{}, errors.New("paste the key: the base64 text of 32 bytes (44 characters ending in =)")
	}
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(text); err == nil {
			break
		}
	}
	switch {
	case err != nil:
		return CustomerKey{}, errors.New("the key is not base64 text; an SSE-C key is 32 bytes written as 44 characters ending in =")
	case len(raw) != CustomerKeySize:
		return CustomerKey{}, fmt.Errorf("the key is %d bytes long; an SSE-C key (AES-256) is exactly 32", len(raw))
	}
	return customerKey(name, raw), nil
}

func customerKey(name string, raw []byte) CustomerKey {
	sum := md5.Sum(raw)
	return CustomerKey{Name: name, MD5: base64.StdEncoding.EncodeToString(sum[:]), raw: raw}
}

// Encoded is the key as base64 text: what the person keeps safe, and what
// the keychain stores.
func (k CustomerKey) Encoded() string { return base64.StdEncoding.EncodeToString(k.raw) }

// String names the key without revealing it.
func (k CustomerKey) String() string { return fmt.Sprintf("%s (MD5 %s)", k.Name, k.MD5) }

// GoString is String, so %#v does not print the key either.
func (k CustomerKey) GoString() string { return k.String() }

// valid reports whether k holds key material.
func (k CustomerKey) valid() bool { return len(k.raw) == CustomerKeySize }

// ValidateKeyName checks a key's name: 1 to 64 characters, printable,
// without leading or trailing spaces.
func ValidateKeyName(name string) error {
	switch {
	case name == "":
		return errors.New("give the key a name")
	case !utf8.ValidString(name):
		return errors.New("the key's name is not valid text")
	case utf8.RuneCountInString(name) > maxKeyNameLen:
		return fmt.Errorf("the key's name is longer than %d characters", maxKeyNameLen)
	case strings.TrimSpace(name) != name:
		return errors.New("the key's name starts or ends with a space")
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return errors.New("the key's name holds a character that cannot be shown")
	}
	return nil
}

// KeyRing is where a Client finds customer keys: by name to encrypt an
// upload, and all of them to open a file whose key is not known yet.
// Implementations must be safe for concurrent use.
type KeyRing interface {
	// CustomerKey returns the named key, or an error matching
	// ErrKeyMissing when there is none.
	CustomerKey(name string) (CustomerKey, error)
	// CustomerKeys returns every key that can be read now (a few; each
	// costs a request to try).
	CustomerKeys() ([]CustomerKey, error)
}
