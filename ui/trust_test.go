package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
	"github.com/haul-app/haul/transfer"
)

// versionCount is how many versions and markers key has on the server.
func versionCount(t *testing.T, bucket, key string) int {
	t.Helper()
	pg, err := testClient.KeyVersions(context.Background(), bucket, key, "")
	if err != nil {
		t.Fatal(err)
	}
	return len(pg.Versions)
}

// TestShiftDeleteAsTheDriverSendsIt presses Shift+Delete the way Fyne's
// desktop driver delivers it (as its Cut shortcut) on a file the person
// tapped, and tries every way past the typed confirmation before typing the
// name: Enter, the disabled button, a wrong name, a button enabled behind the
// dialog's back, Escape. Nothing moves on the server until the exact name is
// typed. Ctrl+X, which the driver also turns into Cut, deletes nothing.
func TestShiftDeleteAsTheDriverSendsIt(t *testing.T) {
	bucket := newBucket(t, "haul-ui-shift-delete", store.Private)
	putText(t, bucket, "keep.txt", "one")
	putText(t, bucket, "keep.txt", "two")
	putText(t, bucket, "dir/x.txt", "x")
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")

	h.tapRow("keep.txt")
	h.press(fyne.KeyModifierControl, fyne.KeyX)
	if h.dialogUp() {
		t.Fatal("Ctrl+X opened a dialog")
	}
	h.press(fyne.KeyModifierShift, fyne.KeyDelete)
	h.waitSee("Delete “keep.txt” for good?")
	btn := h.button("Delete for good")
	if btn == nil {
		t.Fatal("no Delete for good button")
	}
	if imp := get(h, func() widget.Importance { return btn.Importance }); imp != widget.DangerImportance {
		t.Errorf("the button's importance is %v, want it marked dangerous", imp)
	}
	if _, ok := h.focused().(*escEntry); !ok {
		t.Errorf("the name field does not have the keyboard (%T does)", h.focused())
	}
	if h.tapButton("Delete for good") {
		t.Error("Delete for good was enabled before the name was typed")
	}
	h.press(0, fyne.KeyReturn)
	h.typeText("keep")
	h.press(0, fyne.KeyReturn)
	if h.tapButton("Delete for good") {
		t.Error("Delete for good was enabled by part of the name")
	}
	h.typeText(".txt ")
	h.press(0, fyne.KeyReturn)
	// A button enabled by mistake still checks the name before deleting.
	h.ui(btn.Enable)
	h.tapButton("Delete for good")
	if n := versionCount(t, bucket, "keep.txt"); n != 2 {
		t.Fatalf("keep.txt has %d versions before its name was typed, want 2", n)
	}
	h.press(0, fyne.KeyEscape)
	h.waitFor("the dialog closed by Escape", func() bool { return !h.dialogUp() })
	if n := versionCount(t, bucket, "keep.txt"); n != 2 {
		t.Fatalf("keep.txt has %d versions after Escape, want 2", n)
	}

	// The exact name, then the button: every version goes.
	h.tapRow("keep.txt")
	h.press(fyne.KeyModifierShift, fyne.KeyDelete)
	h.waitSee("Delete “keep.txt” for good?")
	h.typeText("keep.txt")
	if !h.tapButton("Delete for good") {
		t.Fatal("Delete for good stayed disabled with the name typed")
	}
	h.waitFor("keep.txt deleted for good", func() bool { return versionCount(t, bucket, "keep.txt") == 0 })

	// A folder: its name and Enter.
	h.waitFor("the listing without keep.txt", func() bool {
		return !slices.Contains(h.names(), "keep.txt") && slices.Contains(h.names(), "dir")
	})
	h.tapRow("dir")
	h.press(fyne.KeyModifierShift, fyne.KeyDelete)
	h.waitSee("Delete the folder “dir” for good?")
	h.typeText("dir")
	h.press(0, fyne.KeyReturn)
	h.waitFor("dir deleted for good", func() bool { return versionCount(t, bucket, "dir/x.txt") == 0 })
}

