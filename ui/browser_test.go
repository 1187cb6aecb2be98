package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/sandbox"
)

// harness is a Haul window in Fyne's test driver, browsing the sandbox.
type harness struct {
	t     *testing.T
	w     *Window
	views chan *folderView
}

func newHarness(t *testing.T, r Remote, start Location) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	// Built under the UI lock: a previous test's goroutines may still hand
	// work to widgets.
	h.ui(func() {
		h.w = NewWindow(a, Deps{
			Connect: func(context.Context, store.Account) (Remote, error) { return r, nil },
			Sandbox: &SandboxInfo{Account: testSandbox.Account(), Dir: testSandbox.Dir},
			Start:   start,
		})
		h.w.browser.onView = func(v *folderView) { h.views <- v }
	})
	h.ui(func() { h.w.win.Resize(fyne.NewSize(1200, 800)) })
	h.ui(h.w.Show)
	t.Cleanup(func() { h.ui(func() { h.w.browser.stopLoading(); h.w.win.Close() }) })
	return h
}

// ui runs fn as the Fyne goroutine would: one at a time with every
// callback background work hands to the widgets.
func (h *harness) ui(fn func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	fn()
}

// waitDone waits until the folder with prefix has been listed completely.
func (h *harness) waitDone(prefix string) *folderView {
	h.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case v := <-h.views:
			if v.done && v.prefix == prefix {
				return v
			}
		case <-timeout:
			h.t.Fatalf("folder %q was not listed within 30s", prefix)
		}
	}
}

func (h *harness) names() []string {
	var out []string
	h.ui(func() {
		b := h.w.browser
		out = make([]string, b.view.Len())
		for i := range out {
			out[i] = b.view.name(b.view.At(i))
		}
	})
	return out
}

// get reads a value under the UI lock.
func get[T any](h *harness, fn func() T) T {
	var v T
	h.ui(func() { v = fn() })
	return v
}

// cell renders a table cell the way the table does, through its own
// CreateCell and UpdateCell.
func (h *harness) cell(row, col int) *fileCell {
	var c *fileCell
	h.ui(func() {
		t := h.w.browser.table
		c = t.CreateCell().(*fileCell)
		t.UpdateCell(widget.TableCellID{Row: row, Col: col}, c)
	})
	return c
}

// cellText is the text a table cell shows; found is false past the end.
func (h *harness) cellText(row, col int) (text string, found bool) {
	if row >= get(h, h.w.browser.view.Len) {
		return "", false
	}
	c := h.cell(row, col)
	return get(h, func() string { return c.label.Text }), true
}

