package store

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// MaxPresign is the longest a presigned link may stay valid: 7 days, the
// SigV4 limit that B2 enforces. The SDK's presigner signs longer lifetimes
// without complaint, and B2 then refuses the link.
const MaxPresign = 7 * 24 * time.Hour

// EncodeKey escapes a key for the path of a URL, byte by byte: letters,
// digits, "-", ".", "_", "~" and "/" stay, everything else becomes %XX. So
// "+" is written %2B (B2 reads a bare "+" as a space) and a space %20.
// url.PathEscape is not the same: it keeps "+" and other characters B2
// would misread.
func EncodeKey(key string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(key))
	for i := 0; i < len(key); i++ {
		c := key[i]
		if isUnreserved(c) || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xF])
	}
	return b.String()
}

// isUnreserved reports the characters RFC 3986 never needs escaped.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// PublicURLs returns the two links to a file of a public-read bucket that
// anyone can open: B2's friendly one, <downloadUrl>/file/<bucket>/<key> (""
// when the account's download URL is unknown), and the S3 one,
// https://<bucket>.s3.<region>.backblazeb2.com/<key>. For endpoints that
// are not B2 (the sandbox, a typed-in server) and for bucket names with
// capitals, which a host name cannot carry, the S3 link is path-style:
// <endpoint>/<bucket>/<key>. The key is escaped with EncodeKey. Neither
// link works for a private bucket, nor for a file stored with SSE-C.
func PublicURLs(acct Account, bucket, key string) (friendly, s3 string) {
	path := EncodeKey(key)
	if d := strings.TrimRight(strings.TrimSpace(acct.DownloadURL), "/"); d != "" {
		friendly = d + "/file/" + bucket + "/" + path
	}
	u, err := url.Parse(strings.TrimSpace(acct.Endpoint))
	if err != nil || u.Host == "" {
		return friendly, ""
	}
	host := strings.ToLower(u.Host)
	if strings.HasPrefix(host, "s3.") && strings.HasSuffix(host, ".backblazeb2.com") &&
		bucket == strings.ToLower(bucket) {
		return friendly, "https://" + bucket + "." + host + "/" + path
	}
	return friendly, u.Scheme + "://" + u.Host + "/" + bucket + "/" + path
}

// PresignOptions shape a presigned download link.
type PresignOptions struct {
	// Expires is how long the link works; more than MaxPresign is cut to
	// MaxPresign, and a part of a second counts as a whole one.
	Expires time.Duration
	// VersionID pins the link to one version: it keeps giving those bytes
	// after the file is overwritten or deleted. "" means the current
	// version at the time of download.
	VersionID string
	// DownloadAs makes browsers save the file under this name rather than
	// show it (Content-Disposition: attachment).
	DownloadAs string
}

// PresignGet signs a link that downloads a file of a private bucket
// without credentials, until it expires. It makes no request. The link
// carries the key ID and a signature, never the secret key; it stops
// working early if that application key is deleted. expires is when it
// stops working; clamped is true when Expires was cut to MaxPresign. An
// Expires of zero or less is refused.
func (c *Client) PresignGet(ctx context.Context, bucket, key string, o PresignOptions) (link string, expires time.Time, clamped bool, err error) {
	const op = "share"
	if o.Expires <= 0 {
		return "", time.Time{}, false, &Error{Op: op, Bucket: bucket, Key: key, Kind: ErrOther,
			Message: "a link must stay valid for some time, not " + o.Expires.String()}
	}
	d := o.Expires
	if d > MaxPresign {
		d, clamped = MaxPresign, true
	}
	if d%time.Second != 0 {
		// X-Amz-Expires counts whole seconds; never round down to 0.
		d = d.Truncate(time.Second) + time.Second
	}
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if o.VersionID != "" {
		in.VersionId = aws.String(o.VersionID)
	}
	if o.DownloadAs != "" {
		in.ResponseContentDisposition = aws.String(attachmentDisposition(o.DownloadAs))
	}
	signed := time.Now()
	req, err := c.presign.PresignGetObject(ctx, in, s3.WithPresignExpires(d))
	if err != nil {
		return "", time.Time{}, false, wrapErr(op, bucket, key, err)
	}
	return req.URL, signedAt(req.URL, signed).Add(d), clamped, nil
}

// signedAt reads the signing time (X-Amz-Date) from a presigned link; the
// link expires counting from it. fallback is used if it cannot be read.
func signedAt(link string, fallback time.Time) time.Time {
	u, err := url.Parse(link)
	if err != nil {
		return fallback
	}
	t, err := time.Parse("20060102T150405Z", u.Query().Get("X-Amz-Date"))
	if err != nil {
		return fallback
	}
	return t
}

// attachmentDisposition is a Content-Disposition value that makes browsers
// save a download as name (RFC 6266): a plain quoted filename when the name
// is safe ASCII, else an ASCII stand-in plus filename* with the UTF-8 name
// (RFC 8187). Control characters and path separators, which no saved file
// name may hold, become "_".
func attachmentDisposition(name string) string {
	var fallback, ext strings.Builder
	plain := true
	for _, r := range name {
		switch {
		case r < ' ' || r == 0x7f || r == '/' || r == '\\':
			r = '_'
		case r > 0x7f || r == '"' || r == '%':
			// Non-ASCII cannot be quoted; '"' and '%' are read
			// differently by different browsers.
			plain = false
			fallback.WriteByte('_')
			writeExtValue(&ext, r)
			continue
		}
		fallback.WriteRune(r)
		writeExtValue(&ext, r)
	}
	v := `attachment; filename="` + fallback.String() + `"`
	if !plain {
		v += "; filename*=UTF-8''" + ext.String()
	}
	return v
}

// writeExtValue writes r as RFC 8187 ext-value characters: attr-chars as
// they are, the other bytes of its UTF-8 form as %XX.
func writeExtValue(b *strings.Builder, r rune) {
	const hex = "0123456789ABCDEF"
	for _, c := range utf8.AppendRune(nil, r) {
		if isUnreserved(c) || strings.IndexByte("!#$&+^`|", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xF])
	}
}
