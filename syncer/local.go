package syncer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
	"unicode"
)

// localFile is one entry of the local walk: a regular file, or a name that
// cannot take part (refused says why; for a folder that cannot be read, rel
// ends in "/" and stands for everything inside).
type localFile struct {
	rel     string
	size    int64
	mod     time.Time
	refused string
}

// localWalk lists a folder's files in the byte order of their relative
// names with "/" between names, the order of a bucket listing. That is not
// filepath.WalkDir's order: WalkDir visits folder "a" before file "a.txt",
// but "a.txt" < "a/x" because '.' < '/'. So each folder's entries are
// sorted with a folder's name followed by "/". Memory holds the entries of
// the folders on the current path only.
type localWalk struct {
	root   string
	filter filter
	stack  []*localDir
	// skipped counts files left out by the filter.
	skipped int
	started bool
	err     error // the root folder cannot be read
}

type localDir struct {
	rel     string // "" for the root, else "a/b/"
	entries []fs.DirEntry
	i       int
}

func newLocalWalk(root string, f filter) *localWalk {
	return &localWalk{root: root, filter: f}
}

// sortKey orders a folder's entries as their keys sort.
func sortKey(d fs.DirEntry) string {
	if d.IsDir() {
		return d.Name() + "/"
	}
	return d.Name()
}

// open reads a folder; a folder that cannot be read comes back as a
// refused entry.
func (w *localWalk) open(rel string) *localFile {
	entries, err := os.ReadDir(filepath.Join(w.root, filepath.FromSlash(rel)))
	if err != nil {
		if rel == "" && errors.Is(err, fs.ErrNotExist) {
			return nil // a folder yet to be downloaded into
		}
		return &localFile{rel: rel, refused: "the local folder cannot be read: " + errText(err)}
	}
	sort.Slice(entries, func(i, j int) bool { return sortKey(entries[i]) < sortKey(entries[j]) })
	w.stack = append(w.stack, &localDir{rel: rel, entries: entries})
	return nil
}

// next returns the next file, or nil at the end.
func (w *localWalk) next() *localFile {
	if !w.started {
		w.started = true
		if f := w.open(""); f != nil {
			w.err = errors.New(f.refused)
			return nil
		}
	}
	for len(w.stack) > 0 {
		d := w.stack[len(w.stack)-1]
		if d.i == len(d.entries) {
			w.stack = w.stack[:len(w.stack)-1]
			continue
		}
		e := d.entries[d.i]
		d.i++
		rel := d.rel + e.Name()
		if isOwnTemp(e.Name()) {
			continue
		}
		if e.IsDir() {
			if w.filter.prune(rel) {
				w.skipped++
				continue
			}
			if f := w.open(rel + "/"); f != nil {
				return f
			}
			continue
		}
		if !w.filter.keep(rel) {
			w.skipped++
			continue
		}
		f := &localFile{rel: rel}
		switch t := e.Type(); {
		case t&fs.ModeSymlink != 0:
			f.refused = "it is a symbolic link, which sync does not follow"
		case !t.IsRegular():
			f.refused = "it is not a regular file"
		default:
			fi, err := e.Info()
			if err != nil {
				f.refused = "the local file cannot be read: " + errText(err)
				break
			}
			f.size, f.mod = fi.Size(), fi.ModTime()
		}
		return f
	}
	return nil
}

// isOwnTemp reports files Haul writes beside others while it works: the
// transfer queue's partial downloads and this package's probes.
func isOwnTemp(name string) bool {
	return strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".haul-partial") || strings.HasPrefix(name, probePrefix))
}

// errText is the part of a path error that says why.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

const probePrefix = ".haul-probe-"

// disk is what probeDisk learned about the local folder's file system.
type disk struct {
	foldCase   bool          // names differing only by case are one file
	resolution time.Duration // the coarsest step of a stored modification time
}

// probeDisk finds out whether the local folder's file system ignores
// letter case and how finely it keeps modification times.
//
// Case: it looks up the folder itself (or its nearest existing parent)
// under its name with the case of every letter swapped, which reads but
// never writes. A name without letters says nothing, and the usual answer
// of the OS is kept (case-insensitive on macOS and Windows).
//
// Time: it creates an empty hidden file (".haul-probe-…"), sets its time
// to 1.123456789 s past a second, reads it back and removes it. FAT keeps
// 2 s steps, exFAT 10 ms, NTFS 100 ns, ext4 and APFS 1 ns. When the folder
// cannot be written (or does not exist yet), the resolution is taken to be
// 2 s, which is safe on any disk at the cost of missing a same-size change
// made within 2 s of the last sync.
func probeDisk(dir string) disk {
	d := disk{foldCase: runtime.GOOS == "darwin" || runtime.GOOS == "windows", resolution: 2 * time.Second}
	existing := filepath.Clean(dir)
	for {
		if _, err := os.Stat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return d
		}
		existing = parent
	}
	if fold, ok := probeCase(existing); ok {
		d.foldCase = fold
	}
	if existing == filepath.Clean(dir) {
		if r, ok := probeTime(existing); ok {
			d.resolution = r
		}
	}
	return d
}

func probeCase(dir string) (fold, ok bool) {
	for p := dir; ; p = filepath.Dir(p) {
		base := filepath.Base(p)
		swapped := swapCase(base)
		if swapped != base {
			fi, err := os.Stat(p)
			if err != nil {
				return false, false
			}
			other, err := os.Stat(filepath.Join(filepath.Dir(p), swapped))
			if errors.Is(err, fs.ErrNotExist) {
				return false, true
			}
			return err == nil && os.SameFile(fi, other), err == nil
		}
		if filepath.Dir(p) == p {
			return false, false
		}
	}
}

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if u := unicode.ToUpper(r); u != r {
			return u
		}
		return unicode.ToLower(r)
	}, s)
}

func probeTime(dir string) (time.Duration, bool) {
	f, err := os.CreateTemp(dir, probePrefix+"*")
	if err != nil {
		return 0, false
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	want := time.Unix(1_600_000_001, 123_456_789)
	if err := os.Chtimes(name, want, want); err != nil {
		return 0, false
	}
	fi, err := os.Stat(name)
	if err != nil {
		return 0, false
	}
	// Finer than a millisecond is as good as B2's milliseconds; exFAT
	// keeps 10 ms; anything coarser is treated as FAT's 2 s.
	switch diff := fi.ModTime().Sub(want).Abs(); {
	case diff < time.Millisecond:
		return time.Millisecond, true
	case diff < 10*time.Millisecond:
		return 10 * time.Millisecond, true
	}
	return 2 * time.Second, true
}
