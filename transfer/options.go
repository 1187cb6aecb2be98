package transfer

import (
	"fmt"

	"github.com/haul-app/haul/store"
)

// Defaults of Options; see DefaultOptions for why.
const (
	DefaultFilesAtOnce  = 4
	DefaultPartsPerFile = 4
	DefaultPartSize     = 64 << 20 // bytes
	DefaultThreshold    = 2 * DefaultPartSize
)

// Upper bounds on parallelism: each part in flight is one connection.
const (
	maxFilesAtOnce  = 32
	maxPartsPerFile = 32
)

// Options tune a Queue. The zero value of a field means its default.
type Options struct {
	// FilesAtOnce is how many jobs run at the same time (default 4).
	FilesAtOnce int
	// PartsPerFile is how many parts of one file (uploads) or ranges
	// (downloads) are in flight at the same time (default 4). At most
	// FilesAtOnce*PartsPerFile connections are open.
	PartsPerFile int
	// PartSize is the size of an upload part and of a download range, in
	// bytes: at least store.MinPartSize (5 MB; versitygw needs 5 MiB), at
	// most store.MaxPartSize. Uploads raise it for files that would
	// otherwise need more than 10,000 parts. It costs no memory: parts are
	// streamed from and to the file.
	PartSize int64
	// Threshold is the largest file, in bytes, sent in one PUT or fetched
	// in one GET; larger ones go in parts or ranges. At most 5 GB; zero
	// means twice PartSize.
	Threshold int64
	// UploadLimit and DownloadLimit cap the bandwidth of all jobs of one
	// direction together, in bytes per second; 0 means unlimited.
	UploadLimit, DownloadLimit float64
	// CopyThreshold is the largest object copied with one CopyObject
	// request; larger ones are copied in parts with UploadPartCopy. Zero
	// means B2's limit, store.MaxCopy (5 GB); tests lower it.
	CopyThreshold int64
	// CopyPartSize is the part size of large copies; zero means
	// store.CopyPartSize's default (100 MB). Parts are copied inside B2,
	// so it sets only the number of requests and how often progress moves.
	CopyPartSize int64
	// JournalDir is the folder of the journal, transfers.json (Haul passes
	// its config folder). Empty means no journal: nothing survives Close.
	JournalDir string
}

// DefaultOptions returns the defaults: 4 files at once, 4 parts per file,
// parts of 64 MiB, one request up to 128 MiB, copies in one request up to
// B2's 5 GB, no bandwidth limit, no journal.
//
// The part size weighs throughput against what a failure costs. On the
// loopback benchmark (BenchmarkPartSize, 1 GiB, 4 parts in flight) 64 MiB
// was the fastest both ways: 16 MiB halved download speed (four times the
// requests and range syncs) and 100 MB parts left slots idle in the last
// wave (11 parts over 4 slots). Over a real link every part is a request
// with its own round trips and, for downloads, a billable transaction,
// which favours large parts (B2 recommends 100 MB, rclone uses 96 MiB);
// but a part that breaks off is sent again whole and a pause drops the
// parts in flight, which favours small ones: 64 MiB is under a minute on a
// 10 Mbit/s uplink. The threshold of two parts means a multipart upload
// always has at least two full parts to send in parallel, which pays for
// its extra requests and for the SHA-1 pass over the file; below it one
// request is cheaper (one billable download instead of two, no SHA-1 pass).
func DefaultOptions() Options {
	return Options{
		FilesAtOnce:   DefaultFilesAtOnce,
		PartsPerFile:  DefaultPartsPerFile,
		PartSize:      DefaultPartSize,
		Threshold:     DefaultThreshold,
		CopyThreshold: store.MaxCopy,
	}
}

// normalize fills in defaults and checks the limits.
func (o Options) normalize() (Options, error) {
	d := DefaultOptions()
	if o.FilesAtOnce <= 0 {
		o.FilesAtOnce = d.FilesAtOnce
	}
	if o.PartsPerFile <= 0 {
		o.PartsPerFile = d.PartsPerFile
	}
	if o.PartSize <= 0 {
		o.PartSize = d.PartSize
	}
	if o.Threshold <= 0 {
		o.Threshold = min(2*o.PartSize, store.MaxSinglePut)
	}
	if o.CopyThreshold <= 0 {
		o.CopyThreshold = store.MaxCopy
	}
	switch {
	case o.FilesAtOnce > maxFilesAtOnce:
		return o, fmt.Errorf("transfer options: at most %d files at once, not %d", maxFilesAtOnce, o.FilesAtOnce)
	case o.PartsPerFile > maxPartsPerFile:
		return o, fmt.Errorf("transfer options: at most %d parts per file, not %d", maxPartsPerFile, o.PartsPerFile)
	case o.PartSize < store.MinPartSize || o.PartSize > store.MaxPartSize:
		return o, fmt.Errorf("transfer options: a part size of %d bytes is outside B2's limits (%d to %d)",
			o.PartSize, store.MinPartSize, store.MaxPartSize)
	case o.Threshold > store.MaxSinglePut:
		return o, fmt.Errorf("transfer options: a threshold of %d bytes is over B2's limit for one request (%d)",
			o.Threshold, store.MaxSinglePut)
	case o.CopyThreshold > store.MaxCopy:
		return o, fmt.Errorf("transfer options: a copy threshold of %d bytes is over B2's limit for one copy (%d)",
			o.CopyThreshold, store.MaxCopy)
	case o.CopyPartSize != 0 && (o.CopyPartSize < store.MinPartSize || o.CopyPartSize > store.MaxPartSize):
		return o, fmt.Errorf("transfer options: a copy part size of %d bytes is outside B2's limits (%d to %d)",
			o.CopyPartSize, store.MinPartSize, store.MaxPartSize)
	case o.UploadLimit < 0 || o.DownloadLimit < 0:
		return o, fmt.Errorf("transfer options: bandwidth limits cannot be negative")
	}
	return o, nil
}

// partSizeFor is the part size of a multipart upload of size bytes: base, or
// more when base would need over 10,000 parts.
func partSizeFor(size, base int64) int64 {
	return max(base, (size+store.MaxPartCount-1)/store.MaxPartCount)
}

// partCount is how many pieces of partSize bytes make up size bytes.
func partCount(size, partSize int64) int {
	if size <= 0 || partSize <= 0 {
		return 0
	}
	return int((size + partSize - 1) / partSize)
}

// pieceAt returns the offset and length of piece i (0-based) of a file of
// size bytes cut into pieces of partSize bytes.
func pieceAt(i int, size, partSize int64) (off, n int64) {
	off = int64(i) * partSize
	return off, min(partSize, size-off)
}
