package b2proxy

// SSE-C (server-side encryption with a customer's key), checked by the
// proxy: versitygw's posix backend ignores the headers and stores files
// in the clear. What B2 does is taken from Backblaze's pages "Server-Side
// Encryption" (https://www.backblaze.com/docs/cloud-storage-server-side-encryption:
// SSE-C works as it does on AWS; B2 keeps only a hash of the key) and "Use
// Server-Side Encryption with Customer-Managed Keys (SSE-C)"
// (https://www.backblaze.com/docs/cloud-storage-use-sse-with-customer-managed-keys-ssec:
// the same key must come with every request that reads or writes the
// file), and from AWS's "Specifying server-side encryption with
// customer-provided keys" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html),
// which those pages defer to:
//
//   - A write (PutObject, CreateMultipartUpload, CopyObject's target)
//     carries the algorithm (AES256), the key (base64 of 32 bytes) and the
//     key's MD5 (base64); a missing or bad one, or an MD5 that does not
//     match the key, is refused with 400 InvalidArgument.
//   - Each UploadPart and UploadPartCopy of an upload started with a key
//     repeats that key; CompleteMultipartUpload needs none.
//   - A read (GetObject, HeadObject, a copy's source) of a version stored
//     with a key must present it: without it the answer is 400
//     InvalidRequest, with another key 403 AccessDenied; a key presented
//     for a version stored without one is 400 InvalidRequest. Successful
//     answers echo the algorithm and the key's MD5.
//
// The codes and messages are AWS's; Backblaze's pages do not list them.
// The headers are forwarded unchanged (the client signed them; versitygw
// ignores them). The proxy remembers each version's key MD5 in memory, by
// the version ID the server answers with.

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The SSE-C headers are named prefix + one of these, the prefix being
// x-amz- for the file written or read and x-amz-copy-source- for a copy's
// source.
const (
	hdrAlgorithm = "Server-Side-Encryption-Customer-Algorithm"
	hdrKey       = "Server-Side-Encryption-Customer-Key"
	hdrKeyMD5    = "Server-Side-Encryption-Customer-Key-Md5"
	ownPrefix    = "X-Amz-"
	copyPrefix   = "X-Amz-Copy-Source-"
	hdrVersionID = "X-Amz-Version-Id"
)

// ssecState is what the proxy remembers: the key MD5 of each stored
// version and of each multipart upload started with a key. Guarded by
// Proxy.mu.
type ssecState struct {
	versions map[string]string // bucket/key/version -> key MD5
	uploads  map[string]string // upload ID -> key MD5
}

func versionRef(bucket, key, version string) string { return bucket + "\x00" + key + "\x00" + version }

