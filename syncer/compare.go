package syncer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/transfer"
)

// Compare lists the local folder and the bucket folder of p side by side
// and calls emit with one Item per name, in the byte order of the names,
// as soon as each is decided: the local walk and the bucket listing (a
// page of 1,000 keys at a time) are merged as they go, so the first items
// of a folder of 100,000 files come out long before the comparison ends,
// and memory does not grow with the folder. emit runs on the goroutine
// that called Compare, one item at a time; an error from it stops the
// comparison and is returned. Files that a one-way sync leaves alone at the
// destination are counted in Summary.Kept but not emitted.
//
// Files of different sizes are Changed without more ado. Files of equal
// size, and every file a download would fetch, cost one Head request each
// (a billable class B call; S3 listings carry no metadata), run on
// WithWorkers goroutines at once: it reads src_last_modified_millis, which
// Haul's uploads and B2's own tools store, and pins the version that a
// download then fetches. With WithHeadCache, a file whose listing entry is
// unchanged since the last comparison costs none. Without that metadata the upload time stands in
// for the modification time, compared to the second. Times are instants
// (milliseconds since 1970), so time zones play no part; they are equal
// within Pair.Tolerance (see there). With Pair.Checksum, files of equal
// size are compared by content instead: the MD5 that the ETag of an
// unencrypted single-part object is, or the SHA-1 in large_file_sha1 (Haul's
// and B2's tools' multipart uploads); the local file is hashed on a worker
// goroutine (see WithHashProgress). An object with neither is compared by
// time, as the item's reason says.
//
// Names are refused, with the reason, and never guessed: local names B2
// does not accept (store.ValidateKey), keys this OS cannot use as a local
// name unchanged (transfer.SafeLocalPath), symbolic links and special
// files, folders that cannot be read (and every key under them), and, when
// the local disk ignores case or Pair.FoldCase is set, names (or folders)
// differing only by case from a name met earlier: the first in byte order
// takes part, the later is refused. A refused name is neither copied nor
// removed on either side.
func Compare(ctx context.Context, p Pair, remote Lister, emit func(Item) error, opts ...Option) (Summary, error) {
	if err := p.Validate(); err != nil {
		return Summary{}, err
	}
	o := collect(opts)
	c, err := newComparer(p, remote, o)
	if err != nil {
		return Summary{}, err
	}
	if o.headCache != "" {
		// A cache that cannot be written only costs Heads.
		if hc, err := openHeadCache(o.headCache); err == nil {
			c.cache = hc
		}
	}
	sum, err := c.run(ctx, emit)
	if c.cache != nil {
		_ = c.cache.finish(err == nil)
	}
	return sum, err
}

type comparer struct {
	p      Pair
	remote Lister
	o      options
	tol    time.Duration
	fold   bool
	// folded maps a folded name (files, and folders ending in "/") to the
	// first name met with it; only when fold is set.
	folded map[string]string
	// blocked is a local folder ("a/b/") that cannot be read: keys under
	// it are refused.
	blocked string
	kept    Tally
	local   *localWalk
	rem     *remoteWalk
	cache   *headCache // nil without WithHeadCache
}

func newComparer(p Pair, remote Lister, o options) (*comparer, error) {
	fi, err := os.Stat(p.Local)
	switch {
	case err == nil && !fi.IsDir():
		return nil, fmt.Errorf("the local folder %s is a file", p.Local)
	case err != nil && (p.Direction.ToRemote() || !errors.Is(err, fs.ErrNotExist)):
		return nil, fmt.Errorf("local folder: %w", err)
	}
	d := probeDisk(p.Local)
	c := &comparer{p: p, remote: remote, o: o, tol: max(d.resolution, time.Millisecond), fold: d.foldCase || p.FoldCase}
	if p.Tolerance > 0 {
		c.tol = p.Tolerance
	}
	if c.fold {
		c.folded = make(map[string]string)
	}
	f := filter{include: p.Include, exclude: p.Exclude}
	c.local = newLocalWalk(p.Local, f)
	c.rem = newRemoteWalk(remote, p, f, func() { o.progress.RemoteFiles.Add(1) })
	return c, nil
}