func TestBrowseSandboxWithKeyboard(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: sandbox.PrivateBucket})
	h.waitDone("")
	b := h.w.browser
	status := func() string { return get(h, func() string { return b.status.Text }) }
	if got := strings.Join(h.names(), ","); got != "archive,builds,docs,photos,README.txt" {
		t.Fatalf("root shows %s; want folders first, then files", got)
	}
	if want := "4 folders · 1 file"; !strings.HasPrefix(status(), want) {
		t.Errorf("status = %q, want prefix %q", status(), want)
	}
	if txt, ok := h.cellText(4, colSize); !ok || txt != "112 B" {
		t.Errorf("README.txt size cell = %q (found %v), want the humanized size 112 B", txt, ok)
	}
	// The sandbox was seeded moments ago: "now" or "2 seconds ago".
	if txt, _ := h.cellText(4, colModified); txt != "now" && !strings.Contains(txt, "ago") {
		t.Errorf("modified cell = %q, want a relative time", txt)
	}
	h.ui(func() { b.exactCheck.SetChecked(true) })
	if txt, _ := h.cellText(4, colModified); !strings.HasPrefix(txt, "20") {
		t.Errorf("exact modified cell = %q, want a date", txt)
	}
	h.ui(func() { b.exactCheck.SetChecked(false) })

	// Arrow keys move the selection; Enter opens the folder.
	w := h.w.win
	h.ui(func() {
		w.Canvas().Focus(b.table)
		for range 3 {
			b.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		}
	})
	if sel := get(h, b.selection); len(sel) != 1 || sel[0].Key != "docs/" {
		t.Fatalf("after three Downs the selection is %+v, want docs/", sel)
	}
	h.ui(func() { b.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	h.waitDone("docs/")
	if got := strings.Join(h.names(), ","); got != "Café menu + prices.txt,notes.txt,report.md" {
		t.Errorf("docs/ shows %s", got)
	}
	if got := get(h, func() string { return b.path.entry.Text }); got != "b2://haul-sandbox/docs/" {
		t.Errorf("path bar = %q", got)
	}
	if n := get(h, func() int { return len(b.path.crumbs.Objects) }); n != 3 { // bucket › docs
		t.Errorf("breadcrumbs have %d parts, want 3", n)
	}

	// Backspace goes back, Alt+Right forward, Alt+Up up.
	shortcut := func(k fyne.KeyName, m fyne.KeyModifier) {
		h.ui(func() { w.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: m}) })
	}
	h.ui(func() { b.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace}) })
	h.waitDone("")
	shortcut(fyne.KeyRight, fyne.KeyModifierAlt)
	h.waitDone("docs/")
	shortcut(fyne.KeyUp, fyne.KeyModifierAlt)
	h.waitDone("")
	if p, n := get(h, func() string { return b.loc.Prefix }), get(h, func() int { return len(b.back) }); p != "" || n != 2 {
		t.Errorf("after Up: at %q with %d back steps", p, n)
	}

	// Double-tapping a row opens it; the empty folder says so.
	first := h.cell(0, colName)
	h.ui(func() { test.DoubleTap(first) })
	h.waitDone("archive/")
	if msg, hidden := get(h, func() string { return b.message.Text }), get(h, func() bool { return b.message.Hidden }); hidden || !strings.HasPrefix(msg, "This folder is empty. Drop files here") {
		t.Errorf("empty folder message = %q (hidden %v)", msg, hidden)
	}

	// Ctrl+L focuses the path bar; typing a location and Enter goes there.
	shortcut(fyne.KeyL, fyne.KeyModifierShortcutDefault)
	if f := get(h, w.Canvas().Focused); f != b.path.entry {
		t.Fatalf("Ctrl+L focused %T, want the path bar", f)
	}
	h.ui(func() {
		b.path.entry.SetText("b2://haul-sandbox/photos/2026/")
		b.path.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	h.waitDone("photos/2026/")
	if got := strings.Join(h.names(), ","); got != "harbour.png,sunrise.png" {
		t.Errorf("photos/2026/ shows %s", got)
	}

	// F5 lists the folder again.
	h.ui(func() {
		w.Canvas().Unfocus()
		w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyF5})
	})
	h.waitDone("photos/2026/")
}

// gatedRemote lets the first listing page of many/ through and holds later
// ones until released, recording how a held call ended.
type gatedRemote struct {
	Remote
	held     chan struct{} // receives when a call is held
	release  chan struct{}
	canceled chan error
}

func (g *gatedRemote) List(ctx context.Context, in store.ListInput) (store.Page, error) {
	if in.Prefix == "many/" && in.Token != "" {
		g.held <- struct{}{}
		select {
		case <-g.release:
		case <-ctx.Done():
			g.canceled <- ctx.Err()
			return store.Page{}, ctx.Err()
		}
	}
	return g.Remote.List(ctx, in)
}

