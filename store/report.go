package store

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"
)

// B2's published storage price, for MonthlyCost when the person has not
// set their own. Backblaze's pricing page (backblaze.com/cloud-storage/
// pricing) could not be opened from where this was written; the figure is
// the one Backblaze has charged since its October 2023 change, $6 per TB
// per month ($0.006 per GB), which a third-party 2026 article on B2's S3
// lifecycle rules repeats. Check the page when the constant is changed.
const (
	// B2StoragePricePerTB is US dollars per terabyte (10^12 bytes) stored
	// for a month. B2 bills by the byte-hour and gives each account its
	// first 10 GB free, which a report of one bucket cannot apply.
	B2StoragePricePerTB = 6.0
	// B2StoragePriceRead is the day (UTC, YYYY-MM-DD) the price was last
	// checked, for the UI to show beside it.
	B2StoragePriceRead = "2026-11-30"
)

// MonthlyCost is what bytes stored for a month cost at pricePerTB dollars
// per terabyte (10^12 bytes), before the account's free 10 GB.
func MonthlyCost(bytes int64, pricePerTB float64) float64 {
	return float64(bytes) / 1e12 * pricePerTB
}

// Tally counts things and their bytes.
type Tally struct {
	Count int64
	Bytes int64
}

func (t *Tally) add(bytes int64) {
	t.Count++
	t.Bytes += bytes
}

// Usage is what a bucket or folder holds, by what B2 bills it for. The four
// kinds do not overlap: every stored byte is in exactly one of them.
type Usage struct {
	// Current counts the current versions: the files a listing shows.
	Current Tally
	// Older counts the older (noncurrent) versions of files that are not
	// hidden: kept because B2 keeps every version until told otherwise.
	Older Tally
	// Hidden counts hidden files, whose newest entry is a delete marker
	// (B2's hide marker): Count is files, Bytes all their versions.
	Hidden Tally
	// HiddenVersions counts the versions behind Hidden's files.
	HiddenVersions int64
	// Unfinished counts multipart uploads neither completed nor aborted:
	// Count is uploads, Bytes the parts uploaded so far.
	Unfinished Tally
	// Markers counts delete markers, which take no bytes.
	Markers int64
}

// Bytes is everything B2 bills storage for: all four kinds.
func (u Usage) Bytes() int64 {
	return u.Current.Bytes + u.Older.Bytes + u.Hidden.Bytes + u.Unfinished.Bytes
}

// FolderUsage is the usage of one subfolder.
type FolderUsage struct {
	// Prefix is the subfolder's full prefix, ending in "/", to run the
	// report again at; "" stands for the files directly in the folder
	// reported on.
	Prefix string
	Usage
}

// Report is the storage report of a bucket or folder, as StorageReport
// builds it. Its memory grows with the number of immediate subfolders
// (about 200 bytes each plus the name), never with the number of files or
// versions.
type Report struct {
	Bucket string
	Prefix string // the folder reported on, "" for the whole bucket
	Total  Usage
	// Folders holds the usage of each immediate subfolder of Prefix, by its
	// full prefix, and of the files directly in Prefix under "".
	Folders map[string]*Usage
	// Seen counts the versions, delete markers and unfinished uploads read
	// so far.
	Seen int64
	// Complete is set once every page was read; a canceled or failed
	// report is partial.
	Complete bool
}

// Clone returns a deep copy, which a caller may keep while the report
// goes on.
func (r *Report) Clone() *Report {
	c := *r
	c.Folders = make(map[string]*Usage, len(r.Folders))
	for k, u := range r.Folders {
		v := *u
		c.Folders[k] = &v
	}
	return &c
}

// Subfolders returns the usage of each immediate subfolder (and of the
// files directly in the folder, with Prefix ""), largest first, then by
// name.
func (r *Report) Subfolders() []FolderUsage {
	out := make([]FolderUsage, 0, len(r.Folders))
	for _, k := range slices.Sorted(maps.Keys(r.Folders)) {
		out = append(out, FolderUsage{Prefix: k, Usage: *r.Folders[k]})
	}
	slices.SortStableFunc(out, func(a, b FolderUsage) int { return cmp.Compare(b.Bytes(), a.Bytes()) })
	return out
}

