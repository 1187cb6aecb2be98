package syncer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// writeFile writes body to root/rel with the modification time mod.
func writeFile(t testing.TB, root, rel, body string, mod time.Time) {
	t.Helper()
	name := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, mod, mod); err != nil {
		t.Fatal(err)
	}
}

// compareAll runs Compare and returns the items by name, in the order they
// came.
func compareAll(t testing.TB, p Pair, l Lister, opts ...Option) (map[string]Item, []string, Summary) {
	t.Helper()
	items := map[string]Item{}
	var order []string
	sum, err := Compare(context.Background(), p, l, func(it Item) error {
		if _, dup := items[it.Rel]; dup {
			t.Errorf("item %s emitted twice", it.Rel)
		}
		items[it.Rel] = it
		order = append(order, it.Rel)
		return nil
	}, opts...)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	return items, order, sum
}

func wantActions(t *testing.T, items map[string]Item, want map[string]Action) {
	t.Helper()
	for rel, a := range want {
		it, ok := items[rel]
		switch {
		case !ok && a != 0:
			t.Errorf("%s: no item, want %v", rel, a)
		case ok && a == 0:
			t.Errorf("%s: %v (%s), want no item", rel, it.Action, it.Reason)
		case ok && it.Action != a:
			t.Errorf("%s: %v (%s), want %v", rel, it.Action, it.Reason, a)
		}
	}
	for rel, it := range items {
		if _, ok := want[rel]; !ok {
			t.Errorf("unexpected item %s: %v (%s)", rel, it.Action, it.Reason)
		}
	}
}

// TestCompareOrderAndActions: names come out in key order ("a.txt" before
// "a/x", which filepath.WalkDir would not give), each direction decides as
// documented, and a one-way sync keeps what only the destination has.
func TestCompareOrderAndActions(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	writeFile(t, dir, "a/x", "x", base)
	writeFile(t, dir, "a.txt", "same", base)
	writeFile(t, dir, "a-b", "local only", base)
	writeFile(t, dir, "size", "12345", base)
	writeFile(t, dir, "time", "abc", base.Add(time.Hour))
	b := newFakeBucket()
	b.pageSize = 2
	b.put("f/a.txt", []byte("same"), base.Add(time.Minute), base)
	b.put("f/size", []byte("1234"), base, base)
	b.put("f/time", []byte("abc"), base, base)
	b.put("f/remote", []byte("remote only"), base, base)
	b.put("other", []byte("outside the folder"), base, base)

	for _, tc := range []struct {
		d    Direction
		want map[string]Action
	}{
		{Upload, map[string]Action{"a-b": New, "a.txt": Same, "a/x": New, "size": Changed, "time": Changed}},
		{MirrorUp, map[string]Action{"a-b": New, "a.txt": Same, "a/x": New, "size": Changed, "time": Changed, "remote": Remove}},
		{Download, map[string]Action{"a.txt": Same, "size": Changed, "time": Changed, "remote": New}},
		{MirrorDown, map[string]Action{"a-b": Remove, "a.txt": Same, "a/x": Remove, "size": Changed, "time": Changed, "remote": New}},
	} {
		t.Run(tc.d.String(), func(t *testing.T) {
			items, order, sum := compareAll(t, Pair{Local: dir, Bucket: "b", Prefix: "f", Direction: tc.d}, b)
			wantActions(t, items, tc.want)
			for i := 1; i < len(order); i++ {
				if order[i-1] >= order[i] {
					t.Errorf("order: %q before %q", order[i-1], order[i])
				}
			}
			if got := items["time"].Reason; !strings.Contains(got, "newer by 1h0m0s") {
				t.Errorf("time reason = %q", got)
			}
			kept := 0
			switch tc.d {
			case Upload:
				kept = 1
			case Download:
				kept = 2
			}
			if sum.Kept.Files != kept {
				t.Errorf("kept = %d, want %d", sum.Kept.Files, kept)
			}
		})
	}
}

