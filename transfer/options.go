package transfer

import (
	"fmt"

	"github.com/haul-app/haul/store"
)

// Defaults of Options; see DefaultOptions for why. DefaultMaxConnections
// is in budget.go.
const (
	DefaultFilesAtOnce  = maxFilesAtOnce
	DefaultPartsPerFile = 8
	DefaultPartSize     = 64 << 20 // bytes
	DefaultThreshold    = 2 * DefaultPartSize
)

// Upper bounds on parallelism: each request in flight is one connection.
const (
	maxFilesAtOnce  = maxConnections
	maxPartsPerFile = 32
)

// Options tune a Queue. The zero value of a field means its default.
type Options struct {
	// MaxConnections is the ceiling of the connection budget: how many
	// requests all jobs together may have in flight (default 48, from 2 to
	// 128). The budget itself starts at 16 (or the ceiling if lower) and
	// adapts below the ceiling to what it measures: it grows while added
	// connections raise throughput and halves on 429 and 503 answers. It
	// is shown in Snapshot.Connections and changed with
	// Queue.SetConnections.
	MaxConnections int
	// FilesAtOnce caps how many jobs run at the same time (default and at
	// most 128). The default leaves it to the connection budget: a job
	// starts when the budget has room after what running jobs can use.
	FilesAtOnce int
	// PartsPerFile is the per-file ceiling: how many parts of one file
	// (uploads) or ranges (downloads) may be in flight at the same time
	// (default 8, at most 32), within the connection budget.
	PartsPerFile int
	// PartSize is the size of an upload part and of a download range, in
	// bytes: at least store.MinPartSize (5 MB; versitygw needs 5 MiB), at
	// most store.MaxPartSize. Uploads raise it for files that would
	// otherwise need more than 10,000 parts; downloads cut ranges of at
	// most 16 MiB (see maxRangeSize). It costs no memory: parts are
	// streamed from and to the file.
	PartSize int64
	// Threshold is the largest file, in bytes, sent in one PUT or fetched
	// in one GET (downloads fetch at most 32 MiB in one, see
	// Queue.rangeSize); larger ones go in parts or ranges. At most 5 GB;
	// zero means twice PartSize.
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

// DefaultOptions returns the defaults: a budget of up to 48 connections,
// files at once as the budget allows, up to 8 parts per file, parts of 64
// MiB, one request up to 128 MiB, copies in one request up to B2's 5 GB,
// no bandwidth limit, no journal.
//
// The connection ceiling is what fills a line whose round trips are long:
// a 64 KiB file costs about a round trip, so 300 of them over a 60 ms line
// take 300/n round trips with n at once, and the budget grows to n only
// while that pays. Eight parts per file fill a line with a per-connection
// cap of a fifth of its rate (160 of 800 Mbit/s) with room to spare, while
// a pause loses at most eight parts in flight.
//
// The part size weighs throughput against what a failure costs. On the
// loopback benchmark (BenchmarkPartSize, 1 GiB, 4 parts in flight) 64 MiB
// was the fastest upload, and 100 MB parts left slots idle in the last
// wave (11 parts over 4 slots). Downloads once synced each range and
// lost half their speed with 16 MiB ranges; they now sync once a second
// whatever the ranges, and use 16 MiB ranges so that their check can
// follow them (maxRangeSize). Over a real link every part is a request
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
		MaxConnections: DefaultMaxConnections,
		FilesAtOnce:    DefaultFilesAtOnce,
		PartsPerFile:   DefaultPartsPerFile,
		PartSize:       DefaultPartSize,
		Threshold:      DefaultThreshold,
		CopyThreshold:  store.MaxCopy,
	}
}

// normalize fills in defaults and checks the limits.
func (o Options) normalize() (Options, error) {
	d := DefaultOptions()
	if o.MaxConnections <= 0 {
		o.MaxConnections = d.MaxConnections
	}
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
	case o.MaxConnections < minConnections || o.MaxConnections > maxConnections:
		return o, fmt.Errorf("transfer options: from %d to %d connections, not %d", minConnections, maxConnections, o.MaxConnections)
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
