package main

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
	"github.com/haul-app/haul/store/s3test"
)

// xdoBucket is the bucket TestRealKeys seeds and drives.
const xdoBucket = "xdo-bucket"

// stepTimeout bounds each wait for an effect of a key.
const stepTimeout = 30 * time.Second

// TestRealKeys drives the real binary with key presses from a real X client
// (xdotool) on the paths where Fyne's desktop driver sits between the key
// and Haul, and checks every effect on the server Haul talks to (versitygw
// behind the B2 behaviour proxy, which records each request):
//   - Ctrl+L selects the whole path, so typing replaces it, and a location
//     naming a file selects that file (its versions are listed);
//   - Shift+Del, which the driver turns into Cut, opens the delete-for-good
//     dialog; Enter with no name or a wrong name deletes nothing, Escape
//     closes it; with the name typed, Enter deletes every version;
//   - after Enter in the path bar the table has the keyboard (Alt+Up).
func TestRealKeys(t *testing.T) {
	xdo := xdotoolPath(t)
	srv := s3test.Start(t)
	proxy := b2proxy.New(t, srv.Endpoint)
	seed := seedXdoBucket(t, srv)
	bin := buildHaul(t)
	disp := display(t)

	h := startHaul(t, bin, disp, []string{
		"B2_APPLICATION_KEY_ID=" + srv.AccessKey, "B2_APPLICATION_KEY=" + srv.SecretKey,
		"HAUL_S3_ENDPOINT=" + proxy.URL, "HAUL_S3_REGION=" + srv.Region,
	}, "b2://"+xdoBucket+"/docs/")
	h.waitTitle(t, "Haul — b2://"+xdoBucket+"/docs/")
	x := &xclient{t: t, bin: xdo, disp: disp}
	x.win = x.haulWindow(h)
	x.run("windowfocus", "--sync", x.win)

	versions := func(key string) int {
		t.Helper()
		page, err := seed.KeyVersions(context.Background(), xdoBucket, key, "")
		if err != nil {
			t.Fatalf("list versions of %s: %v", key, err)
		}
		return len(page.Versions)
	}
	// listed counts listings of docs/ (the folder's, not a file's versions).
	listed := func() int {
		return countRequests(proxy, func(r b2proxy.Request) bool {
			return r.Op == "ListObjectsV2" && queryParam(r.Query, "prefix") == "docs/"
		})
	}
	deletes := func() int {
		return countRequests(proxy, func(r b2proxy.Request) bool {
			return r.Op == "DeleteObjects" || r.Op == "DeleteObject"
		})
	}

	// selectByPath types a file's location after Ctrl+L and Enter: the
	// folder opens with the file selected, which the version panel shows by
	// listing its versions (a new listing, counted). With the path not
	// selected the typed text would join the old path and no such listing
	// would come.
	selectByPath := func(key string) {
		t.Helper()
		versionLists := func() int {
			return countRequests(proxy, func(r b2proxy.Request) bool {
				return r.Op == "ListObjectVersions" && queryParam(r.Query, "prefix") == key
			})
		}
		seen := versionLists()
		x.key("ctrl+l")
		x.typeText("b2://" + xdoBucket + "/" + key)
		x.key("Return")
		waitFor(t, h, key+" selected (its versions listed)", stepTimeout, func() bool { return versionLists() > seen })
	}
	selectByPath("docs/keep.txt")

	// Shift+Del opens the dialog; Enter with the field empty and with a
	// wrong name must not press "Delete for good"; Escape closes it. Ctrl+R
	// is ignored while any dialog is up (and a deletion keeps its progress
	// dialog up until it ends), so the listing it asks for proves the
	// dialog is gone and nothing was being deleted.
	before := listed()
	mark := len(proxy.Requests())
	x.key("shift+Delete")
	x.key("Return")
	x.typeText("kee")
	x.key("Return")
	x.key("Escape")
	x.key("ctrl+r")
	waitFor(t, h, "Escape closed the dialog (Ctrl+R refreshed the folder)", stepTimeout, func() bool { return listed() > before })
	if n := deletes(); n != 0 {
		t.Fatalf("Enter without the name typed sent %d delete requests", n)
	}
	// Had Shift+Del not opened the dialog, Enter would have reached the
	// table and opened keep.txt's properties (HEAD, versions, preview).
	for _, r := range proxy.Requests()[mark:] {
		if r.Key == "docs/keep.txt" || strings.HasPrefix(queryParam(r.Query, "prefix"), "docs/keep") {
			t.Fatalf("Enter reached the table, not a dialog: Haul sent %s %s?%s", r.Op, r.Path, r.Query)
		}
	}
	if n := versions("docs/keep.txt"); n != 2 {
		t.Fatalf("keep.txt has %d versions after Enter without its name, want 2", n)
	}

	// Select keep.txt again as at the start: Ctrl+R empties the table until
	// its listing arrives, and a key pressed before then finds no selection.
	// The listing of keep.txt's versions says the row is selected again.
	selectByPath("docs/keep.txt")

	// Shift+Del again, the name, Enter: every version goes. The listing
	// after the deletion (its progress dialog is hidden first) means no
	// dialog is left up for the keys that follow.
	x.key("shift+Delete")
	x.typeText("keep.txt")
	x.key("Return")
	waitFor(t, h, "keep.txt deleted for good on the server", stepTimeout, func() bool { return versions("docs/keep.txt") == 0 })
	waitFor(t, h, "the folder listed again after the deletion", stepTimeout, func() bool {
		reqs := proxy.Requests()
		lastDelete := -1
		for i, r := range reqs {
			if r.Op == "DeleteObjects" || r.Op == "DeleteObject" {
				lastDelete = i
			}
		}
		for _, r := range reqs[lastDelete+1:] {
			if r.Op == "ListObjectsV2" && queryParam(r.Query, "prefix") == "docs/" {
				return true
			}
		}
		return false
	})
	if n := versions("docs/other.txt"); n != 1 {
		t.Errorf("other.txt has %d versions, want 1: only the selected file may go", n)
	}

	// Ctrl+D downloads other.txt to ~/Downloads. Ctrl+D again asks what to
	// do with the file that is there: Enter must not choose (Replace would
	// overwrite it) and Escape cancels; Ctrl+R, ignored while a dialog is
	// up, then lists the folder. No second download was asked for.
	gets := func() int {
		return countRequests(proxy, func(r b2proxy.Request) bool { return r.Op == "GetObject" && r.Key == "docs/other.txt" })
	}
	selectByPath("docs/other.txt")
	downloaded := filepath.Join(h.home, "Downloads", "other.txt")
	x.key("ctrl+d")
	waitFor(t, h, "other.txt downloaded", stepTimeout, func() bool { _, err := os.Stat(downloaded); return err == nil })
	first := gets()
	before = listed()
	mark = len(proxy.Requests())
	x.key("ctrl+d")
	// The question comes after a look at the disk, with no request to wait
	// for. Should Enter come first, it would reach the table and open
	// other.txt's properties, which the check below would see.
	time.Sleep(1500 * time.Millisecond)
	x.key("Return")
	x.key("Escape")
	x.key("ctrl+r")
	waitFor(t, h, "Escape closed the question (Ctrl+R refreshed the folder)", stepTimeout, func() bool { return listed() > before })
	if n := gets(); n != first {
		t.Errorf("Enter or Escape on the question downloaded other.txt again (%d GETs, then %d)", first, n)
	}
	for _, r := range proxy.Requests()[mark:] {
		if r.Op == "HeadObject" && r.Key == "docs/other.txt" {
			t.Errorf("Enter reached the table (other.txt's properties opened), not the question")
		}
	}
	if names, _ := filepath.Glob(filepath.Join(h.home, "Downloads", "*")); len(names) != 1 {
		t.Errorf("~/Downloads holds %v after Escape, want other.txt alone", names)
	}

	// Ctrl+L and a shorter path: it replaces the whole path (the old bug
	// mixed the typed text into the old path) and the bucket's root opens.
	x.key("ctrl+l")
	x.typeText("b2://" + xdoBucket + "/")
	x.key("Return")
	h.waitTitle(t, "Haul — b2://"+xdoBucket+"/")
	// And back into the folder, then Alt+Up: the table has the keyboard
	// after Enter in the path bar (the path bar would swallow Alt+Up).
	x.key("ctrl+l")
	x.typeText("b2://" + xdoBucket + "/docs/")
	x.key("Return")
	h.waitTitle(t, "Haul — b2://"+xdoBucket+"/docs/")
	x.key("alt+Up")
	h.waitTitle(t, "Haul — b2://"+xdoBucket+"/")

	h.stop(t)
	if refused := proxy.Refusals(); len(refused) > 0 {
		t.Errorf("B2 would refuse what Haul sent: %v", refused)
	}
}