// TestCompareTimes: times are instants (zones play no part), local
// nanoseconds meet B2's milliseconds, the upload time stands in to the
// second when no src_last_modified_millis was kept, and Tolerance covers
// FAT's 2 s steps.
func TestCompareTimes(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2024, 10, 27, 1, 30, 0, 0, time.UTC) // a DST change in Europe
	east := time.FixedZone("UTC+14", 14*3600)
	west := time.FixedZone("UTC-12", -12*3600)
	b := newFakeBucket()
	add := func(rel string, local time.Time, uploaded, modified time.Time) {
		writeFile(t, dir, rel, "body", local)
		b.put(rel, []byte("body"), uploaded, modified)
	}
	add("zone", base.In(east), base.Add(time.Hour), base.In(west))
	add("nanos", base.Add(123_456_789), base.Add(time.Hour), base.Add(123*time.Millisecond))
	add("millis-off", base.Add(125*time.Millisecond), base.Add(time.Hour), base.Add(123*time.Millisecond))
	add("upload-time", base.Add(400*time.Millisecond), base.Add(700*time.Millisecond), time.Time{})
	add("upload-late", base, base.Add(5*time.Second), time.Time{})
	add("fat-1.5s", base.Add(1500*time.Millisecond), base.Add(time.Hour), base)
	add("fat-3s", base.Add(3*time.Second), base.Add(time.Hour), base)

	old := time.Local
	time.Local = east
	defer func() { time.Local = old }()

	p := Pair{Local: dir, Bucket: "b", Direction: Upload}
	items, _, _ := compareAll(t, p, b)
	wantActions(t, items, map[string]Action{
		"zone": Same, "nanos": Same, "millis-off": Changed, "upload-time": Same, "upload-late": Changed,
		"fat-1.5s": Changed, "fat-3s": Changed,
	})
	if it := items["upload-time"]; !it.RemoteUploadTime {
		t.Errorf("upload-time: RemoteUploadTime false")
	}
	p.Tolerance = 2 * time.Second
	items, _, _ = compareAll(t, p, b)
	if a := items["fat-1.5s"].Action; a != Same {
		t.Errorf("fat-1.5s with 2s tolerance: %v", a)
	}
	if a := items["fat-3s"].Action; a != Changed {
		t.Errorf("fat-3s with 2s tolerance: %v", a)
	}
}