// TestEmptyBucketCannotBeConfirmedByAccident tries to get past both
// questions of deleting a bucket that holds versions: Enter on the first,
// then everything but the exact name on the second. The bucket and its
// versions stay until the name is typed.
func TestEmptyBucketCannotBeConfirmedByAccident(t *testing.T) {
	bucket := newBucket(t, "haul-ui-empty-careful", store.Private)
	putText(t, bucket, "a.txt", "a")
	putText(t, bucket, "a.txt", "b")
	h := newHarness(t, testClient, Location{Bucket: bucket})
	h.waitDone("")
	deleteBtn := func() *widget.Button {
		return get(h, func() *widget.Button {
			for _, o := range h.w.sidebar.bucketActions.Objects {
				if b, ok := o.(*tipped); ok && b.btn.Icon == theme.DeleteIcon() {
					return b.btn
				}
			}
			return nil
		})
	}
	stillThere := func(when string) {
		t.Helper()
		if !slices.Contains(bucketNames(t), bucket+":private") || versionCount(t, bucket, "a.txt") != 2 {
			t.Fatalf("%s: the bucket or its versions went (%v)", when, bucketNames(t))
		}
	}
	del := deleteBtn()
	h.ui(func() { test.Tap(del) })
	h.waitSee("Delete bucket " + bucket + "?")
	h.press(0, fyne.KeyReturn)
	stillThere("after Enter on the first question")
	if !h.dialogUp() {
		t.Fatal("Enter closed the question")
	}
	h.tapButton("Delete bucket")
	h.waitSee("Empty " + bucket + "?")
	if h.tapButton("Empty and delete") {
		t.Error("Empty and delete was enabled before the name was typed")
	}
	h.press(0, fyne.KeyReturn)
	h.typeText(strings.ToUpper(bucket))
	h.press(0, fyne.KeyReturn)
	if h.tapButton("Empty and delete") {
		t.Error("Empty and delete was enabled by the name in capitals")
	}
	stillThere("with a wrong name typed")
	h.press(0, fyne.KeyEscape)
	h.waitFor("the dialog closed", func() bool { return !h.dialogUp() })
	stillThere("after Escape")
}

// TestCtrlLSelectsTheWholePathAndEnterGivesTheTableTheKeys types over the
// path bar after Ctrl+L, submits with Enter, and goes on with the keyboard
// in the table: Alt+Up goes to the parent.
func TestCtrlLSelectsTheWholePathAndEnterGivesTheTableTheKeys(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: pagingBucket})
	h.waitDone("")
	b := h.w.browser
	h.press(fyne.KeyModifierControl, fyne.KeyL)
	if h.focused() != b.path.entry {
		t.Fatalf("Ctrl+L gave the keyboard to %T", h.focused())
	}
	h.typeText("b2://" + pagingBucket + "/alpha/")
	if got := get(h, func() string { return b.path.entry.Text }); got != "b2://"+pagingBucket+"/alpha/" {
		t.Fatalf("typing after Ctrl+L left %q in the path bar", got)
	}
	h.press(0, fyne.KeyReturn)
	h.waitDone("alpha/")
	if h.focused() != b.table {
		t.Fatalf("after Enter in the path bar %T has the keyboard, want the table", h.focused())
	}
	h.press(fyne.KeyModifierAlt, fyne.KeyUp)
	h.waitDone("")
	if loc := get(h, func() Location { return b.loc }); loc.Prefix != "" {
		t.Errorf("Alt+Up went to %v", loc)
	}
}

