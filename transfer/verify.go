package transfer

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/haul-app/haul/store"
)

// objectSum is what a downloaded file is checked against: a fresh hash, the
// sum it must reach (hex) and its name. h is nil when the server gave
// nothing to check.
type objectSum struct {
	h          hash.Hash
	want, name string
}

// sumFor chooses the check of a download of info: the MD5 that the ETag of
// an unencrypted single-part object is, or the SHA-1 in large_file_sha1
// (multipart uploads of B2's tools and Haul), or nothing. The ETag of an
// encrypted object need not be its MD5 (AWS says so for SSE-KMS and SSE-C;
// B2 does not say for SSE-B2), so encrypted objects are checked by
// large_file_sha1 or by size only.
func sumFor(info store.ObjectInfo) objectSum {
	encrypted := info.SSE != "" || info.SSECustomer
	if sum, ok := etagMD5(info.ETag); ok && !encrypted {
		return objectSum{h: md5.New(), want: sum, name: "MD5"}
	}
	if sum := strings.ToLower(info.Metadata[metaSHA1]); isHex(sum, 40) {
		return objectSum{h: sha1.New(), want: sum, name: "SHA-1"}
	}
	return objectSum{}
}

// checkSize fails with ErrChecksum unless f holds exactly the size the
// server said.
func checkSize(f partialFile, info store.ObjectInfo) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != info.Size {
		return fmt.Errorf("%w: the file has %d bytes, the server said %d", ErrChecksum, fi.Size(), info.Size)
	}
	return nil
}

// verify checks a downloaded file against what the server said, in one
// pass over the file: its size, then the sum sumFor chooses. A mismatch is
// ErrChecksum. Downloads check as they go (runningSum); verify is the same
// check in one piece.
func verify(ctx context.Context, f partialFile, info store.ObjectInfo) error {
	if err := checkSize(f, info); err != nil {
		return err
	}
	s := sumFor(info)
	if s.h == nil {
		return nil
	}
	if err := hashReader(ctx, io.NewSectionReader(f, 0, info.Size), s.h); err != nil {
		return err
	}
	if got := hex.EncodeToString(s.h.Sum(nil)); got != s.want {
		return fmt.Errorf("%w: the file's %s is %s, the server's is %s", ErrChecksum, s.name, got, s.want)
	}
	return nil
}

// isHex reports whether s is n hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
