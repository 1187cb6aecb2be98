package b2proxy_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/haul-app/haul/store/b2proxy"
)

func TestOperation(t *testing.T) {
	tests := []struct {
		method, target string
		copySource     bool
		want           string
	}{
		{"GET", "/", false, "ListBuckets"},
		{"PUT", "/bkt", false, "CreateBucket"},
		{"PUT", "/bkt/", false, "CreateBucket"},
		{"DELETE", "/bkt", false, "DeleteBucket"},
		{"HEAD", "/bkt", false, "HeadBucket"},
		{"GET", "/bkt?list-type=2&prefix=a%2F", false, "ListObjectsV2"},
		{"GET", "/bkt?prefix=a", false, "ListObjects"},
		{"GET", "/bkt?versions&key-marker=k", false, "ListObjectVersions"},
		{"GET", "/bkt?acl", false, "GetBucketAcl"},
		{"PUT", "/bkt?acl", false, "PutBucketAcl"},
		{"GET", "/bkt?versioning", false, "GetBucketVersioning"},
		{"PUT", "/bkt?versioning", false, "PutBucketVersioning"},
		{"PUT", "/bkt?cors", false, "PutBucketCors"},
		{"GET", "/bkt?cors", false, "GetBucketCors"},
		{"DELETE", "/bkt?cors", false, "DeleteBucketCors"},
		{"GET", "/bkt?uploads", false, "ListMultipartUploads"},
		{"GET", "/bkt?location", false, "GetBucketLocation"},
		{"PUT", "/bkt?ownershipControls", false, "PutBucketOwnershipControls"},
		{"POST", "/bkt?delete", false, "DeleteObjects"},
		{"POST", "/bkt", false, b2proxy.Other},
		{"GET", "/bkt/key", false, "GetObject"},
		{"GET", "/bkt/dir/sub/key.txt?versionId=v1&x-id=GetObject", false, "GetObject"},
		{"HEAD", "/bkt/key", false, "HeadObject"},
		{"PUT", "/bkt/key?x-id=PutObject", false, "PutObject"},
		{"PUT", "/bkt/key", true, "CopyObject"},
		{"DELETE", "/bkt/key?versionId=v1", false, "DeleteObject"},
		{"POST", "/bkt/key?uploads", false, "CreateMultipartUpload"},
		{"PUT", "/bkt/key?partNumber=3&uploadId=u1", false, "UploadPart"},
		{"PUT", "/bkt/key?partNumber=3&uploadId=u1", true, "UploadPartCopy"},
		{"POST", "/bkt/key?uploadId=u1", false, "CompleteMultipartUpload"},
		{"DELETE", "/bkt/key?uploadId=u1", false, "AbortMultipartUpload"},
		{"GET", "/bkt/key?uploadId=u1&max-parts=1000", false, "ListParts"},
		{"GET", "/bkt/key?acl", false, "GetObjectAcl"},
		{"PUT", "/bkt/key?acl", false, "PutObjectAcl"},
		{"PUT", "/bkt/key?retention", false, "PutObjectRetention"},
		{"PUT", "/bkt/key?legal-hold", false, "PutObjectLegalHold"},
		{"GET", "/bkt/key?tagging", false, "GetObjectTagging"},
		{"OPTIONS", "/bkt/key", false, b2proxy.Other},
		{"PATCH", "/", false, b2proxy.Other},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.target, nil)
		if tt.copySource {
			r.Header.Set("X-Amz-Copy-Source", "/bkt/src")
		}
		if got := b2proxy.Operation(r); got != tt.want {
			t.Errorf("Operation(%s %s copy=%v) = %q, want %q", tt.method, tt.target, tt.copySource, got, tt.want)
		}
	}
}

func TestRefusals(t *testing.T) {
	up := newUpstream(t, 16)
	p := b2proxy.New(t, up.URL)
	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		wantStatus int // 0: forwarded
		wantCode   string
		wantInMsg  string
	}{
		{"crc32 header", "PUT", "/bkt/k", map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}, 400, "InvalidArgument", "'x-amz-checksum-crc32'"},
		{"sdk algorithm", "PUT", "/bkt/k", map[string]string{"x-amz-sdk-checksum-algorithm": "CRC32"}, 400, "InvalidArgument", "'x-amz-sdk-checksum-algorithm'"},
		{"checksum mode on GET", "GET", "/bkt/k", map[string]string{"x-amz-checksum-mode": "ENABLED"}, 400, "InvalidArgument", "'x-amz-checksum-mode'"},
		{"trailer", "PUT", "/bkt/k", map[string]string{"x-amz-trailer": "x-amz-checksum-crc32"}, 400, "InvalidArgument", "'x-amz-trailer'"},
		{"aws-chunked", "PUT", "/bkt/k", map[string]string{"Content-Encoding": "gzip,aws-chunked"}, 400, "InvalidArgument", "aws-chunked"},
		{"streaming sha", "PUT", "/bkt/k", map[string]string{"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}, 400, "InvalidArgument", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
		{"object acl", "PUT", "/bkt/k", map[string]string{"x-amz-acl": "public-read"}, 403, "AccessDenied", "object ACLs"},
		{"object grant", "POST", "/bkt/k?uploads", map[string]string{"x-amz-grant-read": "uri=x"}, 403, "AccessDenied", "x-amz-grant-read"},
		{"copy with acl", "PUT", "/bkt/k", map[string]string{"x-amz-acl": "private", "x-amz-copy-source": "/bkt/a"}, 403, "AccessDenied", "object ACLs"},
		{"bucket acl on create", "PUT", "/bkt", map[string]string{"x-amz-acl": "public-read"}, 0, "", ""},
		{"bucket acl on put acl", "PUT", "/bkt?acl", map[string]string{"x-amz-acl": "private"}, 0, "", ""},
		{"plain put", "PUT", "/bkt/k", map[string]string{"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "Content-MD5": "x"}, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Reset()
			before := up.count()
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			resp, body, err := do(t, tt.method, p.URL+tt.path, strings.NewReader("some body bytes"), h)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			if tt.wantStatus == 0 {
				if resp.StatusCode != http.StatusOK || up.count() != before+1 || len(p.Refusals()) != 0 {
					t.Errorf("status %d, upstream hits %d, refusals %q; want 200, forwarded, none",
						resp.StatusCode, up.count()-before, p.Refusals())
				}
				return
			}
			if up.count() != before {
				t.Errorf("refused request reached the upstream")
			}
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Content-Type") != "application/xml" {
				t.Errorf("status %d %q, want %d application/xml", resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantStatus)
			}
			s := string(body)
			if !strings.HasPrefix(s, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n<Error>\n    <Code>"+tt.wantCode+"</Code>") ||
				!strings.Contains(s, tt.wantInMsg) {
				t.Errorf("body %q, want B2 XML with code %s mentioning %s", s, tt.wantCode, tt.wantInMsg)
			}
			refs := p.Refusals()
			if len(refs) != 1 || !strings.Contains(refs[0], tt.wantCode) {
				t.Errorf("Refusals() = %q, want one %s", refs, tt.wantCode)
			}
			reqs := p.Requests()
			if len(reqs) != 1 || !reqs[0].Refused || reqs[0].Status != tt.wantStatus {
				t.Errorf("Requests() = %+v, want one refused request with status %d", reqs, tt.wantStatus)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	if got := b2proxy.ServiceUnavailable.String(); got != "ServiceUnavailable" {
		t.Errorf("ServiceUnavailable.String() = %q", got)
	}
	if got := b2proxy.Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}