// slot is one item on its way out: decided, or waiting for a worker to
// head or hash it (work non-nil, done closed when finished).
type slot struct {
	it   Item
	work func(ctx context.Context, s *slot)
	done chan struct{}
	// listed is the bucket's listing entry, cached what the last
	// comparison's Head said about that version (nil if unknown), and info
	// what this one learnt (set by head).
	listed *store.Object
	cached *headRecord
	info   *store.ObjectInfo
}

func (c *comparer) run(ctx context.Context, emit func(Item) error) (Summary, error) {
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := c.o.workers
	ordered := make(chan *slot, 4*workers+64)
	work := make(chan *slot, workers)
	var g errgroup.Group
	g.Go(func() error {
		defer close(ordered)
		defer close(work)
		return c.produce(inner, ordered, work)
	})
	for range workers {
		g.Go(func() error {
			for s := range work {
				if inner.Err() == nil {
					s.work(inner, s)
				}
				close(s.done)
			}
			return nil
		})
	}
	var sum Summary
	var emitErr error
	for s := range ordered {
		if s.done != nil {
			select {
			case <-s.done:
			case <-inner.Done():
			}
		}
		if inner.Err() != nil {
			break
		}
		if c.cache != nil && s.info != nil {
			c.cache.keep(recordOf(s.it.Rel, *s.listed, *s.info))
		}
		sum.count(s.it, c.p.Direction)
		c.o.progress.Compared.Add(1)
		if emitErr = emit(s.it); emitErr != nil {
			break
		}
	}
	cancel()
	perr := g.Wait()
	switch {
	case emitErr != nil:
		return sum, emitErr
	case ctx.Err() != nil:
		return sum, ctx.Err()
	case perr != nil:
		return sum, perr
	}
	sum.Kept = c.kept
	sum.Filtered = c.local.skipped + c.rem.skipped
	sum.Dest.Files += c.kept.Files
	sum.Dest.Bytes += c.kept.Bytes
	return sum, nil
}