// TestBadPathIsExplainedUnderThePathBar types a location that cannot be
// read: the sentence shows under the path bar, where nothing else is drawn,
// and the rows stay readable.
func TestBadPathIsExplainedUnderThePathBar(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: pagingBucket})
	h.waitDone("")
	b := h.w.browser
	h.press(fyne.KeyModifierControl, fyne.KeyL)
	h.typeText("s3://nope")
	h.press(0, fyne.KeyReturn)
	h.waitSee("Type a location like b2://bucket/folder/.")
	if h.focused() != b.path.entry {
		t.Errorf("the path bar lost the keyboard to %T; the person wants to mend the path", h.focused())
	}
	if get(h, func() bool { return b.msgPanel.Visible() }) {
		t.Error("the path's error is drawn over the table")
	}
	if rows := h.shownRows(); !slices.Contains(rows, "top.txt") {
		t.Errorf("rows on screen = %v, want the folder still readable", rows)
	}
	// The error sits in the layout below the path bar: it overlaps no row.
	errPos := get(h, func() fyne.Position { return fyne.CurrentApp().Driver().AbsolutePositionForObject(b.path.problem) })
	tablePos := get(h, func() fyne.Position { return fyne.CurrentApp().Driver().AbsolutePositionForObject(b.table) })
	errBottom := errPos.Y + get(h, func() float32 { return b.path.problem.Size().Height })
	if errBottom > tablePos.Y {
		t.Errorf("the error ends at y=%v, below the table's top y=%v", errBottom, tablePos.Y)
	}
	// Typing again clears it.
	h.typeText("x")
	h.waitFor("the error gone", func() bool { return !h.sees("Type a location like") })
}

// TestMessageOverRowsHasABackground checks that a message drawn over the
// table (a folder that failed while rows were still on screen) sits on an
// opaque panel.
func TestMessageOverRowsHasABackground(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: pagingBucket})
	h.waitDone("")
	b := h.w.browser
	h.ui(func() { b.showError("Could not list this folder: the test says so.") })
	h.waitSee("the test says so")
	bg := get(h, func() fyne.CanvasObject { return b.msgPanel.Objects[0] })
	if r, ok := bg.(interface{ MinSize() fyne.Size }); !ok || bg.Size().Width < get(h, func() float32 { return b.message.Size().Width }) {
		t.Errorf("the message's background (%T) does not span it: %v vs %v", r, bg.Size(), b.message.Size())
	}
	if !get(h, bg.Visible) {
		t.Error("the message's background is hidden")
	}
}

// TestFilterAfterScrollingDeepShowsTheMatches scrolls to the end of a
// 2,500-file folder, then filters to one file: the row must be on screen,
// not above the scrolled-away view.
func TestFilterAfterScrollingDeepShowsTheMatches(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: pagingBucket, Prefix: "many/"})
	h.waitDone("many/")
	b := h.w.browser
	h.ui(func() { b.table.ScrollToBottom() })
	h.waitFor("the last rows drawn", func() bool { return slices.Contains(h.shownRows(), "file-02499.txt") })
	h.press(fyne.KeyModifierControl, fyne.KeyF)
	h.typeText("file-00007")
	h.waitFor("the filtered view", func() bool { return get(h, func() bool { return b.view.filter != "" && b.view.done }) })
	h.waitFor("the match on screen", func() bool { return slices.Equal(h.shownRows(), []string{"file-00007.txt"}) })
	if !h.sees("1 shown") {
		t.Errorf("status does not say 1 shown: %q", h.screenText())
	}
}

// TestUnreachableServerSaysWhyAtOnce refreshes against a port where nothing
// listens: the table says at once that Haul is retrying, why, and which
// attempt failed, and gives up after a few attempts with a sentence.
func TestUnreachableServerSaysWhyAtOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, err := store.NewClient(store.Config{Endpoint: "http://" + addr, Region: "us-west-004", KeyID: "k", Key: "s"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, c, Location{Bucket: "somewhere"})
	h.waitSee("Retrying: connection refused (attempt 1 of 3 failed")
	// The bucket list says it too; the folder's own message is the one
	// over the table, with the status bar below it.
	h.waitSee("Could not list this folder.")
	if msg := get(h, func() string { return h.w.browser.message.Text }); !strings.HasPrefix(msg, "Haul could not reach B2") {
		t.Errorf("the folder's message is %q", msg)
	}
	if h.button("Try again") == nil {
		t.Error("no Try again button")
	}
}

