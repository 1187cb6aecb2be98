package ui

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"golang.org/x/sync/errgroup"

	"github.com/haul-app/haul/store"
)

// gatedSearch lets the first page of a search through and holds each later
// one until released or cancelled.
type gatedSearch struct {
	*store.Client
	calls    atomic.Int32
	held     chan struct{}
	release  chan struct{}
	canceled chan error
}

func (g *gatedSearch) SearchPage(ctx context.Context, bucket, prefix, sub, token string) ([]store.Object, string, error) {
	g.calls.Add(1)
	if token != "" {
		g.held <- struct{}{}
		select {
		case <-g.release:
		case <-ctx.Done():
			g.canceled <- ctx.Err()
			return nil, "", ctx.Err()
		}
	}
	return g.Client.SearchPage(ctx, bucket, prefix, sub, token)
}

// seedSearch fills a bucket with 1,500 files under pile/ and plants files
// whose names hold "needle" in several spellings; it returns their keys.
func seedSearch(t *testing.T, bucket string) []string {
	t.Helper()
	planted := map[int]string{
		12: "NEEDLE-%04d.txt", 333: "my-needle-%04d.txt", 777: "Needle%04d.log",
		1100: "haystack-nEeDlE-%04d.csv", 1444: "needle.%04d",
	}
	var keys, want []string
	for i := range 1500 {
		name := "file-%04d.dat"
		if p, ok := planted[i]; ok {
			name = p
		}
		key := fmt.Sprintf("pile/d%02d/"+name, i%7, i)
		if i == 500 { // a folder's name does not count
			key = fmt.Sprintf("pile/needle-folder/plain-%04d.dat", i)
		}
		keys = append(keys, key)
		if _, ok := planted[i]; ok {
			want = append(want, key)
		}
	}
	keys = append(keys, "outside/needle-elsewhere.txt") // not under pile/
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(16)
	for _, k := range keys {
		g.Go(func() error {
			_, err := testClient.Put(ctx, store.PutInput{Bucket: bucket, Key: k, Body: bytes.NewReader([]byte(k))})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	return want
}

// searchHere opens the search component on the folder shown, as
// Ctrl+Shift+F does, and returns it.
func searchHere(h *harness) *searchDialog {
	return get(h, func() *searchDialog { return openSearch(h.w.dlg, h.w.remote, h.w.browser.location(), h.w.browser.open) })
}

func TestSearchStreamsStopsAndOpens(t *testing.T) {
	bucket := newBucket(t, "haul-ui-search", store.Private)
	want := seedSearch(t, bucket)
	g := &gatedSearch{Client: testClient, held: make(chan struct{}, 4), release: make(chan struct{}), canceled: make(chan error, 1)}
	h := newHarness(t, g, Location{Bucket: bucket, Prefix: "pile/"})
	h.waitDone("pile/")
	s := searchHere(h)
	if s == nil {
		t.Fatal("no search dialog")
	}
	status := func() string { return get(h, func() string { return s.status.Text }) }
	keys := func() []string {
		var out []string
		for _, o := range s.results {
			out = append(out, o.Key)
		}
		return out
	}
	waitHeld := func() {
		t.Helper()
		select {
		case <-g.held:
		case <-time.After(20 * time.Second):
			t.Fatal("the second page was never asked for")
		}
	}

	// Nothing typed: a sentence, no request.
	h.ui(func() { test.Tap(s.searchBtn) })
	if st := status(); st != "Type part of a file name to search for." || g.calls.Load() != 0 {
		t.Fatalf("empty search: %q after %d calls", st, g.calls.Load())
	}

	// Matches stream in: the first page's are listed while the second is
	// on its way.
	h.ui(func() {
		test.Type(s.entry, "needle")
		s.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	waitHeld()
	h.eventually("the first page's matches", func() bool { return len(s.results) > 0 })
	first := len(get(h, keys))
	if first >= len(want) || !strings.HasPrefix(status(), fmt.Sprintf("%d found · searching…", first)) || !get(h, func() bool { return s.running }) {
		t.Errorf("while searching: %d results, status %q", first, status())
	}
	g.release <- struct{}{}
	h.eventually("the search to end", func() bool { return !s.running })
	if got := get(h, keys); !slices.Equal(got, want) {
		t.Errorf("found %v\nwant %v", got, want)
	}
	if st := status(); st != "5 found · searched every file here (2 listing pages)." {
		t.Errorf("status = %q", st)
	}
	if n := g.calls.Load(); n != 2 {
		t.Errorf("%d listing calls, want 2", n)
	}

	// Stop cancels the request in flight and keeps what was found.
	h.ui(func() { test.Tap(s.searchBtn) })
	waitHeld()
	h.eventually("the first page again", func() bool { return len(s.results) == first })
	h.ui(func() { test.Tap(s.stopBtn) })
	select {
	case err := <-g.canceled:
		if err != context.Canceled {
			t.Errorf("the held page ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not cancel the search")
	}
	if st := status(); st != fmt.Sprintf("%d found · stopped after 1 listing page.", first) || len(get(h, keys)) != first {
		t.Errorf("after Stop: status %q, %d results", st, len(get(h, keys)))
	}
	if get(h, func() bool { return s.running || !s.stopBtn.Disabled() }) {
		t.Error("still running after Stop")
	}

	// Open shows the file in its folder, selected, and closes the dialog.
	h.ui(func() { test.Tap(s.searchBtn) })
	waitHeld()
	g.release <- struct{}{}
	h.eventually("the search to end", func() bool { return !s.running })
	target := want[len(want)-1]
	if !get(h, s.openBtn.Disabled) {
		t.Error("Open is enabled with nothing chosen")
	}
	h.ui(func() {
		s.list.Select(slices.Index(keys(), target))
		test.Tap(s.openBtn)
	})
	h.waitDone(dirOf(target))
	if sel := get(h, h.w.browser.selection); len(sel) != 1 || sel[0].Key != target {
		t.Errorf("after Open the selection is %+v, want %s", sel, target)
	}
	if top := get(h, h.w.win.Canvas().Overlays().Top); top != nil {
		t.Error("the dialog is still open")
	}

	// A double tap on a result opens it too; the search covers the folder
	// open when it starts, here pile/d0N/.
	s = searchHere(h)
	h.ui(func() {
		test.Type(s.entry, "NEEDLE")
		test.Tap(s.searchBtn)
	})
	h.eventually("the search to end", func() bool { return !s.running })
	if got := get(h, keys); len(got) != 1 || got[0] != target {
		t.Fatalf("search in %s found %v", dirOf(target), got)
	}
	h.ui(func() { h.w.browser.open(Location{Bucket: bucket, Prefix: "pile/"}) })
	h.waitDone("pile/")
	h.ui(func() {
		row := s.createRow().(*searchRow)
		s.updateRow(0, row)
		test.DoubleTap(row)
	})
	h.waitDone(dirOf(target))
	if sel := get(h, h.w.browser.selection); len(sel) != 1 || sel[0].Key != target {
		t.Errorf("after a double tap the selection is %+v", sel)
	}
}

func TestSearchStatus(t *testing.T) {
	for _, tt := range []struct {
		found, pages int
		st           searchState
		want         string
	}{
		{12, 3, searchRunning, "12 found · searching… (3 listing pages so far)"},
		{1234, 2, searchDone, "1,234 found · searched every file here (2 listing pages)."},
		{0, 1, searchDone, "No file name here contains “x” (1 listing page searched)."},
		{3, 1, searchStopped, "3 found · stopped after 1 listing page."},
		{10_000, 40, searchFull, "The first 10,000 matches are shown; type more of the name to narrow the search."},
	} {
		if got := searchStatus(tt.found, tt.pages, tt.st, "x"); got != tt.want {
			t.Errorf("searchStatus(%d, %d, %d) = %q", tt.found, tt.pages, tt.st, got)
		}
	}
}
