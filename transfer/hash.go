package transfer

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// The hash pass of a multipart upload.
//
// B2's tools keep a large file's SHA-1 in large_file_sha1, and Haul's
// downloads check it end to end. Through the S3 API metadata can only be
// given to CreateMultipartUpload: CompleteMultipartUpload takes none, and
// adding it afterwards would take a copy of the whole object (a second
// version, which B2 keeps and bills). So the SHA-1 must be known before the
// upload is created, and the first part can leave only after the whole file
// has been read once. Leaving large_file_sha1 out would let parts leave at
// once, but downloads could then check no more than the size; Haul keeps
// it.
//
// That pass is made to count: it reads the file once, in order, and
// computes the SHA-1 and every part's MD5 (which Content-MD5 needs before a
// part's body) at the same time on two cores, so the parts go out without
// being read for hashing again. The file is read twice in all (hash pass,
// send), where it used to be read three times (SHA-1 pass, MD5 of each
// part, send). A resumed upload has no hash pass: its SHA-1 went with the
// creation, and each missing part is read for its MD5 just before it is
// sent. Memory: hashChunks buffers of hashChunk bytes per upload in its
// hash pass, plus 16 bytes per part.
const (
	hashChunk  = 1 << 20
	hashChunks = 4
)

// chunk is a piece of the file read for hashing, within one part.
type chunk struct {
	buf  []byte
	part int
	refs atomic.Int32 // hashers yet to finish with it
}

// hashParts reads size bytes of the file once and returns the SHA-1 of the
// whole and the MD5 of each part of partSize bytes.
func hashParts(ctx context.Context, src source, partSize int64) (sha []byte, sums [][md5.Size]byte, err error) {
	count := partCount(src.size, partSize)
	sums = make([][md5.Size]byte, count)
	free := make(chan *chunk, hashChunks)
	for range hashChunks {
		free <- &chunk{buf: make([]byte, hashChunk)}
	}
	done := func(c *chunk) {
		if c.refs.Add(-1) == 0 {
			free <- c
		}
	}
	toSHA, toMD5 := make(chan *chunk, hashChunks), make(chan *chunk, hashChunks)
	h := sha1.New()
	var wg sync.WaitGroup
	wg.Go(func() {
		for c := range toSHA {
			h.Write(c.buf)
			done(c)
		}
	})
	wg.Go(func() {
		m, part := md5.New(), 0
		for c := range toMD5 {
			if c.part != part {
				m.Sum(sums[part][:0])
				m.Reset()
				part = c.part
			}
			m.Write(c.buf)
			done(c)
		}
		if count > 0 {
			m.Sum(sums[part][:0])
		}
	})
	err = readChunks(ctx, src, partSize, free, func(c *chunk) {
		c.refs.Store(2)
		toSHA <- c
		toMD5 <- c
	})
	close(toSHA)
	close(toMD5)
	wg.Wait()
	if err != nil {
		return nil, nil, err
	}
	return h.Sum(nil), sums, nil
}

// readChunks reads the file in order into chunks taken from free, none
// straddling two parts, and hands each to send.
func readChunks(ctx context.Context, src source, partSize int64, free chan *chunk, send func(*chunk)) error {
	for off := int64(0); off < src.size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		part := int(off / partSize)
		n := min(hashChunk, src.size-off, int64(part+1)*partSize-off)
		c := <-free
		c.buf, c.part = c.buf[:cap(c.buf)][:n], part
		if _, err := src.f.ReadAt(c.buf, off); err != nil {
			free <- c
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the file shrank
			}
			return fmt.Errorf("read %s: %w", src.name, err)
		}
		send(c)
		off += n
	}
	return nil
}
