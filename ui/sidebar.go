package ui

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
)

// treePages caps how many listing pages the tree reads to find a folder's
// subfolders: a folder of a million files would otherwise cost a thousand
// calls just to draw a branch. Opening the folder lists it completely.
const treePages = 5

// sidebar holds the bucket list and the folder tree of the chosen bucket.
type sidebar struct {
	remote  bucketLister
	buckets []store.Bucket
	bucket  string
	// children maps a folder prefix ("" for the root) to its subfolders;
	// a missing entry means not loaded yet. complete marks the folders
	// whose subfolders are all known.
	children map[string][]string
	complete map[string]bool
	loading  map[string]bool
	// browsing is the folder the browser is listing; its pages feed the
	// tree, so the tree does not list it a second time.
	browsing string
	listGen  int // bumped per account; stale bucket lists are dropped
	treeGen  int // bumped per bucket; stale tree listings are dropped

	onOpen func(Location)
	// onNoBuckets is told that the account has no bucket at all.
	onNoBuckets func()
	// bucketActions holds the new, visibility and delete buttons, wired by
	// the window.
	bucketActions *fyne.Container

	list       *keyList
	tree       *keyTree
	message    *widget.Label
	nameEntry  *widget.Entry
	nameBox    *fyne.Container
	content    fyne.CanvasObject
	suppressed bool // selection changes made by code, not by the person
}

func newSidebar() *sidebar {
	s := &sidebar{children: map[string][]string{}, complete: map[string]bool{}, loading: map[string]bool{}}
	s.list = newKeyList(
		func() int { return len(s.buckets) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("bucket-name")
			name.Truncation = fyne.TextTruncateEllipsis
			name.TextStyle = fyne.TextStyle{Bold: true}
			info := widget.NewLabel("public · created")
			info.SizeName = theme.SizeNameCaptionText
			return container.NewBorder(nil, nil, widget.NewIcon(theme.StorageIcon()), nil,
				container.NewVBox(name, info))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			b := s.buckets[i]
			border := o.(*fyne.Container)
			box := border.Objects[0].(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(b.Name)
			info := b.Visibility.String()
			if !b.Created.IsZero() {
				info += " · created " + humanize.Time(b.Created)
			}
			box.Objects[1].(*widget.Label).SetText(info)
		})
	s.list.OnSelected = func(i widget.ListItemID) {
		if s.suppressed || i >= len(s.buckets) {
			return
		}
		s.onOpen(Location{Bucket: s.buckets[i].Name})
	}
	s.tree = newKeyTree(
		func(uid widget.TreeNodeID) []widget.TreeNodeID { return s.children[uid] },
		func(uid widget.TreeNodeID) bool { return true },
		func(branch bool) fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.FolderIcon()), widget.NewLabel("folder"))
		},
		func(uid widget.TreeNodeID, branch bool, o fyne.CanvasObject) {
			name := strings.TrimSuffix(uid, "/")
			if i := strings.LastIndex(name, "/"); i >= 0 {
				name = name[i+1:]
			}
			o.(*fyne.Container).Objects[1].(*widget.Label).SetText(name)
		})
	s.tree.OnBranchOpened = func(uid widget.TreeNodeID) { s.loadAsync(uid) }
	s.tree.OnSelected = func(uid widget.TreeNodeID) {
		if !s.suppressed && s.bucket != "" {
			s.onOpen(Location{Bucket: s.bucket, Prefix: uid})
		}
	}
	s.message = widget.NewLabel("")
	s.message.Wrapping = fyne.TextWrapWord
	s.message.Hide()
	s.nameEntry = widget.NewEntry()
	s.nameEntry.SetPlaceHolder("bucket name")
	s.nameEntry.OnSubmitted = func(name string) {
		if name = strings.TrimSpace(name); name != "" {
			s.onOpen(Location{Bucket: name})
		}
	}
	s.nameBox = container.NewVBox(widget.NewLabel("Open a bucket by name:"), s.nameEntry)
	s.nameBox.Hide()
	s.bucketActions = container.NewHBox()
	bucketsPane := container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, widget.NewLabelWithStyle("Buckets", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), s.bucketActions),
			s.message, s.nameBox),
		nil, nil, nil, s.list)
	treePane := container.NewBorder(
		widget.NewLabelWithStyle("Folders", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, s.tree)
	split := container.NewVSplit(bucketsPane, treePane)
	split.Offset = 0.4
	s.content = split
	return s
}

// setRemote forgets the old account's buckets and lists the new one's.
func (s *sidebar) setRemote(r bucketLister, restricted string) {
	s.remote = r
	s.listGen++
	s.buckets = nil
	s.list.UnselectAll()
	s.list.Refresh()
	s.setBucket("")
	s.message.Hide()
	s.nameBox.Hide()
	if r == nil {
		return
	}
	s.listBucketsAsync(restricted)
}

