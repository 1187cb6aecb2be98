package syncer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/haul-app/haul/store"
)

// The head cache spares a comparison most of its Head requests. S3
// listings carry no metadata, so every file of equal size on both sides
// costs a Head (one round trip, one class B call) to learn its
// src_last_modified_millis; a folder of 100,000 unchanged files would cost
// 100,000 of them on every run, minutes over a real line. A comparison
// that ends well writes what each Head said beside the pair, and the next
// one reuses it for every key whose listing entry (ETag, size and upload
// time to the millisecond) is unchanged: those name one version, and a
// version's metadata never changes.
//
// The file is JSON lines in the byte order of the names, which is the
// order a comparison meets them in, so it is read and written as a stream
// beside the two walks and memory does not grow with the folder. A file
// that is missing, unreadable or out of order only costs Heads.

// headRecord is what one Head said about one version.
type headRecord struct {
	Rel      string `json:"r"`
	ETag     string `json:"e"`
	Size     int64  `json:"s"`
	Listed   int64  `json:"l"` // the listing's LastModified, ms since 1970
	Version  string `json:"v,omitempty"`
	Modified int64  `json:"m,omitempty"` // src_last_modified_millis, 0 if none
	Uploaded int64  `json:"u"`           // Head's Last-Modified, ms
	SHA1     string `json:"h,omitempty"` // large_file_sha1
	SSE      string `json:"x,omitempty"`
	SSEC     bool   `json:"c,omitempty"`
}

// matches reports whether r describes the version a listing entry names.
func (r *headRecord) matches(o store.Object) bool {
	return r.ETag == o.ETag && r.Size == o.Size && r.Listed == o.Modified.UnixMilli()
}

// info is the ObjectInfo the Head would have returned, as far as a
// comparison uses it.
func (r *headRecord) info(key string) store.ObjectInfo {
	info := store.ObjectInfo{
		Object:    store.Object{Key: key, ETag: r.ETag, Size: r.Size, Modified: time.UnixMilli(r.Uploaded)},
		VersionID: r.Version, SSE: r.SSE, SSECustomer: r.SSEC,
	}
	if r.Modified > 0 || r.SHA1 != "" {
		info.Metadata = map[string]string{}
		if r.Modified > 0 {
			info.Metadata[store.MetaModified] = strconv.FormatInt(r.Modified, 10)
		}
		if r.SHA1 != "" {
			info.Metadata[metaSHA1] = r.SHA1
		}
	}
	return info
}

// recordOf keeps what a Head said about the version listed as o.
func recordOf(rel string, o store.Object, info store.ObjectInfo) headRecord {
	r := headRecord{
		Rel: rel, ETag: o.ETag, Size: o.Size, Listed: o.Modified.UnixMilli(),
		Version: info.VersionID, Uploaded: info.Modified.UnixMilli(),
		SHA1: info.Metadata[metaSHA1], SSE: info.SSE, SSEC: info.SSECustomer,
	}
	if ms, err := strconv.ParseInt(info.Metadata[store.MetaModified], 10, 64); err == nil && ms > 0 {
		r.Modified = ms
	}
	return r
}

// headCache reads the last comparison's records and writes this one's.
// Its methods run on the comparison's producing goroutine (lookup) and
// emitting goroutine (keep, finish), one each.
type headCache struct {
	path string
	in   *os.File
	sc   *bufio.Scanner
	next *headRecord // the first record not yet passed
	out  *os.File
	w    *bufio.Writer
	enc  *json.Encoder
	err  error // the first write error: the new file is then dropped
}

// openHeadCache opens the cache at path; a missing file is an empty one.
// Only a failure to create the new file is an error.
func openHeadCache(path string) (*headCache, error) {
	c := &headCache{path: path}
	if f, err := os.Open(path); err == nil { // else every file is headed
		c.in = f
		c.sc = bufio.NewScanner(f)
		c.sc.Buffer(make([]byte, 64<<10), 1<<20)
		c.advance()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		c.closeIn()
		return nil, err
	}
	out, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".new-*")
	if err != nil {
		c.closeIn()
		return nil, err
	}
	c.out, c.w = out, bufio.NewWriterSize(out, 64<<10)
	c.enc = json.NewEncoder(c.w)
	return c, nil
}

// advance reads the next record; a line that does not parse, or comes out
// of order, ends the reading.
func (c *headCache) advance() {
	prev := c.next
	c.next = nil
	if c.sc == nil || !c.sc.Scan() {
		return
	}
	var r headRecord
	if json.Unmarshal(c.sc.Bytes(), &r) != nil || prev != nil && r.Rel <= prev.Rel {
		c.sc = nil
		return
	}
	c.next = &r
}

// lookup returns what the last comparison learnt of the version listed as
// o under rel, or nil. Calls come in increasing order of rel.
func (c *headCache) lookup(rel string, o store.Object) *headRecord {
	for c.next != nil && c.next.Rel < rel {
		c.advance()
	}
	if c.next != nil && c.next.Rel == rel && c.next.matches(o) {
		return c.next
	}
	return nil
}

// keep writes a record of this comparison; calls come in increasing order
// of rel.
func (c *headCache) keep(r headRecord) {
	if c.err == nil {
		c.err = c.enc.Encode(r)
	}
}

// finish replaces the cache with this comparison's records when it ended
// well (ok), else drops them and keeps the old file.
func (c *headCache) finish(ok bool) error {
	c.closeIn()
	err := c.err
	if ferr := c.w.Flush(); err == nil {
		err = ferr
	}
	if cerr := c.out.Close(); err == nil {
		err = cerr
	}
	if !ok || err != nil {
		os.Remove(c.out.Name())
		return err
	}
	if err := os.Rename(c.out.Name(), c.path); err != nil {
		os.Remove(c.out.Name())
		return err
	}
	return nil
}

func (c *headCache) closeIn() {
	if c.in != nil {
		c.in.Close()
		c.in = nil
	}
}