func TestPagedListingShowsFirstRowsAndCancelsOnLeave(t *testing.T) {
	g := &gatedRemote{Remote: testClient, held: make(chan struct{}, 4), release: make(chan struct{}), canceled: make(chan error, 1)}
	h := newHarness(t, g, Location{Bucket: pagingBucket, Prefix: "many/"})
	select {
	case <-g.held:
	case <-time.After(30 * time.Second):
		t.Fatal("second page was never requested")
	}
	// The first page is on screen while the second is still on its way.
	b := h.w.browser
	rows, done := get(h, b.view.Len), get(h, func() bool { return b.view.done })
	if done || rows != 1000 {
		t.Fatalf("while loading: %d rows, done=%v; want the first 1,000 rows", rows, done)
	}
	if st, hidden := get(h, func() string { return b.status.Text }), get(h, func() bool { return b.loading.Hidden }); !strings.Contains(st, "loading") || hidden {
		t.Errorf("status %q / spinner hidden=%v while loading", st, hidden)
	}
	if txt, ok := h.cellText(0, colName); !ok || txt != "file-00000.txt" {
		t.Errorf("first rendered row = %q, %v", txt, ok)
	}

	// Leaving the folder cancels its listing.
	h.ui(b.goUp)
	select {
	case err := <-g.canceled:
		if err != context.Canceled {
			t.Errorf("held call ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("leaving the folder did not cancel its listing")
	}
	h.waitDone("")

	// Coming back lists all three pages.
	close(g.release)
	h.ui(b.goBack)
	v := h.waitDone("many/")
	if st := get(h, func() string { return b.status.Text }); v.Len() != pagingObjects || !strings.HasPrefix(st, "0 folders · 2,500 files") {
		t.Errorf("complete listing: %d rows, status %q", v.Len(), st)
	}
}

func TestFilterAndSort(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: pagingBucket, Prefix: "many/"})
	h.waitDone("many/")
	b := h.w.browser
	h.ui(func() { test.Type(b.filterEntry, "FILE-0249") })
	v := h.waitDone("many/")
	for v.filter != "FILE-0249" {
		v = h.waitDone("many/")
	}
	if v.Len() != 10 || v.name(v.At(0)) != "file-02490.txt" {
		t.Fatalf("filter shows %d rows starting %q; want file-02490..02499", v.Len(), v.name(v.At(0)))
	}
	if st := get(h, func() string { return b.status.Text }); !strings.Contains(st, "10 shown") {
		t.Errorf("status = %q", st)
	}
	h.ui(func() { b.filterEntry.SetText("nothing-like-this") })
	for v.filter != "nothing-like-this" {
		v = h.waitDone("many/")
	}
	if msg := get(h, func() string { return b.message.Text }); !strings.Contains(msg, "matches") {
		t.Errorf("no-match message = %q", msg)
	}
	h.ui(func() { b.filterEntry.SetText("") })
	for v.filter != "" {
		v = h.waitDone("many/")
	}

	// Tapping the Size header sorts ascending, again descending.
	sortBy := func(col sortColumn) *folderView {
		h.ui(func() { b.toggleSort(col) })
		spec := get(h, func() sortSpec { return b.spec })
		for {
			v := h.waitDone("many/")
			if get(h, func() bool { return b.view == v && b.spec == spec }) {
				return v
			}
		}
	}
	v = sortBy(sortSize)
	if v.At(0).Size != 0 || v.At(v.Len()-1).Size != 99 {
		t.Errorf("size ascending: first %d, last %d", v.At(0).Size, v.At(v.Len()-1).Size)
	}
	v = sortBy(sortSize)
	if v.At(0).Size != 99 {
		t.Errorf("size descending: first %d", v.At(0).Size)
	}
	sortBy(sortName)
	v = sortBy(sortName)
	if got := v.name(v.At(0)); got != "file-02499.txt" {
		t.Errorf("name descending starts with %q", got)
	}
}