// proxiedClient is a client of the test sandbox through the B2 behaviour
// proxy, which answers as B2 does (faults injected, lifecycle rules kept).
func proxiedClient(t *testing.T) (*store.Client, *b2proxy.Proxy) {
	t.Helper()
	cfg := testSandbox.Account().ClientConfig(testSandbox.Secret())
	p := b2proxy.New(t, cfg.Endpoint)
	cfg.Endpoint = p.URL
	c, err := store.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, p
}

// TestThrottledListingShowsTheRetry lists through the B2 proxy answering
// 503 SlowDown with Retry-After: the retry shows with its reason while it
// waits, and the folder then appears.
func TestThrottledListingShowsTheRetry(t *testing.T) {
	c, p := proxiedClient(t)
	p.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.ServiceUnavailable, Times: 1, RetryAfter: 2})
	h := newHarness(t, c, Location{Bucket: pagingBucket})
	h.waitSee("Retrying: HTTP 503 SlowDown (attempt 1 of 8 failed, next in 2s)")
	h.waitDone("")
	if rows := h.shownRows(); !slices.Contains(rows, "top.txt") {
		t.Errorf("rows after the retry = %v", rows)
	}
}

// TestShareAFolderOffersItsFiles shares a selected folder: Haul says that
// folders have no links and, on the person's word, links the files inside.
func TestShareAFolderOffersItsFiles(t *testing.T) {
	h := newHarness(t, testClient, Location{Bucket: pagingBucket})
	h.waitDone("")
	h.tapRow("alpha")
	if !h.tapButton("Share") {
		t.Fatal("Share is disabled")
	}
	h.waitSee("B2 has no links for folders")
	if !h.tapButton("Share the files in them") {
		t.Fatal("Share the files in them is disabled")
	}
	h.waitSee("Share a.txt")
	h.waitFor("a signed link to alpha/a.txt", func() bool {
		// The link wraps over several lines of the field.
		s := strings.Join(h.screenText(), "")
		return strings.Contains(s, "/"+pagingBucket+"/alpha/a.txt?") && strings.Contains(s, "X-Amz-Signature=")
	})
}

// b2KeysClient lists keys as B2 hands them over: versitygw writes a
// control character in a key as U+FFFD in its XML, where B2 (asked for
// URL-encoded keys, as store does) gives the character itself.
type b2KeysClient struct{ *store.Client }

func (c b2KeysClient) List(ctx context.Context, in store.ListInput) (store.Page, error) {
	p, err := c.Client.List(ctx, in)
	for i := range p.Objects {
		p.Objects[i].Key = strings.ReplaceAll(p.Objects[i].Key, "\uFFFD", "\x01")
	}
	return p, err
}