// TestCompareRefused: names that cannot map either way are refused with a
// reason and neither copied nor removed; on a case-insensitive disk (or
// with FoldCase) the later of two names differing by case is refused.
func TestCompareRefused(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	writeFile(t, dir, `back\slash`, "b2 refuses this name", base)
	writeFile(t, dir, "ok", "fine", base)
	if err := os.Symlink("ok", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	b := newFakeBucket()
	b.put("drive/C:", []byte("not a local name anywhere"), base, base)
	b.put("Case/a.txt", []byte("upper folder"), base, base)
	b.put("case/a.txt", []byte("lower folder"), base, base)
	b.put("x/A.txt", []byte("upper"), base, base)
	b.put("x/a.txt", []byte("lower"), base, base)
	b.put(`back\slash`, []byte("here anyway"), base, base)

	p := Pair{Local: dir, Bucket: "b", Direction: MirrorDown, FoldCase: true}
	items, _, sum := compareAll(t, p, b)
	wantActions(t, items, map[string]Action{
		`back\slash`: Refused, "link": Refused, "ok": Remove, "drive/C:": Refused,
		"Case/a.txt": New, "case/a.txt": Refused, "x/A.txt": New, "x/a.txt": Refused,
	})
	for _, rel := range []string{`back\slash`, "link", "drive/C:", "case/a.txt", "x/a.txt"} {
		t.Logf("%s: %s", rel, items[rel].Reason)
		if items[rel].Reason == "" {
			t.Errorf("%s refused without a reason", rel)
		}
	}
	if !strings.Contains(items["x/a.txt"].Reason, "x/A.txt") {
		t.Errorf("the clash does not name the other file: %q", items["x/a.txt"].Reason)
	}
	if sum.Refused.Files != 5 {
		t.Errorf("refused = %d, want 5", sum.Refused.Files)
	}
	// Without FoldCase the disk decides: on a case-sensitive one both
	// names take part, on one that ignores case the clash is still refused.
	p.FoldCase = false
	want := New
	if probeDisk(dir).foldCase {
		want = Refused
	}
	items, _, _ = compareAll(t, p, b)
	if a := items["x/a.txt"].Action; a != want {
		t.Errorf("x/a.txt without FoldCase: %v, want %v", a, want)
	}
}

// TestCompareFilters: include and exclude apply to both sides, so an
// excluded file is neither copied nor removed.
func TestCompareFilters(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	writeFile(t, dir, "keep.jpg", "x", base)
	writeFile(t, dir, "skip.tmp", "x", base)
	writeFile(t, dir, "node_modules/m.jpg", "x", base)
	writeFile(t, dir, "deep/a/b/c.jpg", "x", base)
	b := newFakeBucket()
	b.put("remote.tmp", []byte("x"), base, base)
	b.put("remote.jpg", []byte("x"), base, base)
	b.put("notes.txt", []byte("x"), base, base)
	p := Pair{Local: dir, Bucket: "b", Direction: MirrorUp, Include: []string{"*.jpg", "*.tmp"}, Exclude: []string{"*.tmp", "node_modules"}}
	items, _, sum := compareAll(t, p, b)
	wantActions(t, items, map[string]Action{"keep.jpg": New, "deep/a/b/c.jpg": New, "remote.jpg": Remove})
	// skip.tmp, the node_modules folder (not entered), remote.tmp and
	// notes.txt.
	if sum.Filtered != 4 {
		t.Errorf("filtered = %d, want 4", sum.Filtered)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, rel string
		want         bool
	}{
		{"*.jpg", "a.jpg", true},
		{"*.jpg", "x/y/a.jpg", true},
		{"*.jpg", "a.jpeg", false},
		{"node_modules", "a/node_modules/b/c.js", true},
		{"photos/2024", "photos/2024/a.jpg", true},
		{"/photos/2024", "photos/2024/a.jpg", true},
		{"photos/2024", "old/photos/2024/a.jpg", false},
		{"build/**/*.o", "build/x.o", true},
		{"build/**/*.o", "build/a/b/x.o", true},
		{"build/**/*.o", "src/build/x.o", false},
		{"**/cache", "a/b/cache/x", true},
		{"a/*/c", "a/b/c", true},
		{"a/*/c", "a/b/b/c", false},
	} {
		if got := Match(tc.pattern, tc.rel); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.rel, got, tc.want)
		}
	}
	if err := (Pair{Local: "/x", Bucket: "b", Direction: Upload, Exclude: []string{"a/[b"}}).Validate(); err == nil {
		t.Error("a malformed pattern passed Validate")
	}
}

// TestCompareStreams: items come out while the listing is still going:
// the second page is only listed after the first page's items were
// emitted.
func TestCompareStreams(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	b := newFakeBucket()
	b.pageSize = 100
	for i := range 1000 {
		b.put("k"+strings.Repeat("0", 4-len(itoa(i)))+itoa(i), []byte("x"), base, base)
	}
	var emitted atomic.Int64
	var firstPageEmittedBeforeEnd atomic.Bool
	b.beforePage = func(n int) {
		if n == 10 && emitted.Load() > 0 {
			firstPageEmittedBeforeEnd.Store(true)
		}
	}
	_, err := Compare(context.Background(), Pair{Local: dir, Bucket: "b", Direction: Download}, b, func(Item) error {
		emitted.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !firstPageEmittedBeforeEnd.Load() || emitted.Load() != 1000 {
		t.Errorf("emitted %d; items before the last page: %v", emitted.Load(), firstPageEmittedBeforeEnd.Load())
	}
	// An error from emit stops the comparison and comes back.
	stop := errors.New("stop")
	_, err = Compare(context.Background(), Pair{Local: dir, Bucket: "b", Direction: Download}, b, func(Item) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("err = %v, want stop", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