// xdotoolPath finds xdotool; the test fails without it, in CI and outside.
func xdotoolPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xdotool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xdotool is required in CI and was not found: `make test` installs it (Debian package xdotool)")
		}
		t.Fatal("xdotool was not found: run `make test`, which installs it, or apt-get install xdotool")
	}
	return p
}

// seedXdoBucket creates xdoBucket with docs/keep.txt (two versions) and
// docs/other.txt (one), talking to the server directly, and returns the
// client for checking it afterwards.
func seedXdoBucket(t *testing.T, srv *s3test.Server) *store.Client {
	t.Helper()
	c, err := store.NewClient(store.Config{Endpoint: srv.Endpoint, Region: srv.Region, KeyID: srv.AccessKey, Key: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, xdoBucket, store.Private); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ key, body string }{
		{"docs/keep.txt", "first"},
		{"docs/keep.txt", "second"},
		{"docs/other.txt", "other"},
	} {
		if _, err := c.Put(ctx, store.PutInput{Bucket: xdoBucket, Key: f.key, Body: strings.NewReader(f.body)}); err != nil {
			t.Fatalf("put %s: %v", f.key, err)
		}
	}
	return c
}

func countRequests(p *b2proxy.Proxy, match func(b2proxy.Request) bool) int {
	n := 0
	for _, r := range p.Requests() {
		if match(r) {
			n++
		}
	}
	return n
}

