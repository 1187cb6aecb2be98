package syncer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSyncUp runs upload and mirror up, in checksum mode, on a tree with
// new, changed (time, size, content of the same size and time), identical,
// removed and refused names: the run does what the preview showed, a
// second comparison finds nothing, and the mirror's removal is a hide
// marker that can be undeleted.
func TestSyncUp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	base := time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC)
	for _, d := range []Direction{Upload, MirrorUp} {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			prefix := d.String() + "/"
			writeFile(t, dir, "new.txt", "new file", base)
			writeFile(t, dir, "same.txt", "same body", base)
			writeFile(t, dir, "sub/deep/same2.txt", "same too", base)
			writeFile(t, dir, "time.txt", "time body", base)
			writeFile(t, dir, "size.txt", "a longer body", base)
			writeFile(t, dir, "content.txt", "AAAA", base)
			writeFile(t, dir, `back\slash.txt`, "B2 refuses the name", base)
			e.put(t, prefix+"same.txt", "same body", base)
			e.put(t, prefix+"sub/deep/same2.txt", "same too", base)
			e.put(t, prefix+"time.txt", "time body", base.Add(-time.Hour))
			e.put(t, prefix+"size.txt", "short", base)
			e.put(t, prefix+"content.txt", "BBBB", base)
			e.put(t, prefix+"gone.txt", "only in the bucket", base)

			// By time first: content.txt has the same size and time.
			p := Pair{Local: dir, Bucket: e.bucket, Prefix: d.String(), Direction: d}
			want := map[string]Action{
				"new.txt": New, "same.txt": Same, "sub/deep/same2.txt": Same, "time.txt": Changed,
				"size.txt": Changed, "content.txt": Same, `back\slash.txt`: Refused,
			}
			if d == MirrorUp {
				want["gone.txt"] = Remove
			}
			preview, res := runAndCheck(t, e, p)
			wantActions(t, preview, want)
			if res.Copied.Files != 3 {
				t.Errorf("copied %d files, want 3", res.Copied.Files)
			}
			// Then by content, which finds it.
			p.Checksum = true
			preview, res = runAndCheck(t, e, p)
			for rel := range want {
				want[rel] = Same
			}
			want["content.txt"], want[`back\slash.txt`] = Changed, Refused
			delete(want, "gone.txt")
			wantActions(t, preview, want)
			if res.Copied.Files != 1 || !strings.Contains(preview["content.txt"].Reason, "MD5") {
				t.Errorf("copied %d files, want 1; content.txt: %s", res.Copied.Files, preview["content.txt"].Reason)
			}
			for _, rel := range []string{"new.txt", "time.txt", "size.txt", "content.txt"} {
				local, _ := os.ReadFile(filepath.Join(dir, rel))
				if got, _ := e.get(t, prefix+rel); got != string(local) {
					t.Errorf("%s in the bucket: %q, want %q", rel, got, local)
				}
			}
			_, visible := e.get(t, prefix+"gone.txt")
			if visible != (d == Upload) {
				t.Errorf("gone.txt visible = %v after %v", visible, d)
			}
			if d == MirrorUp {
				if n, err := e.c.Undelete(ctx, e.bucket, prefix+"gone.txt"); err != nil || n != 1 {
					t.Fatalf("Undelete: %d, %v", n, err)
				}
				if got, _ := e.get(t, prefix+"gone.txt"); got != "only in the bucket" {
					t.Errorf("undeleted gone.txt = %q", got)
				}
			}
		})
	}
}

