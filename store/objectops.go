package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxVersionCount caps the version count of Properties: counting costs one
// billable listing call per 1,000 versions.
const maxVersionCount = 10_000

// NewFolder makes an empty folder the way B2's web console does: an empty
// file named prefix + ".bzEmpty" (sent with Content-MD5), which listings
// hide. A missing trailing "/" is added. The folder name is checked with
// ValidateKey's rules and refused as ErrInvalidName before any request.
func (c *Client) NewFolder(ctx context.Context, bucket, prefix string) error {
	const op = "new folder"
	name := strings.TrimSuffix(prefix, "/")
	err := ValidateKey(name)
	if err == nil {
		err = ValidateKey(name + "/" + EmptyFolderMarker)
	}
	if err != nil {
		return &Error{Op: op, Bucket: bucket, Key: prefix, Kind: ErrInvalidName, Message: err.Error(), Err: err}
	}
	_, err = c.Put(ctx, PutInput{Bucket: bucket, Key: name + "/" + EmptyFolderMarker, Body: bytes.NewReader(nil)})
	return err
}

// Properties is what the properties panel shows about a file: its
// HeadObject answer, how many versions it has and its S3 URL.
type Properties struct {
	ObjectInfo
	// Versions counts the key's stored versions, delete markers left out,
	// up to 10,000: that value means "at least".
	Versions int
	// S3URL is the S3-style address of the file: on B2
	// https://<bucket>.s3.<region>.backblazeb2.com/<key>, elsewhere
	// path-style under the endpoint. It serves the file to anyone only in
	// a public-read bucket.
	S3URL string
}

// Properties reads the current version of key (HeadObject) and counts its
// versions (one ListObjectVersions call per 1,000).
func (c *Client) Properties(ctx context.Context, bucket, key string) (Properties, error) {
	info, err := c.Head(ctx, bucket, key, "")
	if err != nil {
		return Properties{}, err
	}
	n, err := c.countVersions(ctx, bucket, key)
	if err != nil {
		return Properties{}, err
	}
	return Properties{ObjectInfo: info, Versions: n, S3URL: c.s3URL(bucket, key)}, nil
}

// countVersions counts the versions of exactly key, up to maxVersionCount.
func (c *Client) countVersions(ctx context.Context, bucket, key string) (int, error) {
	n := 0
	l := c.versionLister(bucket, key)
	for n < maxVersionCount && l.more() {
		refs, err := l.next(ctx)
		if err != nil {
			return 0, err
		}
		for _, r := range refs {
			if r.Key != key {
				// Sorted by key: the rest belongs to longer keys.
				return min(n, maxVersionCount), nil
			}
			if !r.DeleteMarker {
				n++
			}
		}
	}
	return min(n, maxVersionCount), nil
}

// s3URL is the S3-style URL of key on this client's endpoint.
func (c *Client) s3URL(bucket, key string) string {
	_, s3 := PublicURLs(Account{Endpoint: c.endpoint.String()}, bucket, key)
	return s3
}

// Preview reads at most max bytes from the start of a file, with one
// ranged GET (one billable download), for an image or text preview.
// versionID "" means the current version. An empty file gives an empty
// slice; max <= 0 gives one without a request. The bytes are held in
// memory: keep max small (a few MiB).
func (c *Client) Preview(ctx context.Context, bucket, key, versionID string, max int64) ([]byte, error) {
	if max <= 0 {
		return []byte{}, nil
	}
	body, err := c.GetRange(ctx, bucket, key, versionID, 0, max)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusRequestedRangeNotSatisfiable {
			// Only an empty file has no byte 0.
			return []byte{}, nil
		}
		return nil, err
	}
	defer body.Close()
	return io.ReadAll(io.LimitReader(body, max))
}

// SearchPage looks through one listing page (1,000 keys, one billable call)
// of every key under prefix, subfolders included, and returns the files
// whose name (last segment) contains sub, ignoring case, with the token of
// the next page ("" after the last). Call it with "" first and then with
// each returned token until it is empty; a page may have no matches. The
// caller decides when to stop, so a search streams and can be cancelled
// between pages. Placeholders (.bzEmpty) are never matched.
func (c *Client) SearchPage(ctx context.Context, bucket, prefix, sub, token string) (matches []Object, next string, err error) {
	page, err := c.List(ctx, ListInput{Bucket: bucket, Prefix: prefix, Token: token, Recursive: true})
	if err != nil {
		return nil, "", err
	}
	want := strings.ToLower(sub)
	for _, o := range page.Objects {
		if strings.Contains(strings.ToLower(o.Name()), want) {
			matches = append(matches, o)
		}
	}
	return matches, page.Next, nil
}
