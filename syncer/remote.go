package syncer

import (
	"context"
	"fmt"
	"strings"

	"github.com/haul-app/haul/store"
)

// Lister is what a comparison needs from B2; *store.Client has it. It must
// be safe for concurrent use: heads run on several goroutines at once.
type Lister interface {
	// List returns one page of a recursive listing, sorted by key.
	List(ctx context.Context, in store.ListInput) (store.Page, error)
	// Head describes one version of an object ("" = the current one),
	// metadata included.
	Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error)
}

// Remote is what a run needs from B2 besides the transfer queue: listing,
// and Delete, which hides a key behind a hide marker (recoverable).
type Remote interface {
	Lister
	Delete(ctx context.Context, bucket, key string) error
}

var _ Remote = (*store.Client)(nil)

// remoteObject is one file of the bucket folder.
type remoteObject struct {
	rel string
	obj store.Object
}

// remoteWalk pages through a recursive listing of the pair's folder, one
// billable call per 1,000 keys, holding one page at a time.
type remoteWalk struct {
	l       Lister
	in      store.ListInput
	folder  string
	filter  filter
	page    []store.Object
	i       int
	done    bool
	last    string
	skipped int
	listed  func() // counts each object for progress
}

func newRemoteWalk(l Lister, p Pair, f filter, listed func()) *remoteWalk {
	return &remoteWalk{
		l:      l,
		in:     store.ListInput{Bucket: p.Bucket, Prefix: p.folder(), Recursive: true},
		folder: p.folder(), filter: f, listed: listed,
	}
}

// next returns the next file, nil at the end.
func (w *remoteWalk) next(ctx context.Context) (*remoteObject, error) {
	for {
		for w.i < len(w.page) {
			o := w.page[w.i]
			w.i++
			w.listed()
			// Folders, and the zero-byte "folder/" markers of other tools,
			// are not files.
			if o.IsFolder || strings.HasSuffix(o.Key, "/") || !strings.HasPrefix(o.Key, w.folder) {
				continue
			}
			rel := o.Key[len(w.folder):]
			if rel <= w.last {
				// The merge with the local walk depends on the order.
				return nil, fmt.Errorf("list %s/%s: the listing is not sorted by name (%q after %q)", w.in.Bucket, w.folder, rel, w.last)
			}
			w.last = rel
			if !w.filter.keep(rel) {
				w.skipped++
				continue
			}
			return &remoteObject{rel: rel, obj: o}, nil
		}
		if w.done {
			return nil, nil
		}
		page, err := w.l.List(ctx, w.in)
		if err != nil {
			return nil, err
		}
		w.page, w.i = page.Objects, 0
		w.in.Token = page.Next
		w.done = page.Next == ""
	}
}