// TestControlCharacterKeyIsListedAndRefusedAlone lists a folder holding a
// key with a control character: the folder lists, the name is drawn with
// the character's picture, and downloading the folder refuses that one file
// with its reason while its neighbour arrives.
func TestControlCharacterKeyIsListedAndRefusedAlone(t *testing.T) {
	folder := "ctl-" + strings.ReplaceAll(t.Name(), "/", "-") + "/"
	// Haul refuses to write such a name, as B2 does; another tool (or the
	// server's own disk, here) can still hold one.
	hostile := filepath.Join(testSandbox.Dir, "data", pagingBucket, folder, "a\x01b.txt")
	if err := os.MkdirAll(filepath.Dir(hostile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hostile, []byte("hostile"), 0o644); err != nil {
		t.Fatal(err)
	}
	putText(t, pagingBucket, folder+"ok.txt", "fine")
	h, q := newTransferHarnessOn(t, b2KeysClient{testClient}, Location{Bucket: pagingBucket, Prefix: folder}, transfer.DefaultOptions())
	h.waitFor("both rows drawn", func() bool {
		rows := h.shownRows()
		return slices.Contains(rows, "a␁b.txt") && slices.Contains(rows, "ok.txt")
	})
	dest := t.TempDir()
	h.ui(func() {
		h.w.enqueue.download(downloadSource{Bucket: pagingBucket, Items: []store.Object{{Key: strings.TrimSuffix(folder, "/") + "/", IsFolder: true}}}, dest)
	})
	h.waitSee("Some files were not downloaded")
	if !h.sees("control character") {
		t.Errorf("the refusal gives no reason: %q", h.screenText())
	}
	allDone(t, q, 1)
	got, err := os.ReadFile(filepath.Join(dest, strings.TrimSuffix(folder, "/"), "ok.txt"))
	if err != nil || string(got) != "fine" {
		t.Errorf("ok.txt: %q, %v", got, err)
	}
}

// TestRefreshKeepsRowsUntilTheListingArrives: F5 over a slow line keeps the
// folder's rows, and the selection the keys act on, until the new listing
// comes, so Shift+Del right after F5 still asks about the selected file.
func TestRefreshKeepsRowsUntilTheListingArrives(t *testing.T) {
	c, p := proxiedClient(t)
	h := newHarness(t, c, Location{Bucket: pagingBucket})
	h.waitDone("")
	h.tapRow("top.txt")
	slow := p.Inject(b2proxy.Fault{Op: "ListObjectsV2", Kind: b2proxy.Latency, Delay: 3 * time.Second})
	h.press(0, fyne.KeyF5)
	h.waitFor("the refresh's listing to be asked", func() bool { return slow.Fired() == 1 })
	if rows := h.shownRows(); !slices.Contains(rows, "top.txt") {
		t.Fatalf("while the refresh waits the table shows %v, want the folder's rows", rows)
	}
	h.press(fyne.KeyModifierShift, fyne.KeyDelete)
	h.waitSee("Delete “top.txt” for good?")
	h.press(0, fyne.KeyEscape)
	h.waitFor("the question to close", func() bool { return !h.dialogUp() })
	h.waitDone("")
	if rows := h.shownRows(); !slices.Contains(rows, "top.txt") {
		t.Errorf("after the refresh the table shows %v", rows)
	}
}

// TestEscapeStopsWorkInProgress creates a folder through a proxy that holds
// the request 3 s, and presses Escape while "Creating the folder…" is up:
// Escape stops the work as the dialog's Cancel does, the dialog goes once
// the work has ended (with no error dialog: the person stopped it), and
// once the 3 s have passed the folder is not on the server (a dialog only
// hidden would have let the request through).
func TestEscapeStopsWorkInProgress(t *testing.T) {
	c, p := proxiedClient(t)
	const hold = 3 * time.Second
	p.Inject(b2proxy.Fault{Op: "PutObject", Kind: b2proxy.Latency, Delay: hold})
	h := newHarness(t, c, Location{Bucket: pagingBucket})
	h.waitDone("")
	name := fmt.Sprintf("escaped-%d", time.Now().UnixNano())
	h.tapIcon(theme.FolderNewIcon())
	h.dialogEntry(0)
	h.typeText(name)
	h.press(0, fyne.KeyReturn)
	h.waitSee("Creating the folder…")
	asked := time.Now()
	h.press(0, fyne.KeyEscape)
	h.waitFor("the progress dialog gone", func() bool { return !h.dialogUp() })
	time.Sleep(time.Until(asked.Add(hold + time.Second)))
	marker := name + "/" + store.EmptyFolderMarker
	if info, err := testClient.Head(context.Background(), pagingBucket, marker, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after Escape the folder's marker %s is on the server (%+v, %v)", marker, info, err)
	}
	if h.sees("Folder created.") {
		t.Error("the status says the folder was created")
	}
}