func TestOpenFileFromCommandLineSelectsIt(t *testing.T) {
	loc, err := ParseLocation("b2://haul-sandbox/docs/notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, testClient, loc)
	h.waitDone("docs/")
	b := h.w.browser
	if sel := get(h, b.selection); len(sel) != 1 || sel[0].Key != "docs/notes.txt" {
		t.Fatalf("selection = %+v", sel)
	}
	if st := get(h, func() string { return b.status.Text }); !strings.Contains(st, "notes.txt: 47 B, modified 20") {
		t.Errorf("status = %q; want the exact size and time of the selected file", st)
	}
	if title := get(h, h.w.win.Title); title != "Haul — b2://haul-sandbox/docs/" {
		t.Errorf("title = %q", title)
	}
}

func TestMultiSelectWithCtrlAndShift(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: pagingBucket, Prefix: "many/"})
	h.waitDone("many/")
	b := h.w.browser
	h.ui(func() {
		b.tapRow(2, 0)
		b.tapRow(5, fyne.KeyModifierShift)
	})
	if n := len(get(h, b.selection)); n != 4 {
		t.Errorf("Shift range selected %d, want 4", n)
	}
	h.ui(func() { b.tapRow(3, fyne.KeyModifierControl) })
	if n := len(get(h, b.selection)); n != 3 {
		t.Errorf("Ctrl toggle left %d, want 3", n)
	}
	if st := get(h, func() string { return b.status.Text }); !strings.Contains(st, "3 selected") {
		t.Errorf("status = %q", st)
	}
}

// eventually polls cond under the UI lock for up to 20 s.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !get(h, cond) {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestVanishedBucketSaysSo(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: "no-such-bucket-here"})
	b := h.w.browser
	h.eventually("the error", func() bool { return !b.retry.Hidden })
	msg := get(h, func() string { return b.message.Text })
	if !strings.Contains(msg, "That bucket does not exist") || !strings.Contains(msg, "NoSuchBucket") {
		t.Fatalf("message = %q", msg)
	}
	if strings.Contains(msg, testSandbox.Secret()) {
		t.Fatal("the secret key reached the screen")
	}
}

func TestSandboxBannerAndBuckets(t *testing.T) {
	h := newHarness(t, testClient, Location{})
	banner := get(h, func() string { return h.w.accounts.banner.Text })
	if get(h, func() bool { return h.w.accounts.bannerBox.Hidden }) || !strings.Contains(banner, "Sandbox") || !strings.Contains(banner, "temporary folder") {
		t.Errorf("banner = %q", banner)
	}
	s := h.w.sidebar
	h.eventually("buckets", func() bool { return len(s.buckets) > 0 })
	var names []string
	h.ui(func() {
		for _, bk := range s.buckets {
			names = append(names, bk.Name+":"+bk.Visibility.String())
		}
	})
	if got := strings.Join(names, ","); got != "haul-sandbox:private,haul-sandbox-public:public,haul-ui-paging:private" {
		t.Errorf("buckets = %s", got)
	}
	h.ui(func() { s.list.Select(1) })
	h.waitDone("")
	if got := get(h, func() string { return h.w.browser.loc.Bucket }); got != sandbox.PublicBucket {
		t.Errorf("selecting a bucket opened %q", got)
	}
}

// deniedRemote is a key that may not list buckets.
type deniedRemote struct{ Remote }

func (deniedRemote) Buckets(context.Context) ([]store.Bucket, error) {
	return nil, &store.Error{Op: "list buckets", Kind: store.ErrAccessDenied, Status: 403, Code: "AccessDenied", Message: "not entitled"}
}

