package store

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// MaxSinglePut is B2's largest single PUT (5 GB); larger files go up in
// parts.
const MaxSinglePut = 5_000_000_000

// MetaModified is the metadata key in which B2's own tools keep a file's
// modification time, in milliseconds since 1970.
const MetaModified = "src_last_modified_millis"

// PutInput is a single-request upload.
type PutInput struct {
	Bucket string
	Key    string
	// Body is read twice, from its current offset: once for its MD5, once
	// to send. It keeps io.Seeker so the SDK can rewind it for retries
	// without buffering.
	Body        io.ReadSeeker
	ContentType string    // "" means from the key's extension
	Modified    time.Time // stored as src_last_modified_millis when set
	// SSE asks B2 to encrypt the file at rest with keys it manages
	// (x-amz-server-side-encryption: AES256).
	SSE bool
	// CustomerKey names the account's key (see KeyRing) to encrypt the
	// file with (SSE-C) instead; "" means none. B2 keeps only a hash of
	// it: the file can be read only with the same key.
	CustomerKey string
	// Metadata is extra user metadata, sent as x-amz-meta-<key> headers;
	// keys are stored lower-case. Modified, when set, overrides a
	// src_last_modified_millis entry. Names hold ASCII letters, digits,
	// '-', '_' and '.', values printable ASCII; others are refused as
	// ErrInvalidName before anything is read or sent. B2 allows about
	// 7,000 bytes of headers in all, 2,048 with encryption.
	Metadata map[string]string
}

// Put uploads a file of at most 5 GB in one request, with Content-MD5 so B2
// verifies what it receives. Over https the body is read twice (MD5, send),
// its SHA-256 is not computed (see unsignedPayload).
func (c *Client) Put(ctx context.Context, in PutInput) (Object, error) {
	if err := ValidateKey(in.Key); err != nil {
		return Object{}, &Error{Op: "upload", Bucket: in.Bucket, Key: in.Key, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	meta, err := userMetadata(in.Metadata, in.Modified)
	if err != nil {
		return Object{}, &Error{Op: "upload", Bucket: in.Bucket, Key: in.Key, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	ck, err := c.namedKey("upload", in.Bucket, in.Key, in.CustomerKey)
	if err != nil {
		return Object{}, err
	}
	// The body is sent from where it stands, as the SDK does, so its MD5
	// and length must be taken from there too.
	start, err := in.Body.Seek(0, io.SeekCurrent)
	if err != nil {
		return Object{}, fmt.Errorf("upload %s: %w", in.Key, err)
	}
	h := md5.New()
	size, err := io.Copy(h, in.Body)
	if err != nil {
		return Object{}, fmt.Errorf("upload %s: read: %w", in.Key, err)
	}
	if size > MaxSinglePut {
		return Object{}, fmt.Errorf("upload %s: %d bytes is over B2's 5 GB limit for one request", in.Key, size)
	}
	if _, err := in.Body.Seek(start, io.SeekStart); err != nil {
		return Object{}, fmt.Errorf("upload %s: rewind: %w", in.Key, err)
	}
	ct := in.ContentType
	if ct == "" {
		ct = ContentTypeOf(in.Key)
	}
	req := &s3.PutObjectInput{
		Bucket:        aws.String(in.Bucket),
		Key:           aws.String(in.Key),
		Body:          in.Body,
		ContentLength: aws.Int64(size),
		ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(h.Sum(nil))),
		ContentType:   aws.String(ct),
		Metadata:      meta,
	}
	switch {
	case ck != nil:
		req.SSECustomerAlgorithm, req.SSECustomerKey, req.SSECustomerKeyMD5 = sseHeaders(*ck)
	case in.SSE:
		req.ServerSideEncryption = types.ServerSideEncryptionAes256
	}
	out, err := c.s3.PutObject(ctx, req, c.unsignedPayload)
	if err != nil {
		return Object{}, wrapErr("upload", in.Bucket, in.Key, err)
	}
	return Object{Key: in.Key, ETag: aws.ToString(out.ETag), Size: size, Modified: time.Now()}, nil
}

// userMetadata merges extra metadata with the modification time B2's tools
// keep in src_last_modified_millis. Keys are lower-cased, as S3 stores them,
// so a caller's "Src_Last_Modified_Millis" cannot shadow the time. It
// returns nil when there is nothing to send, and an error for a name or
// value that cannot travel as a plain ASCII header: Go's transport would
// refuse it only after the request was built, as a network error that the
// retryer would try again and again.
func userMetadata(extra map[string]string, modified time.Time) (map[string]string, error) {
	if len(extra) == 0 && modified.IsZero() {
		return nil, nil
	}
	m := make(map[string]string, len(extra)+1)
	for k, v := range extra {
		if k == "" || strings.IndexFunc(k, badMetaNameRune) >= 0 {
			return nil, fmt.Errorf("the metadata name %q may hold only ASCII letters, digits, '-', '_' and '.'", k)
		}
		if strings.IndexFunc(v, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 {
			return nil, fmt.Errorf("the metadata value of %q holds a character that is not printable ASCII", k)
		}
		m[strings.ToLower(k)] = v
	}
	if !modified.IsZero() {
		m[MetaModified] = strconv.FormatInt(modified.UnixMilli(), 10)
	}
	return m, nil
}

func badMetaNameRune(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.')
}

// ContentTypeOf guesses a MIME type from a key's extension.
func ContentTypeOf(key string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(key))); t != "" {
		return t
	}
	return "application/octet-stream"
}

// ValidateKey checks a key against B2's rules and says which one it breaks:
// UTF-8, at most 1,024 bytes, no control characters or DEL, no backslash, no
// leading or trailing "/" on a file, no "//".
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("the name is empty")
	case !utf8.ValidString(key):
		return fmt.Errorf("the name is not valid UTF-8")
	case len(key) > 1024:
		return fmt.Errorf("the name is %d bytes long; B2 allows at most 1,024", len(key))
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("the name starts with \"/\"")
	case strings.HasSuffix(key, "/"):
		return fmt.Errorf("the name ends with \"/\"")
	case strings.Contains(key, "//"):
		return fmt.Errorf("the name contains \"//\"")
	case strings.Contains(key, `\`):
		return fmt.Errorf("the name contains a backslash, which B2 does not allow")
	}
	for _, r := range key {
		if r < 32 || r == 127 {
			return fmt.Errorf("the name contains the control character %U, which B2 does not allow", r)
		}
	}
	return nil
}