// folder returns the usage entry of the subfolder key falls in.
func (r *Report) folder(key string) *Usage {
	name := ""
	if i := strings.IndexByte(key[len(r.Prefix):], '/'); i >= 0 {
		name = key[:len(r.Prefix)+i+1]
	}
	u := r.Folders[name]
	if u == nil {
		u = &Usage{}
		r.Folders[name] = u
	}
	return u
}

// StorageReport adds up what a bucket, or the folder prefix in it ("" for
// the whole bucket; a missing trailing "/" is added), stores: current
// versions, older versions, hidden files and unfinished multipart uploads,
// in total and per immediate subfolder. It reads the version listing a page
// (1,000 entries, one billable class C call) at a time and adds each page
// up before reading the next, then the unfinished uploads, with one
// ListParts per upload for their bytes. After every page it calls progress
// (when not nil) with the report so far, on the calling goroutine; the
// report is valid only during the call (Clone keeps a copy). When ctx ends
// or a request fails it returns the partial report with the error.
// Empty-folder placeholders (.bzEmpty) are left out, as listings leave them
// out.
func (c *Client) StorageReport(ctx context.Context, bucket, prefix string, progress func(*Report)) (*Report, error) {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	r := &Report{Bucket: bucket, Prefix: prefix, Folders: make(map[string]*Usage)}
	src := func(ctx context.Context, from versionMark) (versionList, error) {
		return c.listVersions(ctx, "storage report", bucket, prefix, false, maxPage, from)
	}
	if err := r.addVersions(ctx, src, progress); err != nil {
		return r, err
	}
	err := c.eachUpload(ctx, "storage report", bucket, prefix, func(page []MultipartUpload) error {
		for _, u := range page {
			n, err := c.uploadBytes(ctx, bucket, u)
			if err != nil {
				return err
			}
			r.folder(u.Key).Unfinished.add(n)
			r.Total.Unfinished.add(n)
			r.Seen++
		}
		if progress != nil {
			progress(r)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	r.Complete = true
	if progress != nil {
		progress(r)
	}
	return r, nil
}

// versionSource reads one page of a version listing, from a mark.
type versionSource func(ctx context.Context, from versionMark) (versionList, error)

// addVersions reads every page of src and adds it up.
func (r *Report) addVersions(ctx context.Context, src versionSource, progress func(*Report)) error {
	var k keyState
	for from := (versionMark{}); ; {
		if err := ctx.Err(); err != nil {
			return wrapErr("storage report", r.Bucket, r.Prefix, err)
		}
		l, err := src(ctx, from)
		if err != nil {
			return err
		}
		for _, v := range l.versions {
			if isEmptyMarker(v.Key) {
				continue
			}
			r.Seen++
			first := k.next(v)
			f := r.folder(v.Key)
			for _, u := range [2]*Usage{&r.Total, f} {
				switch {
				case v.DeleteMarker:
					u.Markers++
					if first {
						u.Hidden.Count++
					}
				case k.hidden:
					u.Hidden.Bytes += v.Size
					u.HiddenVersions++
				case first:
					u.Current.add(v.Size)
				default:
					u.Older.add(v.Size)
				}
			}
		}
		if progress != nil {
			progress(r)
		}
		if !l.more {
			return nil
		}
		from = l.next
	}
}

// keyState follows a version listing key by key: entries come sorted by
// key, each key's newest first, and a key may go on over the next page.
type keyState struct {
	key    string
	hidden bool // the key's newest entry is a delete marker
	// above is when the entry before the current one (of the same key)
	// was stored: when the current entry stopped being the newest.
	above, last time.Time
}

// next moves to v and reports whether v is its key's first (newest) entry.
func (k *keyState) next(v Version) bool {
	if v.Key != k.key || k.key == "" {
		k.key, k.hidden, k.above, k.last = v.Key, v.DeleteMarker, time.Time{}, v.Modified
		return true
	}
	k.above, k.last = k.last, v.Modified
	return false
}
