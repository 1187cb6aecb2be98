package store

import (
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Every listing asks for EncodingType url: S3 servers then send keys
// URL-encoded, so a key holding a control character (allowed by S3, and
// present in old buckets) does not arrive as an XML character reference
// such as &#x1;, which Go's XML decoder refuses, making the whole folder
// unlistable. The answer says whether the server did encode (versitygw
// ignores the request); only then are its fields decoded, since decoding
// raw keys would corrupt those holding '%' or '+'.
const listEncoding = types.EncodingTypeUrl

// urlFields decodes the string fields of one listing answer in place when
// the answer says they are URL-encoded, as S3 encodes them: '+' for a
// space, %XX for other bytes (url.QueryUnescape).
type urlFields struct {
	on  bool
	bad string // the first field that would not decode
}

func newURLFields(enc types.EncodingType) *urlFields {
	return &urlFields{on: enc == types.EncodingTypeUrl}
}

func (d *urlFields) decode(fields ...**string) {
	if !d.on {
		return
	}
	for _, f := range fields {
		if *f == nil {
			continue
		}
		v, err := url.QueryUnescape(**f)
		if err != nil {
			if d.bad == "" {
				d.bad = **f
			}
			continue
		}
		*f = &v
	}
}

func (d *urlFields) err(op, bucket, prefix string) error {
	if d.bad == "" {
		return nil
	}
	return &Error{Op: op, Bucket: bucket, Key: prefix, Kind: ErrServer,
		Message: fmt.Sprintf("the server said the listing is URL-encoded, but %q is not", d.bad)}
}

// decodeObjectsList decodes a ListObjectsV2 answer. The continuation token
// is opaque and never encoded.
func decodeObjectsList(out *s3.ListObjectsV2Output, op, bucket, prefix string) error {
	d := newURLFields(out.EncodingType)
	d.decode(&out.Prefix, &out.Delimiter, &out.StartAfter)
	for i := range out.Contents {
		d.decode(&out.Contents[i].Key)
	}
	for i := range out.CommonPrefixes {
		d.decode(&out.CommonPrefixes[i].Prefix)
	}
	return d.err(op, bucket, prefix)
}

// decodeVersionsList decodes a ListObjectVersions answer, markers included.
func decodeVersionsList(out *s3.ListObjectVersionsOutput, op, bucket, prefix string) error {
	d := newURLFields(out.EncodingType)
	d.decode(&out.Prefix, &out.Delimiter, &out.KeyMarker, &out.NextKeyMarker)
	for i := range out.Versions {
		d.decode(&out.Versions[i].Key)
	}
	for i := range out.DeleteMarkers {
		d.decode(&out.DeleteMarkers[i].Key)
	}
	for i := range out.CommonPrefixes {
		d.decode(&out.CommonPrefixes[i].Prefix)
	}
	return d.err(op, bucket, prefix)
}

// decodeUploadsList decodes a ListMultipartUploads answer.
func decodeUploadsList(out *s3.ListMultipartUploadsOutput, op, bucket, prefix string) error {
	d := newURLFields(out.EncodingType)
	d.decode(&out.Prefix, &out.Delimiter, &out.KeyMarker, &out.NextKeyMarker)
	for i := range out.Uploads {
		d.decode(&out.Uploads[i].Key)
	}
	for i := range out.CommonPrefixes {
		d.decode(&out.CommonPrefixes[i].Prefix)
	}
	return d.err(op, bucket, prefix)
}