// listBucketsAsync lists buckets. A key limited to one bucket shows that
// bucket; a key that may not list buckets lets the person type a name.
func (s *sidebar) listBucketsAsync(restricted string) {
	r, gen := s.remote, s.listGen
	s.message.SetText("Loading buckets…")
	s.message.Show()
	go func() {
		ctx := context.Background()
		var buckets []store.Bucket
		var err error
		if restricted != "" {
			var b store.Bucket
			b, err = r.Bucket(ctx, restricted)
			buckets = []store.Bucket{b}
		} else {
			buckets, err = r.Buckets(ctx)
		}
		msg := ""
		if err != nil {
			slog.Warn("list buckets failed", "err", err)
			msg = Sentence(err)
		}
		do(func() {
			if s.listGen != gen {
				return
			}
			s.buckets = buckets
			if err != nil {
				s.buckets = nil
			}
			s.list.Refresh()
			s.message.Hide()
			switch {
			case err != nil:
				s.message.SetText(msg)
				s.message.Show()
				s.nameBox.Show()
			case len(buckets) == 0:
				s.message.SetText("No buckets yet: make one with + above.")
				s.message.Show()
				if s.onNoBuckets != nil {
					s.onNoBuckets()
				}
			}
			s.markBucket(s.bucket)
		})
	}()
}

// setBucket shows the folder tree of bucket.
func (s *sidebar) setBucket(bucket string) {
	if bucket == s.bucket {
		return
	}
	s.bucket = bucket
	s.treeGen++
	clear(s.children)
	clear(s.complete)
	clear(s.loading)
	s.tree.CloseAllBranches()
	s.tree.Refresh()
	s.markBucket(bucket)
}

func (s *sidebar) markBucket(bucket string) {
	s.suppressed = true
	defer func() { s.suppressed = false }()
	i := slices.IndexFunc(s.buckets, func(b store.Bucket) bool { return b.Name == bucket })
	if i >= 0 {
		s.list.Select(i)
	} else {
		s.list.UnselectAll()
	}
}

// reveal opens the tree down to a folder the browser is about to list, and
// selects it.
func (s *sidebar) reveal(loc Location) {
	s.setBucket(loc.Bucket)
	s.browsing = loc.Prefix
	if loc.Prefix != "" {
		s.loadAsync("")
	}
	s.suppressed = true
	defer func() { s.suppressed = false }()
	if loc.Prefix == "" {
		s.tree.UnselectAll()
		return
	}
	for _, c := range loc.Crumbs()[1:] {
		if c.Loc.Prefix != loc.Prefix {
			s.tree.OpenBranch(c.Loc.Prefix)
		}
	}
	s.tree.Select(loc.Prefix)
	s.tree.ScrollTo(loc.Prefix)
}

// setChildren records a folder's subfolders as the browser lists it: some
// while pages arrive, all once done is true.
func (s *sidebar) setChildren(bucket, prefix string, sub []string, done bool) {
	// A whole listing replaces what the tree knew (a refresh after a new
	// folder or a move); a partial one only fills a folder not yet known.
	if bucket != s.bucket || s.complete[prefix] && (!done || slices.Equal(s.children[prefix], sub)) {
		return
	}
	s.children[prefix] = sub
	s.complete[prefix] = done
	s.tree.Refresh()
}

// loadAsync lists up to treePages pages of a folder to find its subfolders.
func (s *sidebar) loadAsync(prefix string) {
	if s.complete[prefix] || s.loading[prefix] || s.browsing == prefix || s.remote == nil {
		return
	}
	s.loading[prefix] = true
	r, bucket, gen := s.remote, s.bucket, s.treeGen
	go func() {
		var sub []string
		token := ""
		for range treePages {
			page, err := r.List(context.Background(), store.ListInput{Bucket: bucket, Prefix: prefix, Token: token})
			if err != nil {
				slog.Warn("folder tree listing failed", "bucket", bucket, "prefix", prefix, "err", err)
				break
			}
			for _, o := range page.Objects {
				if o.IsFolder {
					sub = append(sub, o.Key)
				}
			}
			if token = page.Next; token == "" {
				break
			}
		}
		do(func() {
			if s.treeGen != gen {
				return
			}
			delete(s.loading, prefix)
			if !s.complete[prefix] {
				s.children[prefix] = sub
				s.complete[prefix] = true
			}
			s.tree.Refresh()
		})
	}()
}

// visibility is what the bucket list knows of a bucket's visibility.
func (s *sidebar) visibility(bucket string) store.Visibility {
	for _, b := range s.buckets {
		if b.Name == bucket {
			return b.Visibility
		}
	}
	return store.VisibilityUnknown
}

// bucketLister is what the bucket list and the folder tree need.
type bucketLister interface {
	// Buckets lists the account's buckets.
	Buckets(ctx context.Context) ([]store.Bucket, error)
	// Bucket describes one bucket, for a key that may not list them all.
	Bucket(ctx context.Context, name string) (store.Bucket, error)
	// List returns one page of a folder (the tree's subfolders).
	List(ctx context.Context, in store.ListInput) (store.Page, error)
}

// addBucketAction puts a button above the bucket list.
func (s *sidebar) addBucketAction(btn fyne.CanvasObject) { s.bucketActions.Add(btn) }

// bucketCount is how many buckets the account has, as last listed.
func (s *sidebar) bucketCount() int { return len(s.buckets) }
