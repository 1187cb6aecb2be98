package syncer

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/haul-app/haul/store"
)

// metaSHA1 is where B2's tools and Haul keep a multipart upload's SHA-1.
const metaSHA1 = "large_file_sha1"

// remoteSum is a checksum the bucket keeps for an object: its name
// ("MD5", "SHA-1"), the value in lower-case hex, and how to compute it.
type remoteSum struct {
	name, want string
	newHash    func() hash.Hash
}

// sumOf picks the checksum of an object: the MD5 that the ETag of an
// unencrypted single-part object is, else large_file_sha1, else none (an
// encrypted object's ETag need not be its MD5, as transfer's checks also
// assume).
func sumOf(info store.ObjectInfo) remoteSum {
	etag := strings.ToLower(strings.Trim(info.ETag, `"`))
	if info.SSE == "" && !info.SSECustomer && isHex(etag, 32) {
		return remoteSum{name: "MD5", want: etag, newHash: md5.New}
	}
	if v := strings.ToLower(info.Metadata[metaSHA1]); isHex(v, 40) {
		return remoteSum{name: "SHA-1", want: v, newHash: sha1.New}
	}
	return remoteSum{}
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// hashChunk is how much is read between checks of ctx and progress calls.
const hashChunk = 4 << 20

// hashFile hashes a file in hex, reporting each chunk to added (bytes just
// hashed) and to progress (done of size), stopping when ctx ends.
func hashFile(ctx context.Context, name string, h hash.Hash, added func(int64), progress func(done, size int64)) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	buf := make([]byte, min(hashChunk, max(fi.Size(), 1)))
	var done int64
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := io.ReadFull(f, buf)
		h.Write(buf[:n])
		done += int64(n)
		added(int64(n))
		progress(done, fi.Size())
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}
