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

// The hashes of a multipart upload.
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
// That pass is kept as short as it can be: it computes the SHA-1 alone
// (about 1.5 GB/s with the CPU's SHA instructions), reading the next chunk
// while the last one is hashed. Each part's MD5, which Content-MD5 needs
// before the part's body, is computed beside it by partSums, part after
// part in order, on another core (on two once the SHA-1 is known): MD5 is
// half as fast as SHA-1, and the parts whose MD5 is ready leave as soon as
// the upload exists while the rest are still being hashed, instead of
// every part waiting for the MD5 of the last. A resumed upload has no hash pass: its SHA-1 went with the
// creation, and each missing part is read for its MD5 just before it is
// sent. Memory: hashChunks buffers of hashChunk bytes per upload in its
// SHA-1 pass, one pooled 256 KiB buffer for the MD5s, 16 bytes per part.
const (
	hashChunk  = 1 << 20
	hashChunks = 3
)

// hashFile reads the file once, in order, and returns its SHA-1.
func hashFile(ctx context.Context, src source) ([]byte, error) {
	free, full := make(chan []byte, hashChunks), make(chan []byte, hashChunks)
	for range hashChunks {
		free <- make([]byte, hashChunk)
	}
	h := sha1.New()
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for b := range full {
			h.Write(b)
			free <- b[:cap(b)]
		}
	}()
	var err error
	for off := int64(0); off < src.size; {
		if err = ctx.Err(); err != nil {
			break
		}
		b := <-free
		b = b[:min(int64(len(b)), src.size-off)]
		if _, err = src.f.ReadAt(b, off); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the file shrank
			}
			err = fmt.Errorf("read %s: %w", src.name, err)
			break
		}
		full <- b
		off += int64(len(b))
	}
	close(full)
	<-hashed
	if err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// partSums computes the MD5 of every part of a file in the background, in
// part order, so that each part can wait for its own (sum) rather than for
// all of them.
type partSums struct {
	src      source
	partSize int64
	ctx      context.Context
	sums     [][md5.Size]byte
	ready    []chan struct{} // ready[i] is closed once sums[i] is set
	next     atomic.Int64    // the next part to hash
	fail     chan struct{}   // closed when err is set
	failOnce sync.Once
	err      error
	stop     context.CancelFunc
	done     sync.WaitGroup
}

// startPartSums starts hashing the parts of partSize bytes of src, on one
// core. Call close before the file is closed.
func startPartSums(ctx context.Context, src source, partSize int64) *partSums {
	count := partCount(src.size, partSize)
	ctx, stop := context.WithCancel(ctx)
	p := &partSums{
		src:      src,
		partSize: partSize,
		ctx:      ctx,
		sums:     make([][md5.Size]byte, count),
		ready:    make([]chan struct{}, count),
		fail:     make(chan struct{}),
		stop:     stop,
	}
	for i := range p.ready {
		p.ready[i] = make(chan struct{})
	}
	p.done.Go(p.work)
	return p
}

// boost adds a second hasher, once the SHA-1 pass no longer needs the
// other core: the last parts then wait less for their MD5.
func (p *partSums) boost() {
	if int(p.next.Load()) < len(p.sums)-1 {
		p.done.Go(p.work)
	}
}

// work hashes parts, taking the next one in order each time, until none
// is left or one fails.
func (p *partSums) work() {
	for {
		i := int(p.next.Add(1) - 1)
		if i >= len(p.sums) {
			return
		}
		off, n := pieceAt(i, p.src.size, p.partSize)
		if err := md5Section(p.ctx, p.src, off, n, &p.sums[i]); err != nil {
			p.failOnce.Do(func() {
				p.err = err
				close(p.fail)
			})
			return
		}
		close(p.ready[i])
	}
}

// md5Section puts the MD5 of n bytes of the file at off into sum. A file
// shorter than that is an error.
func md5Section(ctx context.Context, src source, off, n int64, sum *[md5.Size]byte) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	h := md5.New()
	for done := int64(0); done < n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := (*bp)[:min(int64(len(*bp)), n-done)]
		if _, err := src.f.ReadAt(b, off+done); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the file shrank
			}
			return fmt.Errorf("read %s: %w", src.name, err)
		}
		h.Write(b)
		done += int64(len(b))
	}
	h.Sum(sum[:0])
	return nil
}

// sum waits for the MD5 of part i (0-based) and returns it.
func (p *partSums) sum(ctx context.Context, i int) ([]byte, error) {
	select {
	case <-p.ready[i]:
		return p.sums[i][:], nil
	case <-p.fail:
		return nil, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// close stops the hashing and waits for it to end.
func (p *partSums) close() {
	p.stop()
	p.done.Wait()
}

// hashParts reads the file and returns the SHA-1 of the whole and the MD5
// of each part of partSize bytes, computed side by side as a multipart
// upload computes them.
func hashParts(ctx context.Context, src source, partSize int64) (sha []byte, sums [][md5.Size]byte, err error) {
	p := startPartSums(ctx, src, partSize)
	defer p.close()
	sha, err = hashFile(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	p.boost()
	for i := range p.sums {
		if _, err := p.sum(ctx, i); err != nil {
			return nil, nil, err
		}
	}
	return sha, p.sums, nil
}
