package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/haul-app/haul/store"
)

// PlanUpload turns the files and folders a person dropped into upload
// requests, without uploading anything. Each file's key is prefix (a
// folder, "/" added if missing) plus its path relative to the dropped item's
// parent, with "/" between names: dropping /home/me/pics with prefix
// "backup/" gives "backup/pics/a.jpg". Each empty folder gets a .bzEmpty
// placeholder (an UploadRequest with Local ""), as B2's web console keeps
// them. Links to files are followed; links to folders are not, and are
// reported as skipped. Names B2 refuses (store.ValidateKey), files that
// cannot be opened, special files and names dropped twice are each reported
// in rejected, without stopping the rest. err is only for a prefix that is
// not a valid folder name. It reads the disk (a stat and an open per file)
// but never the network.
func PlanUpload(paths []string, bucket, prefix string) (reqs []UploadRequest, rejected []Rejected, err error) {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if prefix != "" {
		if err := store.ValidateKey(prefix + "x"); err != nil {
			return nil, nil, fmt.Errorf("upload to folder %q: %w", prefix, err)
		}
	}
	p := &planner{bucket: bucket, prefix: prefix, seen: make(map[string]bool)}
	for _, name := range paths {
		p.top(filepath.Clean(name))
	}
	return p.reqs, p.rejected, nil
}

type planner struct {
	bucket, prefix string
	seen           map[string]bool // keys planned
	reqs           []UploadRequest
	rejected       []Rejected
}

func (p *planner) reject(name, reason string) {
	p.rejected = append(p.rejected, Rejected{Name: name, Reason: reason})
}

// top plans one dropped item.
func (p *planner) top(name string) {
	fi, err := os.Lstat(name)
	if err != nil {
		p.reject(name, "cannot be read: "+errText(err))
		return
	}
	key := p.prefix + filepath.Base(name)
	if fi.Mode()&fs.ModeSymlink != 0 {
		p.link(name, key)
		return
	}
	if fi.IsDir() {
		p.folder(name)
		return
	}
	p.file(name, key, fi)
}

// link plans a symbolic link: its file, never its folder.
func (p *planner) link(name, key string) {
	fi, err := os.Stat(name)
	switch {
	case err != nil:
		p.reject(name, "is a link to something that cannot be read: "+errText(err))
	case fi.IsDir():
		p.reject(name, "skipped: it is a link to a folder, and links to folders are not followed")
	default:
		p.file(name, key, fi)
	}
}

// file plans one regular file after checking it can be opened.
func (p *planner) file(name, key string, fi fs.FileInfo) {
	if !fi.Mode().IsRegular() {
		p.reject(name, "is not a regular file")
		return
	}
	f, err := os.Open(name)
	if err != nil {
		p.reject(name, "cannot be read: "+errText(err))
		return
	}
	f.Close()
	p.add(name, key)
}

// add plans an upload of key after checking the name.
func (p *planner) add(local, key string) {
	name := local
	if name == "" {
		name = key
	}
	if err := store.ValidateKey(key); err != nil {
		p.reject(name, "B2 does not accept the name "+key+": "+err.Error())
		return
	}
	if p.seen[key] {
		p.reject(name, "another dropped item has the same name "+key)
		return
	}
	p.seen[key] = true
	p.reqs = append(p.reqs, UploadRequest{Local: local, Bucket: p.bucket, Key: key})
}

// folder plans a dropped folder and everything in it.
func (p *planner) folder(root string) {
	parent := filepath.Dir(root)
	empty := make(map[string]bool) // folders seen without entries so far
	var order []string
	_ = filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
		if name != root {
			delete(empty, filepath.Dir(name))
		}
		if err != nil {
			// A folder that cannot be listed is reported, not kept empty.
			delete(empty, name)
			p.reject(name, "cannot be read: "+errText(err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, rerr := filepath.Rel(parent, name)
		if rerr != nil {
			p.reject(name, "cannot be read: "+rerr.Error())
			return nil
		}
		key := p.prefix + filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			p.link(name, key)
		case d.IsDir():
			empty[name] = true
			order = append(order, name)
		default:
			fi, err := d.Info()
			if err != nil {
				p.reject(name, "cannot be read: "+errText(err))
				return nil
			}
			p.file(name, key, fi)
		}
		return nil
	})
	for _, dir := range order {
		if !empty[dir] {
			continue
		}
		rel, _ := filepath.Rel(parent, dir)
		p.add("", p.prefix+filepath.ToSlash(rel)+"/"+store.EmptyFolderMarker)
	}
}

