package ui

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/haul-app/haul/store"
)

// sortColumn is what the folder table is ordered by.
type sortColumn int

const (
	sortName sortColumn = iota
	sortSize
	sortModified
)

// sortSpec is a column and a direction. Folders always come first.
type sortSpec struct {
	col  sortColumn
	desc bool
}

// folderModel accumulates one folder's listing as its pages arrive. Pages are
// appended in the server's order (UTF-8 byte order of names), which is the
// default display order, so the common case never sorts. It is safe for one
// writer and any number of snapshot readers.
type folderModel struct {
	mu      sync.Mutex
	prefix  string
	folders []store.Object // append-only
	files   []store.Object // append-only
	size    int64
	done    bool
}

func newFolderModel(prefix string) *folderModel { return &folderModel{prefix: prefix} }

// add appends one listing page.
func (m *folderModel) add(p store.Page, last bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range p.Objects {
		if o.IsFolder {
			m.folders = append(m.folders, o)
		} else {
			m.files = append(m.files, o)
			m.size += o.Size
		}
	}
	m.done = last
}

// folderView is an immutable snapshot of a folder for the table: the rows to
// show, in order, plus totals. Building one costs O(n) for a filter and
// O(n log n) for a non-default sort; the default order costs nothing.
type folderView struct {
	prefix  string
	folders []store.Object
	files   []store.Object
	order   []int32 // indexes into folders++files; nil means all, in natural order
	desc    bool    // natural order reversed within folders and files (name, descending)

	nFolders, nFiles int // totals of the whole folder, not just the filtered rows
	size             int64
	done             bool
	filter           string
	// onlyDeleted marks a folder that lists nothing but holds deleted
	// files (or folders of them): Show deleted would show them.
	onlyDeleted bool
}

// view snapshots the model, filtered by a case-insensitive substring of the
// name and sorted by spec. It may run on any goroutine.
func (m *folderModel) view(spec sortSpec, filter string) *folderView {
	m.mu.Lock()
	v := &folderView{
		prefix:   m.prefix,
		folders:  m.folders[:len(m.folders):len(m.folders)],
		files:    m.files[:len(m.files):len(m.files)],
		nFolders: len(m.folders),
		nFiles:   len(m.files),
		size:     m.size,
		done:     m.done,
		filter:   filter,
	}
	m.mu.Unlock()

	filter = strings.ToLower(strings.TrimSpace(filter))
	if filter == "" && spec.col == sortName {
		v.desc = spec.desc
		return v
	}
	total := len(v.folders) + len(v.files)
	order := make([]int32, 0, total)
	for i := range total {
		if filter == "" || strings.Contains(strings.ToLower(v.name(v.raw(i))), filter) {
			order = append(order, int32(i))
		}
	}
	nf := int32(len(v.folders))
	slices.SortStableFunc(order, func(a, b int32) int {
		if fa, fb := a < nf, b < nf; fa != fb {
			if fa {
				return -1
			}
			return 1
		}
		oa, ob := v.raw(int(a)), v.raw(int(b))
		var c int
		switch spec.col {
		case sortSize:
			c = cmp.Compare(oa.Size, ob.Size)
		case sortModified:
			c = oa.Modified.Compare(ob.Modified)
		}
		if c == 0 {
			c = cmp.Compare(a, b) // server order is name order
		}
		if spec.desc {
			c = -c
		}
		return c
	})
	v.order = order
	return v
}

// Len is the number of rows.
func (v *folderView) Len() int {
	if v == nil {
		return 0
	}
	if v.order != nil {
		return len(v.order)
	}
	return len(v.folders) + len(v.files)
}

// At is row i.
func (v *folderView) At(i int) store.Object {
	if v.order != nil {
		return v.raw(int(v.order[i]))
	}
	if v.desc {
		if i < len(v.folders) {
			return v.folders[len(v.folders)-1-i]
		}
		return v.files[len(v.files)-1-(i-len(v.folders))]
	}
	return v.raw(i)
}

func (v *folderView) raw(i int) store.Object {
	if i < len(v.folders) {
		return v.folders[i]
	}
	return v.files[i-len(v.folders)]
}

// name is an entry's name relative to the folder, without a trailing slash.
func (v *folderView) name(o store.Object) string {
	return strings.TrimSuffix(strings.TrimPrefix(o.Key, v.prefix), "/")
}

// index finds the row holding key, or -1.
func (v *folderView) index(key string) int {
	for i := range v.Len() {
		if v.At(i).Key == key {
			return i
		}
	}
	return -1
}

// subfolders lists the folder's subfolders, for the folder tree.
func (v *folderView) subfolders() []string {
	out := make([]string, len(v.folders))
	for i, f := range v.folders {
		out[i] = f.Key
	}
	return out
}
