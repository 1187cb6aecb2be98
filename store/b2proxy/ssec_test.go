package b2proxy_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sseKey is an SSE-C key as the three header values.
type sseKey struct{ alg, key, md5 *string }

func newSSEKey(fill byte) sseKey {
	raw := bytes.Repeat([]byte{fill}, 32)
	sum := md5.Sum(raw)
	return sseKey{aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(raw)), aws.String(base64.StdEncoding.EncodeToString(sum[:]))}
}

func status(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestSSECustomer checks the proxy's SSE-C rules: malformed keys refused on
// write, a version read only with its own key (400 without, 403 with
// another, 400 with a key on a plain file), the answers echo the key's
// MD5, a copy's source needs its key, and each part repeats the upload's.
func TestSSECustomer(t *testing.T) {
	_, p, c := setup(t)
	ctx := context.Background()
	createBucket(t, c, "ssec")
	k, other := newSSEKey(1), newSSEKey(2)
	put := func(key string, sk sseKey) (*s3.PutObjectOutput, error) {
		return c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ssec"), Key: aws.String(key), Body: strings.NewReader("data"),
			SSECustomerAlgorithm: sk.alg, SSECustomerKey: sk.key, SSECustomerKeyMD5: sk.md5})
	}
	for name, bad := range map[string]sseKey{
		"algorithm": {aws.String("AES128"), k.key, k.md5},
		"length":    {k.alg, aws.String(base64.StdEncoding.EncodeToString([]byte("short"))), k.md5},
		"md5":       {k.alg, k.key, other.md5},
	} {
		if _, err := put("bad", bad); status(err) != 400 || !strings.Contains(err.Error(), "InvalidArgument") {
			t.Errorf("a key with a bad %s: %v, want 400 InvalidArgument", name, err)
		}
	}
	out, err := put("locked", k)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.SSECustomerKeyMD5) != aws.ToString(k.md5) {
		t.Errorf("PutObject echoed key MD5 %q", aws.ToString(out.SSECustomerKeyMD5))
	}
	if _, err := put("plain", sseKey{}); err != nil {
		t.Fatal(err)
	}
	head := func(key string, sk sseKey) error {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("ssec"), Key: aws.String(key),
			SSECustomerAlgorithm: sk.alg, SSECustomerKey: sk.key, SSECustomerKeyMD5: sk.md5})
		return err
	}
	for _, tc := range []struct {
		key  string
		sk   sseKey
		want int
	}{{"locked", sseKey{}, 400}, {"locked", other, 403}, {"plain", k, 400}, {"locked", k, 0}, {"plain", sseKey{}, 0}} {
		if got := status(head(tc.key, tc.sk)); got != tc.want {
			t.Errorf("HeadObject %s: status %d, want %d", tc.key, got, tc.want)
		}
	}
	g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("locked"),
		SSECustomerAlgorithm: k.alg, SSECustomerKey: k.key, SSECustomerKeyMD5: k.md5})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(g.Body)
	g.Body.Close()
	if string(body) != "data" || aws.ToString(g.SSECustomerKeyMD5) != aws.ToString(k.md5) {
		t.Errorf("GetObject = %q, key MD5 %q", body, aws.ToString(g.SSECustomerKeyMD5))
	}

	src := "ssec/locked?versionId=" + aws.ToString(out.VersionId)
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("copy"), CopySource: aws.String(src)}); status(err) != 400 {
		t.Errorf("a copy without the source's key: %v, want 400", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("copy"), CopySource: aws.String(src),
		CopySourceSSECustomerAlgorithm: k.alg, CopySourceSSECustomerKey: k.key, CopySourceSSECustomerKeyMD5: k.md5,
		SSECustomerAlgorithm: k.alg, SSECustomerKey: k.key, SSECustomerKeyMD5: k.md5}); err != nil {
		t.Fatal(err)
	}
	if status(head("copy", sseKey{})) != 400 || head("copy", k) != nil {
		t.Error("the copy is not stored with the key")
	}

	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("ssec"), Key: aws.String("parts"),
		SSECustomerAlgorithm: k.alg, SSECustomerKey: k.key, SSECustomerKeyMD5: k.md5})
	if err != nil {
		t.Fatal(err)
	}
	part := func(sk sseKey) error {
		_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("ssec"), Key: aws.String("parts"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader("part"), SSECustomerAlgorithm: sk.alg, SSECustomerKey: sk.key, SSECustomerKeyMD5: sk.md5})
		return err
	}
	if status(part(sseKey{})) != 400 || status(part(other)) != 400 {
		t.Error("a part without the upload's key was accepted")
	}
	if err := part(k); err != nil {
		t.Fatal(err)
	}
	if refs := p.Refusals(); len(refs) != 0 {
		t.Errorf("SSE-C answers were counted as refusals of unsupported requests: %v", refs)
	}
}
