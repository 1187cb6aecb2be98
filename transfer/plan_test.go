package transfer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
)

// TestPlanUpload plans a dropped folder and files: keys relative to the
// dropped items' parent, placeholders for empty folders, links to files
// followed, links to folders skipped, and bad names reported.
func TestPlanUpload(t *testing.T) {
	base := t.TempDir()
	pics := filepath.Join(base, "pics")
	write := func(rel string) {
		writeRandom(t, filepath.Join(base, filepath.FromSlash(rel)), 10, 1)
	}
	write("pics/a.jpg")
	write("pics/2024/b c+d.jpg")
	write("pics/2024/ünï.jpg")
	write(`pics/back\slash.jpg`)
	write("pics/tab\there.jpg")
	write("outside.txt")
	write("single.txt")
	for _, d := range []string{"pics/empty", "pics/deep/er/empty", "elsewhere"} {
		if err := os.MkdirAll(filepath.Join(base, filepath.FromSlash(d)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.Symlink(filepath.Join(base, "outside.txt"), filepath.Join(pics, "link-to-file")))
	must(t, os.Symlink(filepath.Join(base, "elsewhere"), filepath.Join(pics, "link-to-folder")))
	must(t, os.Symlink(filepath.Join(base, "missing"), filepath.Join(pics, "broken-link")))
	fifo := mkfifo(t, filepath.Join(pics, "fifo"))
	unreadable := filepath.Join(pics, "unreadable.txt")
	write("pics/unreadable.txt")
	must(t, os.Chmod(unreadable, 0))
	asRoot := os.Geteuid() == 0 // root reads files whatever their mode

	single := filepath.Join(base, "single.txt")
	reqs, rejected, err := PlanUpload([]string{pics, single, single, filepath.Join(base, "nope")}, "bkt", "up")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range reqs {
		if r.Bucket != "bkt" {
			t.Errorf("%s: bucket %q", r.Key, r.Bucket)
		}
		keys = append(keys, r.Key)
		if strings.HasSuffix(r.Key, store.EmptyFolderMarker) != (r.Local == "") {
			t.Errorf("%s: local %q", r.Key, r.Local)
		}
	}
	want := []string{
		"up/pics/2024/b c+d.jpg", "up/pics/2024/ünï.jpg", "up/pics/a.jpg",
		"up/pics/deep/er/empty/.bzEmpty", "up/pics/empty/.bzEmpty", "up/pics/link-to-file",
		"up/single.txt",
	}
	if asRoot {
		want = append(want, "up/pics/unreadable.txt")
	}
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("planned keys:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	reasons := map[string]string{}
	for _, r := range rejected {
		reasons[filepath.Base(r.Name)] = r.Reason
	}
	wantRejected := map[string]string{
		`back\slash.jpg`: "backslash", "tab\there.jpg": "control character", "link-to-folder": "skipped",
		"broken-link": "cannot be read", "fifo": "not a regular file", "single.txt": "same name",
		"nope": "cannot be read",
	}
	if !asRoot {
		wantRejected["unreadable.txt"] = "permission denied"
	}
	if !fifo {
		delete(wantRejected, "fifo")
	}
	for name, reason := range wantRejected {
		if !strings.Contains(reasons[name], reason) {
			t.Errorf("%q: rejected with %q, want a reason mentioning %q", name, reasons[name], reason)
		}
	}
	if len(rejected) != len(wantRejected) {
		t.Errorf("rejected %d, want %d: %+v", len(rejected), len(wantRejected), rejected)
	}
	if _, _, err := PlanUpload([]string{single}, "bkt", "bad//prefix"); err == nil {
		t.Error("a prefix with // was accepted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestFolderRoundTrip uploads a tree of 300 files and an empty folder with
// PlanUpload and downloads it back with PlanDownload, byte for byte.
func TestFolderRoundTrip(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	src := filepath.Join(t.TempDir(), "tree")
	sums := map[string]string{}
	for i := range 300 {
		rel := fmt.Sprintf("d%d/sub %d/f+%03d ü.bin", i%5, i%7, i)
		sums[rel] = writeRandom(t, filepath.Join(src, filepath.FromSlash(rel)), int64(i*97%20000), uint64(i))
	}
	must(t, os.MkdirAll(filepath.Join(src, "empty"), 0o755))
	reqs, rejected, err := PlanUpload([]string{src}, e.bucket, "backup/")
	if err != nil || len(rejected) != 0 || len(reqs) != 301 {
		t.Fatalf("PlanUpload: %d requests, rejected %v, err %v", len(reqs), rejected, err)
	}
	ids := make([]JobID, len(reqs))
	for i, r := range reqs {
		if ids[i], err = q.AddUpload(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		waitDone(t, q, id)
	}
	ctx := context.Background()
	if _, err := e.c.Head(ctx, e.bucket, "backup/tree/empty/"+store.EmptyFolderMarker, ""); err != nil {
		t.Errorf("no placeholder for the empty folder: %v", err)
	}

	dest := t.TempDir()
	downs, rejected, err := PlanDownload(ctx, e.c, e.bucket, "backup/tree", dest)
	if err != nil || len(rejected) != 0 || len(downs) != 300 {
		t.Fatalf("PlanDownload: %d requests, rejected %v, err %v", len(downs), rejected, err)
	}
	ids = ids[:0]
	for _, r := range downs {
		id, err := q.AddDownload(r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		waitDone(t, q, id)
	}
	for rel, sum := range sums {
		if got := fileSHA256(t, filepath.Join(dest, "tree", filepath.FromSlash(rel))); got != sum {
			t.Errorf("%s: SHA-256 %s, want %s", rel, got, sum)
		}
	}
	one, _, err := PlanDownload(ctx, e.c, e.bucket, "backup/tree/d0/sub 0/f+000 ü.bin", dest)
	if err != nil || len(one) != 1 || one[0].Local != filepath.Join(dest, "f+000 ü.bin") {
		t.Errorf("PlanDownload of one key: %+v, %v", one, err)
	}
}

// TestLocalNameCollisions reports keys that would share a local path.
func TestLocalNameCollisions(t *testing.T) {
	root := t.TempDir()
	s := newLocalNames(root)
	claim := func(key string) error { return s.claim(filepath.Join(root, filepath.FromSlash(key)), key) }
	for _, ok := range []string{"a/b", "a/c", "x"} {
		if err := claim(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"a/b", "a", "x/y"} {
		if err := claim(bad); err == nil {
			t.Errorf("%s collides but was accepted", bad)
		}
	}
}

// TestPlanDownloadAtMoment downloads a folder as it stood at a past moment:
// old contents, files deleted since included, files added or deleted
// before the moment as they were then.
func TestPlanDownloadAtMoment(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	put := func(key, body string) {
		t.Helper()
		if _, err := e.c.Put(ctx, store.PutInput{Bucket: e.bucket, Key: key, Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	hide := func(key string) {
		t.Helper()
		if err := e.c.Delete(ctx, e.bucket, key); err != nil {
			t.Fatal(err)
		}
	}
	put("docs/a.txt", "a then")
	put("docs/sub/b.txt", "b then")
	put("docs/gone-later.txt", "g then")
	put("docs/gone-before.txt", "x")
	hide("docs/gone-before.txt")
	put("docsier/other.txt", "not in the folder")
	// Times are kept to the second on B2: a clear second either side.
	time.Sleep(1100 * time.Millisecond)
	moment := time.Now()
	time.Sleep(1100 * time.Millisecond)
	put("docs/a.txt", "a now")
	hide("docs/gone-later.txt")
	put("docs/new-later.txt", "n")

	dest := t.TempDir()
	reqs, rejected, err := PlanDownloadAt(ctx, e.c, e.bucket, "docs/", dest, moment)
	if err != nil || len(rejected) != 0 {
		t.Fatalf("PlanDownloadAt = %v, rejected %+v", err, rejected)
	}
	var keys []string
	for _, r := range reqs {
		keys = append(keys, r.Key)
		if r.VersionID == "" {
			t.Errorf("%s is not pinned to a version", r.Key)
		}
	}
	if want := []string{"docs/a.txt", "docs/gone-later.txt", "docs/sub/b.txt"}; !slices.Equal(keys, want) {
		t.Fatalf("planned %q, want %q", keys, want)
	}
	q := e.queue(t, testOptions(t))
	for _, r := range reqs {
		id, err := q.AddDownload(r)
		if err != nil {
			t.Fatal(err)
		}
		waitDone(t, q, id)
	}
	for rel, want := range map[string]string{"docs/a.txt": "a then", "docs/gone-later.txt": "g then", "docs/sub/b.txt": "b then"} {
		got, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(rel)))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", rel, got, err, want)
		}
	}
	if _, _, err := PlanDownloadAt(ctx, e.c, e.bucket, "docs/", dest, time.Time{}); err == nil {
		t.Error("PlanDownloadAt without a moment was accepted")
	}
}
