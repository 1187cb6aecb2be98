package transfer

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestHashParts: one pass gives the same SHA-1 and part MD5s as hashing
// each separately, for parts that are and are not whole chunks, and stops
// when ctx ends.
func TestHashParts(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	writeRandom(t, name, 3*hashChunk+12345, 7)
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int64{1, hashChunk, hashChunk + 1, int64(len(data))} {
		for _, partSize := range []int64{hashChunk, 1_000_000, 2*hashChunk + 7, 1 << 30} {
			t.Run(fmt.Sprintf("%d bytes in parts of %d", size, partSize), func(t *testing.T) {
				src := source{f: f, name: name, size: size}
				sha, sums, err := hashParts(context.Background(), src, partSize)
				if err != nil {
					t.Fatal(err)
				}
				if want := sha1.Sum(data[:size]); !bytes.Equal(sha, want[:]) {
					t.Errorf("SHA-1 %x, want %x", sha, want)
				}
				if len(sums) != partCount(size, partSize) {
					t.Fatalf("%d MD5s, want %d", len(sums), partCount(size, partSize))
				}
				for i := range sums {
					off, n := pieceAt(i, size, partSize)
					if want := md5.Sum(data[off : off+n]); sums[i] != want {
						t.Errorf("part %d: MD5 %x, want %x", i+1, sums[i], want)
					}
				}
			})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := hashParts(ctx, source{f: f, name: name, size: int64(len(data))}, hashChunk); err == nil {
		t.Error("hashParts went on after its context ended")
	}
	// A file shorter than it was is an error, not a short hash.
	if _, _, err := hashParts(context.Background(), source{f: f, name: name, size: int64(len(data)) + 1}, hashChunk); err == nil {
		t.Error("hashParts of more bytes than the file holds succeeded")
	}
}
