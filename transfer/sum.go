package transfer

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash"
)

// runningSum checks a download end to end while it arrives: it hashes the
// partial file from its first byte up to the end of what the ranges have
// written without a gap (the contiguous prefix), waking when a range
// writes, so that the check is done a moment after the last byte lands
// instead of costing a second pass over the whole file at the end. It
// reads back from the file (the page cache, as the bytes were just
// written) rather than hashing inside the ranges' loops: SHA-1 and MD5 run
// in order, and only one range at a time is at the prefix's end.
//
// A resumed download hashes what earlier runs left in the file the same
// way, as it finds it. Bytes are never rewritten within one run (a range
// asked for again continues where it got to), so what was hashed stays
// what the file holds. Memory: one pooled 256 KiB buffer.
type runningSum struct {
	f      partialFile
	ranges []*rangeProgress // every range of the file, in order
	size   int64
	part   int64 // the ranges' size, all but the last
	h      hash.Hash
	want   string // hex
	name   string // "MD5" or "SHA-1"

	wake chan struct{} // cap 1: a range wrote something
	done chan struct{} // closed when run returns
	err  error         // of run; read after done
}

// newRunningSum returns the check of a download of info whose ranges are
// ranges (all of them, complete or not, of part bytes each but the last),
// or nil when there is nothing to check (see sumFor). It does not start
// hashing: call start.
func newRunningSum(f partialFile, info objectSum, ranges []*rangeProgress, size, part int64) *runningSum {
	if info.h == nil {
		return nil
	}
	return &runningSum{
		f: f, ranges: ranges, size: size, part: part, h: info.h, want: info.want, name: info.name,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
}

// start hashes in the background until the whole file is hashed or ctx
// ends.
func (s *runningSum) start(ctx context.Context) {
	go func() {
		defer close(s.done)
		s.err = s.run(ctx)
	}()
}

// poke tells the hasher that a range wrote more. It never blocks.
func (s *runningSum) poke() {
	if s == nil {
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// frontier is where the contiguous prefix written so far ends, looking
// from the range that holds byte from.
func (s *runningSum) frontier(from int64) int64 {
	for k := int(from / s.part); k < len(s.ranges); k++ {
		rp := s.ranges[k]
		if got := rp.prefix(); got < rp.length {
			return rp.off + got
		}
	}
	return s.size
}

func (s *runningSum) run(ctx context.Context) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for hashed := int64(0); hashed < s.size; {
		end := s.frontier(hashed)
		if end <= hashed {
			select {
			case <-s.wake:
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		n := min(end-hashed, int64(len(buf)))
		if _, err := s.f.ReadAt(buf[:n], hashed); err != nil {
			return fmt.Errorf("read back %d bytes at %d: %w", n, hashed, err)
		}
		s.h.Write(buf[:n])
		hashed += n
	}
	return nil
}

// wait waits for the hasher to end and returns its error, ErrChecksum when
// the file's sum is not the server's. Call it once every range is written,
// or after canceling start's ctx.
func (s *runningSum) wait() error {
	<-s.done
	if s.err != nil {
		return s.err
	}
	if got := hex.EncodeToString(s.h.Sum(nil)); got != s.want {
		return fmt.Errorf("%w: the file's %s is %s, the server's is %s", ErrChecksum, s.name, got, s.want)
	}
	return nil
}