// produce merges the two sorted walks and hands each name on in order.
func (c *comparer) produce(ctx context.Context, ordered, work chan<- *slot) error {
	l := c.nextLocal()
	r, err := c.rem.next(ctx)
	if err != nil {
		return err
	}
	for l != nil || r != nil {
		if c.local.err != nil {
			return c.local.err
		}
		var s *slot
		switch {
		case r == nil || l != nil && l.rel < r.rel:
			s = c.decide(l, nil)
			l = c.nextLocal()
		case l == nil || r.rel < l.rel:
			s = c.decide(nil, r)
			r, err = c.rem.next(ctx)
		default:
			s = c.decide(l, r)
			l = c.nextLocal()
			r, err = c.rem.next(ctx)
		}
		if s != nil {
			if s.work != nil {
				s.done = make(chan struct{})
			}
			select {
			case ordered <- s:
			case <-ctx.Done():
				return ctx.Err()
			}
			if s.work != nil {
				select {
				case work <- s:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return c.local.err
}

func (c *comparer) nextLocal() *localFile {
	f := c.local.next()
	if f != nil && !strings.HasSuffix(f.rel, "/") {
		c.o.progress.LocalFiles.Add(1)
	}
	return f
}

// decide fills in an item from what each side has, and says what is left
// for a worker. It returns nil for a destination file that a one-way sync
// keeps.
func (c *comparer) decide(l *localFile, r *remoteObject) *slot {
	d := c.p.Direction
	s := &slot{}
	it := &s.it
	if l != nil {
		it.Rel, it.HasLocal, it.LocalSize, it.LocalModified = l.rel, l.refused == "", l.size, l.mod
	}
	if r != nil {
		it.Rel, it.HasRemote, it.RemoteSize, it.RemoteModified = r.rel, true, r.obj.Size, r.obj.Modified
		it.RemoteUploadTime = true
		s.listed = &r.obj
		if c.cache != nil {
			s.cached = c.cache.lookup(r.rel, r.obj)
		}
	}
	why := c.refusal(it, l, r)
	// A destination file that a one-way sync leaves alone is counted, not
	// listed, even when its name could not be synced.
	if l != nil && r == nil && d == Download || l == nil && r != nil && d == Upload {
		if why == "" {
			c.kept.add(max(it.LocalSize, it.RemoteSize))
		}
		return nil
	}
	if why != "" {
		it.Action, it.Reason = Refused, why
		return s
	}
	switch {
	case l != nil && r != nil:
		if it.LocalSize != it.RemoteSize {
			it.Action, it.Bytes = Changed, c.sourceSize(it)
			it.Reason = fmt.Sprintf("sizes differ: %d bytes here, %d in the bucket", it.LocalSize, it.RemoteSize)
			if !d.ToRemote() {
				s.work = c.headOnly // pin the version and learn its time
			}
			return s
		}
		s.work = c.compareEqualSize
	case l != nil: // local only
		if d.ToRemote() {
			it.Action, it.Reason, it.Bytes = New, "not in the bucket", it.LocalSize
		} else {
			it.Action, it.Reason, it.Bytes = Remove, "not in the bucket; moved to the trash", it.LocalSize
		}
	default: // remote only
		if d.ToRemote() {
			it.Action, it.Reason, it.Bytes = Remove, "not in the local folder; hidden in the bucket (recoverable)", it.RemoteSize
		} else {
			it.Action, it.Reason, it.Bytes = New, "not in the local folder", it.RemoteSize
			s.work = c.headNew
		}
	}
	return s
}

func (c *comparer) sourceSize(it *Item) int64 {
	if c.p.Direction.ToRemote() {
		return it.LocalSize
	}
	return it.RemoteSize
}

// refusal says why a name cannot take part, or "".
func (c *comparer) refusal(it *Item, l *localFile, r *remoteObject) string {
	if l != nil && l.refused != "" {
		if strings.HasSuffix(l.rel, "/") {
			c.blocked = l.rel
		}
		return l.refused
	}
	if c.blocked != "" && strings.HasPrefix(it.Rel, c.blocked) {
		return "the local folder " + strings.TrimSuffix(c.blocked, "/") + " cannot be read"
	}
	if l != nil {
		if err := store.ValidateKey(c.p.Key(it.Rel)); err != nil {
			return "B2 does not accept the name: " + err.Error()
		}
	}
	if r != nil {
		want := c.p.LocalPath(it.Rel)
		got, err := transfer.SafeLocalPath(c.p.Local, it.Rel)
		switch {
		case err != nil:
			return "the name cannot be a local file name: " + err.Error()
		case got != want:
			return fmt.Sprintf("on this system the local name would have to change to %q", got[len(c.p.Local)+1:])
		}
	}
	if c.fold {
		if why := c.clash(it.Rel); why != "" {
			return why
		}
	}
	return ""
}

// clash records a name and its folders under their folded forms, and says
// which earlier name one of them differs from only by case.
func (c *comparer) clash(rel string) string {
	for i := 0; i < len(rel); i++ {
		if rel[i] != '/' {
			continue
		}
		dir := rel[:i+1]
		f := strings.ToLower(dir)
		if first, ok := c.folded[f]; !ok {
			c.folded[f] = dir
		} else if first != dir {
			return fmt.Sprintf("its folder %s differs only by letter case from %s, and the local disk does not tell them apart", strings.TrimSuffix(dir, "/"), strings.TrimSuffix(first, "/"))
		}
	}
	f := strings.ToLower(rel)
	if first, ok := c.folded[f]; ok && first != rel {
		return fmt.Sprintf("it differs only by letter case from %s, and the local disk does not tell them apart", first)
	}
	c.folded[f] = rel
	return ""
}

// head reads the bucket's copy: version, modification time, and what to
// check content against. A failure refuses the item.
func (c *comparer) head(ctx context.Context, s *slot) (store.ObjectInfo, bool) {
	it := &s.it
	var info store.ObjectInfo
	var err error
	if s.cached != nil {
		info = s.cached.info(c.p.Key(it.Rel))
		c.o.progress.CachedHeads.Add(1)
	} else {
		c.o.progress.Heads.Add(1)
		info, err = c.remote.Head(ctx, c.p.Bucket, c.p.Key(it.Rel), "")
	}
	if err != nil {
		it.Action, it.Bytes = Refused, 0
		if errors.Is(err, store.ErrNotFound) {
			it.Reason = "it was removed from the bucket while comparing; compare again"
		} else {
			it.Reason = "the bucket's copy cannot be read: " + err.Error()
		}
		return info, false
	}
	s.info = &info
	it.RemoteVersion = info.VersionID
	it.RemoteSize = info.Size
	if ms, err := strconv.ParseInt(info.Metadata[store.MetaModified], 10, 64); err == nil && ms > 0 {
		it.RemoteModified, it.RemoteUploadTime = time.UnixMilli(ms), false
	} else {
		// Listings may give milliseconds, HEAD gives seconds: seconds it is.
		it.RemoteModified, it.RemoteUploadTime = info.Modified.Truncate(time.Second), true
	}
	return info, true
}

// headOnly pins the version a changed file will be downloaded from.
func (c *comparer) headOnly(ctx context.Context, s *slot) {
	if _, ok := c.head(ctx, s); ok {
		s.it.Bytes = s.it.RemoteSize
	}
}

// headNew pins the version of a new download and makes sure nothing is in
// its way on disk: on a case-insensitive disk, a file whose name differs
// only by case; anywhere, a folder of the same name or a file where a
// folder is needed.
func (c *comparer) headNew(ctx context.Context, s *slot) {
	it := &s.it
	if _, err := os.Lstat(c.p.LocalPath(it.Rel)); !errors.Is(err, fs.ErrNotExist) {
		it.Action, it.Bytes = Refused, 0
		if err == nil {
			it.Reason = "something else is in its place on disk (a folder, or a name differing only by letter case)"
		} else {
			it.Reason = "its place on disk cannot be used: " + errText(err)
		}
		return
	}
	if _, ok := c.head(ctx, s); ok {
		it.Bytes = it.RemoteSize
	}
}

// compareEqualSize decides a file both sides have at the same size.
func (c *comparer) compareEqualSize(ctx context.Context, s *slot) {
	it := &s.it
	info, ok := c.head(ctx, s)
	if !ok {
		return
	}
	it.Bytes = c.sourceSize(it)
	if it.RemoteSize != it.LocalSize {
		it.Action = Changed
		it.Reason = fmt.Sprintf("sizes differ: %d bytes here, %d in the bucket", it.LocalSize, it.RemoteSize)
		return
	}
	note := ""
	if c.p.Checksum {
		if sum := sumOf(info); sum.name != "" {
			c.compareContent(ctx, it, sum)
			return
		}
		note = " (the bucket keeps no checksum of it, so it was compared by time)"
	}
	tol := c.tol
	if it.RemoteUploadTime {
		tol = max(tol, time.Second)
	}
	diff := it.LocalModified.Sub(it.RemoteModified)
	switch {
	case diff.Abs() <= tol:
		it.Action, it.Reason = Same, "same size and modification time"+note
	case diff > 0:
		it.Action, it.Reason = Changed, "the local file is newer by "+roundDuration(diff)+note
	default:
		it.Action, it.Reason = Changed, "the bucket's copy is newer by "+roundDuration(-diff)+note
	}
}

func roundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// compareContent hashes the local file and compares it with the sum the
// bucket keeps.
func (c *comparer) compareContent(ctx context.Context, it *Item, sum remoteSum) {
	got, err := hashFile(ctx, c.p.LocalPath(it.Rel), sum.newHash(), func(done int64) {
		c.o.progress.Hashed.Add(done)
	}, func(done, size int64) {
		if c.o.onHash != nil {
			c.o.onHash(it.Rel, done, size)
		}
	})
	switch {
	case err != nil:
		it.Action, it.Bytes = Refused, 0
		it.Reason = "the local file cannot be read: " + errText(err)
	case got == sum.want:
		it.Action, it.Reason = Same, "same content ("+sum.name+")"
	default:
		it.Action, it.Reason = Changed, "contents differ ("+sum.name+")"
	}
}