// customerKey reads the SSE-C headers with prefix (ownPrefix or copyPrefix): the
// key's MD5, "" when none are sent, or a refusal when they are malformed.
func customerKey(h http.Header, prefix string) (string, *refusal) {
	alg, key, sum := h.Get(prefix+hdrAlgorithm), h.Get(prefix+hdrKey), h.Get(prefix+hdrKeyMD5)
	if alg == "" && key == "" && sum == "" {
		return "", nil
	}
	bad := func(msg string) (string, *refusal) {
		return "", &refusal{status: http.StatusBadRequest, code: "InvalidArgument", message: msg}
	}
	if alg != "AES256" {
		return bad("The encryption algorithm specified is not valid: only AES256 is supported.")
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != 32 {
		return bad("The secret key was invalid for the specified algorithm.")
	}
	want := md5.Sum(raw)
	if sum != base64.StdEncoding.EncodeToString(want[:]) {
		return bad("The calculated MD5 hash of the key did not match the hash that was provided.")
	}
	return sum, nil
}

// readCheck compares the key a read presents with the one the version was
// stored with.
func readCheck(stored, given string) *refusal {
	switch {
	case stored == given:
		return nil
	case given == "":
		return &refusal{status: http.StatusBadRequest, code: "InvalidRequest",
			message: "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."}
	case stored == "":
		return &refusal{status: http.StatusBadRequest, code: "InvalidRequest",
			message: "The encryption parameters are not applicable to this object."}
	}
	return &refusal{status: http.StatusForbidden, code: "AccessDenied",
		message: "The provided customer encryption key does not match the one the object was stored with."}
}

// sseC checks r's SSE-C headers before it is forwarded and returns what to
// do with the server's answer (nil when SSE-C plays no part), or a refusal.
func (p *Proxy) sseC(r *http.Request, rec *Request) (func(*http.Response) *refusal, *refusal) {
	given, ref := customerKey(r.Header, ownPrefix)
	if ref != nil {
		return nil, ref
	}
	srcGiven, ref := customerKey(r.Header, copyPrefix)
	if ref != nil {
		return nil, ref
	}
	switch rec.Op {
	case "UploadPart", "UploadPartCopy":
		p.mu.Lock()
		want := p.ssec.uploads[rec.UploadID]
		p.mu.Unlock()
		if want != given {
			return nil, &refusal{status: http.StatusBadRequest, code: "InvalidArgument",
				message: "The encryption parameters of a part must be the ones the upload was started with."}
		}
	}
	if rec.Op == "CopyObject" || rec.Op == "UploadPartCopy" {
		if ref := p.copySourceCheck(r, srcGiven); ref != nil {
			return nil, ref
		}
	}
	switch rec.Op {
	case "PutObject", "CopyObject":
		return func(resp *http.Response) *refusal {
			p.remember(rec.Bucket, rec.Key, resp.Header.Get(hdrVersionID), given)
			echo(resp.Header, given)
			return nil
		}, nil
	case "CreateMultipartUpload":
		if given == "" {
			return nil, nil
		}
		return func(resp *http.Response) *refusal {
			if id := uploadID(resp); id != "" {
				p.mu.Lock()
				p.ssec.uploads[id] = given
				p.mu.Unlock()
			}
			echo(resp.Header, given)
			return nil
		}, nil
	case "UploadPart", "UploadPartCopy":
		return func(resp *http.Response) *refusal { echo(resp.Header, given); return nil }, nil
	case "CompleteMultipartUpload":
		return func(resp *http.Response) *refusal {
			p.mu.Lock()
			want := p.ssec.uploads[rec.UploadID]
			delete(p.ssec.uploads, rec.UploadID)
			p.mu.Unlock()
			p.remember(rec.Bucket, rec.Key, resp.Header.Get(hdrVersionID), want)
			echo(resp.Header, want)
			return nil
		}, nil
	case "GetObject", "HeadObject":
		return func(resp *http.Response) *refusal {
			p.mu.Lock()
			stored := p.ssec.versions[versionRef(rec.Bucket, rec.Key, resp.Header.Get(hdrVersionID))]
			p.mu.Unlock()
			if ref := readCheck(stored, given); ref != nil {
				return ref
			}
			echo(resp.Header, given)
			return nil
		}, nil
	}
	return nil, nil
}

// copySourceCheck checks the key a copy presents for its source version,
// named by x-amz-copy-source (bucket/key?versionId=...); without a
// versionId, for the version written last (see remember).
func (p *Proxy) copySourceCheck(r *http.Request, given string) *refusal {
	raw := strings.TrimPrefix(r.Header.Get("X-Amz-Copy-Source"), "/")
	path, query, _ := strings.Cut(raw, "?")
	path, err := url.PathUnescape(path)
	if err != nil {
		return nil // the server answers a malformed source
	}
	q, _ := url.ParseQuery(query)
	version := q.Get("versionId")
	bucket, key := splitPath("/" + path)
	p.mu.Lock()
	stored := p.ssec.versions[versionRef(bucket, key, version)]
	p.mu.Unlock()
	return readCheck(stored, given)
}

// remember notes the key MD5 ("" for none) a version was stored with,
// under its version ID and as the current version (ID ""), which a copy
// source without a versionId reads. Deleting versions is not followed: the
// proxy's idea of the current version may then be stale.
func (p *Proxy) remember(bucket, key, version, sum string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ref := range []string{versionRef(bucket, key, version), versionRef(bucket, key, "")} {
		if sum == "" {
			delete(p.ssec.versions, ref)
		} else {
			p.ssec.versions[ref] = sum
		}
	}
}

// echo adds the SSE-C answer headers of a request made with key MD5 sum.
func echo(h http.Header, sum string) {
	if sum != "" {
		h.Set(ownPrefix+hdrAlgorithm, "AES256")
		h.Set(ownPrefix+hdrKeyMD5, sum)
	}
}

// uploadID reads the UploadId of a CreateMultipartUpload answer, putting
// the (small) body back for the client.
func uploadID(resp *http.Response) string {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	var out struct {
		UploadID string `xml:"UploadId"`
	}
	if xml.Unmarshal(body, &out) != nil {
		return ""
	}
	return out.UploadID
}
