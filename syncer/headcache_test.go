package syncer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestHeadCache: a second comparison of an unchanged folder makes no Head
// requests and decides exactly as the first; a file replaced in the bucket
// since (same size, so only a Head can tell) is headed again and found
// changed; a cache file that is damaged costs Heads, never a wrong answer.
func TestHeadCache(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	base := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	const n = 12
	for i := range n {
		rel := fmt.Sprintf("photos/%02d.jpg", i)
		body := fmt.Sprintf("picture %02d", i)
		writeFile(t, dir, rel, body, base)
		e.put(t, "backup/"+rel, body, base)
	}
	writeFile(t, dir, "photos/new.jpg", "only here", base)
	p := Pair{Local: dir, Bucket: e.bucket, Prefix: "backup", Direction: Upload}
	cache := filepath.Join(t.TempDir(), "heads", "pair.jsonl")

	compare := func(wantHeads, wantCached int64) map[string]Item {
		t.Helper()
		var prog Progress
		items, _, _ := compareAll(t, p, e.c, WithHeadCache(cache), WithProgress(&prog))
		if h, c := prog.Heads.Load(), prog.CachedHeads.Load(); h != wantHeads || c != wantCached {
			t.Errorf("Heads %d, spared by the cache %d; want %d and %d", h, c, wantHeads, wantCached)
		}
		return items
	}
	first := compare(n, 0)
	second := compare(0, n)
	for rel, it := range first {
		if second[rel] != it {
			t.Errorf("%s: first %+v, with the cache %+v", rel, it, second[rel])
		}
	}
	if it := second["photos/03.jpg"]; it.Action != Same || it.RemoteVersion == "" {
		t.Errorf("photos/03.jpg with the cache: %v %q, version %q; want Same and its version", it.Action, it.Reason, it.RemoteVersion)
	}

	// Replaced in the bucket, same size, another time: only a Head tells.
	time.Sleep(5 * time.Millisecond) // a later upload time than the listing's
	e.put(t, "backup/photos/05.jpg", "PICTURE 05", base.Add(time.Hour))
	third := compare(1, n-1)
	if it := third["photos/05.jpg"]; it.Action != Changed {
		t.Errorf("photos/05.jpg replaced in the bucket: %v (%s), want Changed", it.Action, it.Reason)
	}

	if err := os.WriteFile(cache, []byte("{not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fourth := compare(n, 0)
	for rel, it := range third {
		if fourth[rel] != it {
			t.Errorf("%s: %+v, with a damaged cache %+v", rel, it, fourth[rel])
		}
	}
	compare(0, n)

	// A comparison that fails keeps the old cache.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compare(ctx, p, e.c, func(Item) error { return nil }, WithHeadCache(cache)); err == nil {
		t.Fatal("Compare with a canceled context succeeded")
	}
	compare(0, n)
	left, _ := filepath.Glob(cache + ".new-*")
	if len(left) != 0 {
		t.Errorf("temporary cache files left behind: %v", left)
	}
}
