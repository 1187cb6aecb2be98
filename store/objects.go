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
}

// Put uploads a file of at most 5 GB in one request, with Content-MD5 so B2
// verifies what it receives.
func (c *Client) Put(ctx context.Context, in PutInput) (Object, error) {
	if err := ValidateKey(in.Key); err != nil {
		return Object{}, &Error{Op: "upload", Bucket: in.Bucket, Key: in.Key, Kind: ErrInvalidName, Message: err.Error(), Err: err}
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
	}
	if !in.Modified.IsZero() {
		req.Metadata = map[string]string{MetaModified: strconv.FormatInt(in.Modified.UnixMilli(), 10)}
	}
	out, err := c.s3.PutObject(ctx, req)
	if err != nil {
		return Object{}, wrapErr("upload", in.Bucket, in.Key, err)
	}
	return Object{Key: in.Key, ETag: aws.ToString(out.ETag), Size: size, Modified: time.Now()}, nil
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
