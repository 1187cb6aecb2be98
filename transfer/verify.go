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

// verify checks a downloaded file against what the server said: its size,
// then the MD5 that the ETag of an unencrypted single-part object is, or the
// SHA-1 in large_file_sha1 (multipart uploads of B2's tools and Haul). The
// ETag of an encrypted object need not be its MD5 (AWS says so for SSE-KMS
// and SSE-C; B2 does not say for SSE-B2), so encrypted objects are checked
// by large_file_sha1 or by size only. A mismatch is ErrChecksum.
func verify(ctx context.Context, f partialFile, info store.ObjectInfo) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != info.Size {
		return fmt.Errorf("%w: the file has %d bytes, the server said %d", ErrChecksum, fi.Size(), info.Size)
	}
	encrypted := info.SSE != "" || info.SSECustomer
	var (
		want, name string
		h          hash.Hash
	)
	if sum, ok := etagMD5(info.ETag); ok && !encrypted {
		want, name, h = sum, "MD5", md5.New()
	} else if sum := strings.ToLower(info.Metadata[metaSHA1]); isHex(sum, 40) {
		want, name, h = sum, "SHA-1", sha1.New()
	} else {
		return nil
	}
	if err := hashReader(ctx, io.NewSectionReader(f, 0, info.Size), h); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%w: the file's %s is %s, the server's is %s", ErrChecksum, name, got, want)
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