// errText is the part of a path error that says why.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// PlanDownload lists what downloading prefix into the folder dest takes,
// without downloading anything. A prefix that is "" or ends in "/" is a
// folder; any other prefix is one key if it exists (one Head), else the
// folder of that name. Local paths follow the layout in the bucket relative
// to the folder's parent, so downloading "backup/pics/" into /home/me gives
// /home/me/pics/a.jpg, and a single key lands in dest under its own name.
// Each key is mapped with SafeLocalPath; keys it refuses, and keys whose
// local names collide (on Windows and macOS regardless of case), are
// reported in rejected. Empty folders are not recreated: store.List hides
// their .bzEmpty placeholders. Requests have Replace false and the listed
// Size. The folder is listed page by page, one billable call per 1,000 keys.
func PlanDownload(ctx context.Context, r Lister, bucket, prefix, dest string) ([]DownloadRequest, []Rejected, error) {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		info, err := r.Head(ctx, bucket, prefix, "")
		switch {
		case err == nil:
			local, lerr := SafeLocalPath(dest, path.Base(prefix))
			if lerr != nil {
				return nil, []Rejected{{Name: prefix, Reason: lerr.Error()}}, nil
			}
			return []DownloadRequest{{Bucket: bucket, Key: prefix, Local: local, Size: info.Size}}, nil, nil
		case errors.Is(err, store.ErrNotFound):
			prefix += "/"
		default:
			return nil, nil, err
		}
	}
	p := newFolderPlan(bucket, prefix, dest)
	in := store.ListInput{Bucket: bucket, Prefix: prefix, Recursive: true}
	for {
		page, err := r.List(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range page.Objects {
			if !o.IsFolder {
				p.add(o.Key, "", o.Size)
			}
		}
		if page.Next == "" {
			return p.reqs, p.rejected, nil
		}
		in.Token = page.Next
	}
}

// VersionLister is what PlanDownloadAt needs; *store.Client has it.
type VersionLister interface {
	Versions(ctx context.Context, in store.VersionsInput) (store.VersionPage, error)
}

var _ VersionLister = (*store.Client)(nil)

// PlanDownloadAt is PlanDownload of the folder prefix (ending in "/", or
// "" for the bucket) as it stood at the moment at: each file's newest
// version stored at or before at, files deleted by then left out, every
// request pinned to its version (VersionID) so that what arrives is the
// past, not today's files. It lists every version under prefix, one
// billable call per 1,000 versions.
func PlanDownloadAt(ctx context.Context, r VersionLister, bucket, prefix, dest string, at time.Time) ([]DownloadRequest, []Rejected, error) {
	if at.IsZero() {
		return nil, nil, errors.New("plan download: no moment given")
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	p := newFolderPlan(bucket, prefix, dest)
	state := store.NewFolderState(prefix, at)
	in := store.VersionsInput{Bucket: bucket, Prefix: prefix}
	for {
		page, err := r.Versions(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		seen := len(state.Entries())
		state.Add(page)
		for _, e := range state.Entries()[seen:] {
			p.add(e.Key, e.VersionID, e.Size)
		}
		if page.Next == "" {
			return p.reqs, p.rejected, nil
		}
		in.Token = page.Next
	}
}

// folderPlan gathers the requests of a folder download: local paths follow
// the layout under the folder's parent (base), each checked with
// SafeLocalPath and against collisions.
type folderPlan struct {
	bucket, base, dest string
	names              *localNameSet
	reqs               []DownloadRequest
	rejected           []Rejected
}

func newFolderPlan(bucket, prefix, dest string) *folderPlan {
	base := ""
	if i := strings.LastIndex(strings.TrimSuffix(prefix, "/"), "/"); i >= 0 {
		base = prefix[:i+1]
	}
	return &folderPlan{bucket: bucket, base: base, dest: dest, names: newLocalNames(dest)}
}

// add plans one file, or says why it is left out.
func (p *folderPlan) add(key, versionID string, size int64) {
	if strings.HasSuffix(key, "/") {
		return // folder markers of other tools
	}
	local, err := SafeLocalPath(p.dest, strings.TrimPrefix(key, p.base))
	if err == nil {
		err = p.names.claim(local, key)
	}
	if err != nil {
		p.rejected = append(p.rejected, Rejected{Name: key, Reason: err.Error()})
		return
	}
	p.reqs = append(p.reqs, DownloadRequest{Bucket: p.bucket, Key: key, VersionID: versionID, Local: local, Size: size})
}

// localNameSet finds local paths that two keys would share: the same file
// name (ignoring case where the file system usually does), or a file where
// another key needs a folder.
type localNameSet struct {
	root  string
	files map[string]string // folded path -> key
	dirs  map[string]string // folded path -> a key inside it
}

func newLocalNames(root string) *localNameSet {
	return &localNameSet{root: filepath.Clean(root), files: map[string]string{}, dirs: map[string]string{}}
}

func fold(p string) string {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return strings.ToLower(p)
	}
	return p
}

// claim records local as key's path, or says which key already has it.
func (s *localNameSet) claim(local, key string) error {
	f := fold(local)
	if other, ok := s.files[f]; ok {
		return fmt.Errorf("it would have the same local name as %s", other)
	}
	if other, ok := s.dirs[f]; ok {
		return fmt.Errorf("it would have the same local name as the folder of %s", other)
	}
	var parents []string
	for d := filepath.Dir(local); len(d) > len(s.root); d = filepath.Dir(d) {
		if other, ok := s.files[fold(d)]; ok {
			return fmt.Errorf("its folder would have the same local name as %s", other)
		}
		parents = append(parents, fold(d))
	}
	s.files[f] = key
	for _, d := range parents {
		if _, ok := s.dirs[d]; !ok {
			s.dirs[d] = key
		}
	}
	return nil
}