// TestSyncDown runs download and mirror down on a tree with new (with and
// without src_last_modified_millis), changed, identical, removed, refused
// and case-clashing names: the run does what the preview showed, a second
// comparison finds nothing, and the mirror's removal went to the trash.
func TestSyncDown(t *testing.T) {
	e := newEnv(t)
	base := time.Date(2023, 11, 5, 1, 30, 0, 456_000_000, time.UTC)
	for _, d := range []Direction{Download, MirrorDown} {
		t.Run(d.String(), func(t *testing.T) {
			data := t.TempDir()
			t.Setenv("XDG_DATA_HOME", data)
			dir := filepath.Join(t.TempDir(), "Sync")
			prefix := d.String() + "/"
			e.put(t, prefix+"new.txt", "new file", base)
			e.put(t, prefix+"no-meta/new.txt", "uploaded without a time", time.Time{})
			e.put(t, prefix+"same.txt", "same body", base)
			e.put(t, prefix+"time.txt", "time body", base)
			e.put(t, prefix+"size.txt", "a longer body", base)
			e.put(t, prefix+"content.txt", "BBBB", base)
			e.put(t, prefix+"drive/C:", "not a local name", base)
			e.put(t, prefix+"case/A.txt", "upper", base)
			e.put(t, prefix+"case/a.txt", "lower", base)
			writeFile(t, dir, "same.txt", "same body", base)
			writeFile(t, dir, "time.txt", "time body", base.Add(time.Hour))
			writeFile(t, dir, "size.txt", "short", base)
			writeFile(t, dir, "content.txt", "AAAA", base)
			writeFile(t, dir, "only-local.txt", "only on disk", base)

			p := Pair{Local: dir, Bucket: e.bucket, Prefix: prefix, Direction: d, FoldCase: true}
			want := map[string]Action{
				"new.txt": New, "no-meta/new.txt": New, "same.txt": Same, "time.txt": Changed,
				"size.txt": Changed, "content.txt": Same, "drive/C:": Refused,
				"case/A.txt": New, "case/a.txt": Refused,
			}
			if d == MirrorDown {
				want["only-local.txt"] = Remove
			}
			preview, res := runAndCheck(t, e, p)
			wantActions(t, preview, want)
			if res.Copied.Files != 5 {
				t.Errorf("copied %d files, want 5", res.Copied.Files)
			}
			p.Checksum = true
			second, res := runAndCheck(t, e, p)
			for rel, a := range want {
				if a != Refused {
					want[rel] = Same
				}
			}
			want["content.txt"] = Changed
			delete(want, "only-local.txt")
			wantActions(t, second, want)
			if res.Copied.Files != 1 {
				t.Errorf("copied %d files by content, want 1", res.Copied.Files)
			}
			for _, rel := range []string{"new.txt", "no-meta/new.txt", "time.txt", "size.txt", "content.txt", "case/A.txt"} {
				local, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
				if got, _ := e.get(t, prefix+rel); err != nil || got != string(local) {
					t.Errorf("%s on disk: %q (%v), want %q", rel, local, err, got)
				}
			}
			fi, err := os.Stat(filepath.Join(dir, "new.txt"))
			if err != nil || !fi.ModTime().Equal(base) {
				t.Errorf("new.txt modified %v (%v), want %v", fi.ModTime(), err, base)
			}
			it := preview["no-meta/new.txt"]
			fi, err = os.Stat(filepath.Join(dir, "no-meta", "new.txt"))
			if err != nil || !it.RemoteUploadTime || !fi.ModTime().Equal(it.RemoteModified) {
				t.Errorf("no-meta/new.txt modified %v (%v), want the upload time %v", fi.ModTime(), err, it.RemoteModified)
			}
			_, err = os.Stat(filepath.Join(dir, "only-local.txt"))
			if kept := err == nil; kept != (d == Download) {
				t.Errorf("only-local.txt still there = %v after %v", kept, d)
			}
			if d == MirrorDown {
				trashed, err := os.ReadFile(filepath.Join(data, "Trash", "files", "only-local.txt"))
				if err != nil || string(trashed) != "only on disk" {
					t.Errorf("only-local.txt in the trash: %q, %v", trashed, err)
				}
				info, err := os.ReadFile(filepath.Join(data, "Trash", "info", "only-local.txt.trashinfo"))
				if err != nil || !strings.Contains(string(info), "Path="+escapePath(filepath.Join(dir, "only-local.txt"))) {
					t.Errorf("trashinfo: %q, %v", info, err)
				}
			}
		})
	}
}

// TestSyncTooManyRemovals: a mirror that would hide more than its share of
// the bucket stops before hiding anything, says so with a
// *TooManyRemovalsError, and hides them once the removals are confirmed.
func TestSyncTooManyRemovals(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	writeFile(t, dir, "kept.txt", "kept", base)
	e.put(t, "m/kept.txt", "kept", base)
	for _, k := range []string{"a", "b", "c"} {
		e.put(t, "m/"+k, k, base)
	}
	p := Pair{Local: dir, Bucket: e.bucket, Prefix: "m/", Direction: MirrorUp}
	res, err := Run(context.Background(), p, e.c, e.q)
	var tooMany *TooManyRemovalsError
	if !errors.As(err, &tooMany) || tooMany.Remove.Files != 3 || tooMany.Dest.Files != 4 {
		t.Fatalf("Run: %v (%+v), want 3 of 4 removals refused", err, tooMany)
	}
	t.Log(err)
	if len(res.Pending) != 3 || res.Removed.Files != 0 {
		t.Errorf("pending %d, removed %d", len(res.Pending), res.Removed.Files)
	}
	if _, ok := e.get(t, "m/a"); !ok {
		t.Error("m/a was hidden before the removals were confirmed")
	}
	rr, err := RemoveItems(context.Background(), p, e.c, res.Pending)
	if err != nil || rr.Removed.Files != 3 || len(rr.Failed) != 0 {
		t.Fatalf("RemoveItems: %+v, %v", rr, err)
	}
	if _, ok := e.get(t, "m/a"); ok {
		t.Error("m/a is still visible")
	}
	if _, err := e.c.Head(context.Background(), e.bucket, "m/kept.txt", ""); err != nil {
		t.Errorf("kept.txt: %v", err)
	}
}

// TestSyncChecksumMultipart: a multipart upload is compared by the
// large_file_sha1 that the queue stored, so a changed byte in a file of
// the same size and time is found only in checksum mode.
func TestSyncChecksumMultipart(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	base := time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)
	big := strings.Repeat("0123456789abcdef", 11<<16) // 11 MiB: three parts
	writeFile(t, dir, "big.bin", big, base)
	p := Pair{Local: dir, Bucket: e.bucket, Prefix: "mp", Direction: MirrorUp}
	runAndCheck(t, e, p)
	writeFile(t, dir, "big.bin", "X"+big[1:], base)
	items, _, _ := compareAll(t, p, e.c)
	if a := items["big.bin"].Action; a != Same {
		t.Errorf("by time: %v, want same", a)
	}
	p.Checksum = true
	var hashed int64
	items, res := runAndCheck(t, e, p, WithHashProgress(func(rel string, done, size int64) {
		if rel == "big.bin" && done == size {
			hashed += size
		}
	}))
	if it := items["big.bin"]; it.Action != Changed || !strings.Contains(it.Reason, "SHA-1") {
		t.Errorf("by content: %v (%s), want changed by SHA-1", it.Action, it.Reason)
	}
	if res.Copied.Files != 1 || hashed < int64(len(big)) {
		t.Errorf("copied %d, hashed %d", res.Copied.Files, hashed)
	}
	if got, _ := e.get(t, "mp/big.bin"); got[:1] != "X" {
		t.Error("the bucket still has the old content")
	}
}
