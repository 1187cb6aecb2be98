package b2proxy

import (
	"net/http"
	"net/url"
	"strings"
)

// Other is the operation name of requests that Operation does not recognise.
const Other = "Other"

// subresource names an operation by the query parameter that selects it.
type subresource struct {
	param string
	op    string
}

// Bucket-level subresources per method, checked in order; the first query
// parameter present decides. Requests without any of them fall through to
// the method's plain operation.
var bucketOps = map[string][]subresource{
	http.MethodGet: {
		{"acl", "GetBucketAcl"},
		{"cors", "GetBucketCors"},
		{"versioning", "GetBucketVersioning"},
		{"uploads", "ListMultipartUploads"},
		{"versions", "ListObjectVersions"},
		{"location", "GetBucketLocation"},
		{"object-lock", "GetObjectLockConfiguration"},
		{"ownershipControls", "GetBucketOwnershipControls"},
		{"policy", "GetBucketPolicy"},
		{"tagging", "GetBucketTagging"},
		{"lifecycle", "GetBucketLifecycleConfiguration"},
		{"encryption", "GetBucketEncryption"},
		{"website", "GetBucketWebsite"},
		{"logging", "GetBucketLogging"},
	},
	http.MethodPut: {
		{"acl", "PutBucketAcl"},
		{"cors", "PutBucketCors"},
		{"versioning", "PutBucketVersioning"},
		{"object-lock", "PutObjectLockConfiguration"},
		{"ownershipControls", "PutBucketOwnershipControls"},
		{"policy", "PutBucketPolicy"},
		{"tagging", "PutBucketTagging"},
		{"lifecycle", "PutBucketLifecycleConfiguration"},
		{"encryption", "PutBucketEncryption"},
		{"website", "PutBucketWebsite"},
		{"logging", "PutBucketLogging"},
	},
	http.MethodDelete: {
		{"cors", "DeleteBucketCors"},
		{"ownershipControls", "DeleteBucketOwnershipControls"},
		{"policy", "DeleteBucketPolicy"},
		{"tagging", "DeleteBucketTagging"},
		{"lifecycle", "DeleteBucketLifecycle"},
		{"encryption", "DeleteBucketEncryption"},
		{"website", "DeleteBucketWebsite"},
	},
	http.MethodPost: {
		{"delete", "DeleteObjects"},
	},
}

// Object-level subresources per method, as bucketOps.
var objectOps = map[string][]subresource{
	http.MethodGet: {
		{"uploadId", "ListParts"},
		{"acl", "GetObjectAcl"},
		{"retention", "GetObjectRetention"},
		{"legal-hold", "GetObjectLegalHold"},
		{"tagging", "GetObjectTagging"},
		{"attributes", "GetObjectAttributes"},
	},
	http.MethodPut: {
		{"acl", "PutObjectAcl"},
		{"retention", "PutObjectRetention"},
		{"legal-hold", "PutObjectLegalHold"},
		{"tagging", "PutObjectTagging"},
	},
	http.MethodPost: {
		{"uploads", "CreateMultipartUpload"},
		{"uploadId", "CompleteMultipartUpload"},
		{"restore", "RestoreObject"},
		{"select", "SelectObjectContent"},
	},
	http.MethodDelete: {
		{"uploadId", "AbortMultipartUpload"},
		{"tagging", "DeleteObjectTagging"},
	},
}

// Operation names the S3 operation of a path-style request (/bucket/key),
// from its method, path, query and the x-amz-copy-source header: for example
// "ListObjectsV2", "PutObject", "UploadPart", "UploadPartCopy", "CopyObject",
// "CompleteMultipartUpload", "DeleteObjects" or "GetBucketAcl". Requests it
// does not recognise, virtual-host-style ones included, are [Other].
func Operation(r *http.Request) string {
	bucket, key := splitPath(r.URL.Path)
	q := r.URL.Query()
	if bucket == "" {
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
		return Other
	}
	if key == "" {
		return bucketOperation(r.Method, q)
	}
	return objectOperation(r.Method, q, r.Header.Get("X-Amz-Copy-Source") != "")
}

func bucketOperation(method string, q url.Values) string {
	if op, ok := lookup(bucketOps[method], q); ok {
		return op
	}
	switch method {
	case http.MethodGet:
		if q.Get("list-type") == "2" {
			return "ListObjectsV2"
		}
		return "ListObjects"
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodPut:
		return "CreateBucket"
	case http.MethodDelete:
		return "DeleteBucket"
	}
	return Other
}

func objectOperation(method string, q url.Values, copySource bool) string {
	if method == http.MethodPut && q.Has("partNumber") && q.Has("uploadId") {
		if copySource {
			return "UploadPartCopy"
		}
		return "UploadPart"
	}
	if op, ok := lookup(objectOps[method], q); ok {
		return op
	}
	switch method {
	case http.MethodGet:
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodPut:
		if copySource {
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodDelete:
		return "DeleteObject"
	}
	return Other
}

func lookup(subs []subresource, q url.Values) (string, bool) {
	for _, s := range subs {
		if q.Has(s.param) {
			return s.op, true
		}
	}
	return "", false
}

// splitPath splits a decoded path-style URL path into bucket and key. The
// key keeps any further slashes; it is empty for bucket-level requests.
func splitPath(p string) (bucket, key string) {
	p = strings.TrimPrefix(p, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}
