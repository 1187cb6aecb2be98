package store

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// sseAlgorithm is the only SSE-C algorithm B2 (and S3) know.
const sseAlgorithm = "AES256"

// maxRemembered bounds how many files' keys a Client remembers; past it
// the memory starts afresh (forgetting costs a request or two per file).
const maxRemembered = 10_000

// objectRef names one version of a file; version "" is the current one.
type objectRef struct{ bucket, key, version string }

// keyMemo is what a Client remembers about customer keys: which key opened
// which file version, and which key each multipart upload of this run (or
// resumed in it) is encrypted with. S3 does not say which key a file
// needs; only a request that presents the right one succeeds.
type keyMemo struct {
	mu      sync.Mutex
	files   map[objectRef]CustomerKey
	uploads map[string]CustomerKey // by upload ID
}

func (m *keyMemo) file(ref objectRef) (CustomerKey, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.files[ref]
	return k, ok
}

func (m *keyMemo) rememberFile(k CustomerKey, refs ...objectRef) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil || len(m.files) >= maxRemembered {
		m.files = map[objectRef]CustomerKey{}
	}
	for _, r := range refs {
		m.files[r] = k
	}
}

func (m *keyMemo) upload(id string) (CustomerKey, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.uploads[id]
	return k, ok
}

func (m *keyMemo) rememberUpload(id string, k CustomerKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.uploads == nil || len(m.uploads) >= maxRemembered {
		m.uploads = map[string]CustomerKey{}
	}
	m.uploads[id] = k
}

func (m *keyMemo) forgetUpload(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.uploads, id)
}

// sseHeaders are the three SSE-C header values for k: the algorithm, the
// key in base64 and its MD5 in base64.
func sseHeaders(k CustomerKey) (algorithm, key, md5 *string) {
	return aws.String(sseAlgorithm), aws.String(k.Encoded()), aws.String(k.MD5)
}

// namedKey finds the key an upload asks for by name; "" means none.
func (c *Client) namedKey(op, bucket, key, name string) (*CustomerKey, error) {
	if name == "" {
		return nil, nil
	}
	if c.keys == nil {
		return nil, &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrKeyMissing,
			Message: fmt.Sprintf("no encryption key named %q is kept for this account", name)}
	}
	k, err := c.keys.CustomerKey(name)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Op, e.Bucket, e.Key = op, bucket, key
		}
		return nil, err
	}
	return &k, nil
}

// ResumeEncrypted tells the client that the multipart upload uploadID,
// started in an earlier run, is encrypted with the customer key named
// name: UploadPart and CopyPart must present it again with every part. A
// key that is not kept any more is an error matching ErrKeyMissing.
func (c *Client) ResumeEncrypted(bucket, key, uploadID, name string) error {
	k, err := c.namedKey("resume upload", bucket, key, name)
	if err != nil || k == nil {
		return err
	}
	c.memo.rememberUpload(uploadID, *k)
	return nil
}

// stillKept reports whether the ring still holds k (a key the person
// deleted must stop opening files at once).
func (c *Client) stillKept(k CustomerKey) bool {
	if c.keys == nil {
		return false
	}
	kept, err := c.keys.CustomerKey(k.Name)
	return err == nil && kept.MD5 == k.MD5
}

// withReadKey runs try, a read of one version of a file, with the key
// that opens it: the one remembered for that version first, then none,
// then each key of the ring. A file stored with SSE-C answers 400 to a
// read without its key, and 403 to one with a wrong key (a file stored
// without one answers 400 to a read with a key). It returns the key that
// worked (nil: none was needed) and remembers it for ref and for
// alsoVersion, the version the answer named. When no key opens the file
// the error matches ErrKeyMissing. Errors are wrapped as op.
func (c *Client) withReadKey(op string, ref objectRef, try func(k *CustomerKey) (alsoVersion string, err error)) (*CustomerKey, error) {
	var candidates []*CustomerKey
	remembered, known := c.memo.file(ref)
	if known && !c.stillKept(remembered) {
		known = false // deleted since: the file must not open with it
	}
	if known {
		candidates = append(candidates, &remembered)
	}
	candidates = append(candidates, nil)
	needsKey := false
	var last error
	for i := 0; i < len(candidates); i++ {
		k := candidates[i]
		version, err := try(k)
		if err == nil {
			if k != nil {
				c.memo.rememberFile(*k, ref, objectRef{ref.bucket, ref.key, version})
			}
			return k, nil
		}
		last = wrapErr(op, ref.bucket, ref.key, err)
		var e *Error
		if !errors.As(last, &e) || !(e.Status == http.StatusBadRequest || (k != nil && e.Status == http.StatusForbidden)) {
			return nil, last
		}
		if k != nil || c.keys == nil {
			needsKey = needsKey || k == nil
			continue
		}
		needsKey = true
		keys, kerr := c.keys.CustomerKeys()
		if kerr != nil && len(keys) == 0 {
			return nil, kerr
		}
		for _, rk := range keys {
			if !known || rk.MD5 != remembered.MD5 {
				candidates = append(candidates, &rk)
			}
		}
	}
	if !needsKey {
		return nil, last
	}
	return nil, &Error{Op: op, Bucket: ref.bucket, Key: ref.key, Kind: ErrKeyMissing, Status: http.StatusBadRequest,
		Message: "the file is encrypted with a customer key (SSE-C) that Haul does not hold", Err: last}
}