func TestKeyWithoutListBucketsCanTypeBucketName(t *testing.T) {
	h := newHarness(t, deniedRemote{testClient}, Location{})
	s := h.w.sidebar
	h.eventually("the bucket name box", func() bool { return !s.nameBox.Hidden })
	if msg := get(h, func() string { return s.message.Text }); !strings.Contains(msg, "not allowed") {
		t.Fatalf("message = %q", msg)
	}
	h.ui(func() {
		test.Type(s.nameEntry, sandbox.PrivateBucket)
		s.nameEntry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	h.waitDone("")
	if got := len(h.names()); got != 5 {
		t.Errorf("typed bucket shows %d entries", got)
	}
}

func TestRestrictedKeyOpensItsBucket(t *testing.T) {
	acct := testSandbox.Account()
	acct.Restriction = &store.Restriction{Bucket: sandbox.PrivateBucket, Capabilities: []string{"listFiles", "readFiles"}}
	a := test.NewTempApp(t)
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	// Built under the UI lock: a previous test's goroutines may still hand
	// work to widgets.
	h.ui(func() {
		h.w = NewWindow(a, Deps{
			Connect: func(context.Context, store.Account) (Remote, error) { return testClient, nil },
			Sandbox: &SandboxInfo{Account: acct},
		})
		h.w.browser.onView = func(v *folderView) { h.views <- v }
	})
	h.ui(h.w.Show)
	defer h.ui(h.w.win.Close)
	h.waitDone("")
	if got := get(h, func() string { return h.w.browser.loc.Bucket }); got != sandbox.PrivateBucket {
		t.Errorf("opened %q", got)
	}
	s := h.w.sidebar
	h.eventually("the one bucket", func() bool { return len(s.buckets) == 1 })
}

// countingRemote counts list calls per folder.
type countingRemote struct {
	Remote
	mu    sync.Mutex
	lists map[string]int
}

func (c *countingRemote) List(ctx context.Context, in store.ListInput) (store.Page, error) {
	c.mu.Lock()
	c.lists[in.Prefix]++
	c.mu.Unlock()
	return c.Remote.List(ctx, in)
}

func (c *countingRemote) count(prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lists[prefix]
}

// Every list call is a billable transaction: the folder tree reuses what the
// table lists instead of listing the same folder again.
func TestOpeningAFolderListsItOnce(t *testing.T) {
	c := &countingRemote{Remote: testClient, lists: map[string]int{}}
	h := newHarness(t, c, Location{Bucket: sandbox.PrivateBucket})
	h.waitDone("")
	s := h.w.sidebar
	if n := c.count(""); n != 1 {
		t.Errorf("bucket root listed %d times, want 1", n)
	}
	if got := get(h, func() string { return strings.Join(s.children[""], ",") }); got != "archive/,builds/,docs/,photos/" {
		t.Errorf("tree root = %s", got)
	}
	h.ui(func() { h.w.browser.open(Location{Bucket: sandbox.PrivateBucket, Prefix: "photos/"}) })
	h.waitDone("photos/")
	if n, root := c.count("photos/"), c.count(""); n != 1 || root != 1 {
		t.Errorf("photos/ listed %d times and the root %d times, want 1 and 1", n, root)
	}
	if got := get(h, func() string { return strings.Join(s.children["photos/"], ",") }); got != "photos/2025/,photos/2026/" {
		t.Errorf("tree under photos/ = %s", got)
	}
}

// TestSandboxOpensItsBucket checks that the sandbox, chosen with no place
// to go (a first run), opens its bucket rather than an empty table.
func TestSandboxOpensItsBucket(t *testing.T) {
	a := test.NewTempApp(t)
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	h.ui(func() {
		h.w = NewWindow(a, Deps{
			Connect: func(context.Context, store.Account) (Remote, error) { return testClient, nil },
			Sandbox: &SandboxInfo{Account: testSandbox.Account(), Dir: testSandbox.Dir, Bucket: sandbox.PrivateBucket},
		})
		h.w.browser.onView = func(v *folderView) { h.views <- v }
	})
	h.ui(h.w.Show)
	t.Cleanup(func() { h.ui(func() { h.w.browser.stopLoading(); h.w.win.Close() }) })
	h.waitDone("")
	if loc := get(h, func() Location { return h.w.browser.loc }); loc.Bucket != sandbox.PrivateBucket {
		t.Errorf("opened %+v, want the sandbox's bucket", loc)
	}
	if names := strings.Join(h.names(), ","); !strings.Contains(names, "README.txt") {
		t.Errorf("listing = %s", names)
	}
}