func queryParam(raw, name string) string {
	q, _ := url.ParseQuery(raw)
	return q.Get(name)
}

// xclient sends input to Haul's window through xdotool (XTEST), as a
// person's keyboard would.
type xclient struct {
	t         *testing.T
	bin, disp string
	win       string
}

func (x *xclient) run(args ...string) string {
	x.t.Helper()
	cmd := exec.Command(x.bin, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.disp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		x.t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// haulWindow returns the id of Haul's visible window.
func (x *xclient) haulWindow(h *haulProc) string {
	x.t.Helper()
	var id string
	waitFor(x.t, h, "xdotool to find the Haul window", stepTimeout, func() bool {
		cmd := exec.Command(x.bin, "search", "--onlyvisible", "--name", "^Haul ")
		cmd.Env = append(os.Environ(), "DISPLAY="+x.disp)
		out, _ := cmd.Output()
		id, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
		return id != ""
	})
	return id
}

// key presses and releases each chord (xdotool names: ctrl+l, shift+Delete).
func (x *xclient) key(chords ...string) {
	x.t.Helper()
	x.run(append([]string{"key", "--clearmodifiers", "--delay", "50"}, chords...)...)
}

func (x *xclient) typeText(s string) {
	x.t.Helper()
	x.run("type", "--clearmodifiers", "--delay", "20", s)
}
