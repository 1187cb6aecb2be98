package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/b2proxy"
	"github.com/haul-app/haul/transfer"
)

// keyedClient is a client of the sandbox through a B2 proxy (p, or a new
// one when nil), which checks SSE-C as B2 does, holding the sandbox
// account's keys from book.
func keyedClient(t *testing.T, book *store.Accounts, p *b2proxy.Proxy) (*store.Client, *b2proxy.Proxy) {
	t.Helper()
	cfg := testSandbox.Account().ClientConfig(testSandbox.Secret())
	if p == nil {
		p = b2proxy.New(t, cfg.Endpoint)
	}
	cfg.Endpoint = p.URL
	if book != nil {
		cfg.Keys = book.KeyRing(testSandbox.Account().ID)
	}
	c, err := store.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, p
}

// newKeysHarness is a window on start through c, with a transfer queue on
// c and the customer keys of book.
func newKeysHarness(t *testing.T, c *store.Client, book *store.Accounts, start Location) (*harness, *transfer.Queue) {
	t.Helper()
	opts := transfer.DefaultOptions()
	opts.JournalDir = t.TempDir()
	q, warn, err := transfer.NewQueue(c, opts)
	if err != nil || warn != nil {
		t.Fatal(err, warn)
	}
	t.Cleanup(func() { q.Close() })
	a := test.NewTempApp(t)
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	h.ui(func() {
		h.w = NewWindow(a, Deps{
			Keys:      book,
			Connect:   func(context.Context, store.Account) (Remote, error) { return c, nil },
			OpenQueue: func(store.Account) (Queue, error) { return q, nil },
			Sandbox:   &SandboxInfo{Account: testSandbox.Account(), Dir: testSandbox.Dir},
			Start:     start,
		})
		h.w.browser.onView = func(v *folderView) { h.views <- v }
	})
	h.ui(h.w.Show)
	t.Cleanup(func() { h.ui(h.w.win.Close) })
	h.waitDone(start.Prefix)
	h.eventually("the queue", func() bool { return h.w.queue != nil })
	return h, q
}

func openKeyBook(t *testing.T) *store.Accounts {
	t.Helper()
	keyring.MockInit()
	book, warn, err := store.OpenAccounts(t.TempDir(), nil)
	if err != nil || warn != nil {
		t.Fatal(err, warn)
	}
	return book
}

// addKey keeps key for the account; without a reachable keychain (a test
// run outside a D-Bus session) it is kept for the session, which is
// enough for these tests of B2 and the window.
func addKey(t *testing.T, book *store.Accounts, acct string, key store.CustomerKey) {
	t.Helper()
	if err := book.AddCustomerKey(acct, key); err != nil && !errors.Is(err, store.ErrNoKeychain) {
		t.Fatal(err)
	}
}

// TestEncryptionKeysDialog drives the Encryption keys dialog: a pasted key
// that is not one is explained and nothing is kept; a new key is shown only
// when asked and can be copied; it becomes the uploads' default; deleting
// it is refused until its exact name is typed, and only then goes.
func TestEncryptionKeysDialog(t *testing.T) {
	book := openKeyBook(t)
	acct := testSandbox.Account().ID
	h, _ := newKeysHarness(t, testClient, book, Location{Bucket: pagingBucket})
	h.tapButton("Encryption keys…")
	h.waitSee("No keys yet.")

	h.tapButton("Paste a key…")
	h.waitSee("Name it, and paste the key:")
	h.typeText("Old laptop")
	h.press(0, fyne.KeyReturn) // to the key field
	h.typeText("not-a-key")
	h.tapButton("Add key")
	h.waitSee("The key is not base64 text; an SSE-C key is 32 bytes written as 44 characters ending in =.")
	if h.sees("not-a-key") {
		t.Error("the pasted text is shown")
	}
	if refs := book.CustomerKeyRefs(acct); len(refs) != 0 {
		t.Fatalf("a bad key was kept: %+v", refs)
	}
	h.tapButton("Cancel")

	h.tapButton("New key…")
	h.waitSee("Name of the new key:")
	h.typeText("Photos")
	h.tapButton("Create key")
	h.waitSee("Your new key “Photos”")
	key, err := book.KeyRing(acct).CustomerKey("Photos")
	if err != nil {
		t.Fatal(err)
	}
	if h.sees(key.Encoded()) {
		t.Fatal("the key is on screen before Show key")
	}
	h.tapButton("Copy key")
	if got := get(h, func() string { return fyne.CurrentApp().Clipboard().Content() }); got != key.Encoded() {
		t.Errorf("the clipboard holds %d characters, not the key", len(got))
	}
	h.tapButton("Show key")
	h.waitSee(key.Encoded())
	h.tapButton("I have kept it")
	h.waitSee("Photos   (MD5 " + key.MD5 + ")   default for uploads")
	h.waitSee(uploadKeyLabel("Photos"))
	if got := get(h, h.w.keys.uploadKey); got != "Photos" {
		t.Errorf("uploads use %q, want the new default Photos", got)
	}

	stillKept := func(when string) {
		t.Helper()
		if _, err := book.KeyRing(acct).CustomerKey("Photos"); err != nil || len(book.CustomerKeyRefs(acct)) != 1 {
			t.Fatalf("%s: the key went (%v)", when, err)
		}
	}
	h.tapButton("Delete…")
	h.waitSee("Delete the key “Photos”?")
	if h.tapButton("Delete key") {
		t.Error("Delete key was enabled before the name was typed")
	}
	h.press(0, fyne.KeyReturn)
	h.typeText("photos")
	h.press(0, fyne.KeyReturn)
	if h.tapButton("Delete key") {
		t.Error("Delete key was enabled by the name in small letters")
	}
	stillKept("with a wrong name typed")
	h.press(0, fyne.KeyEscape)
	h.waitFor("the question closed", func() bool { return !h.sees("Delete the key “Photos”?") })
	stillKept("after Escape")

	h.tapButton("Delete…")
	h.waitSee("Delete the key “Photos”?")
	h.typeText("Photos")
	if !h.tapButton("Delete key") {
		t.Fatal("Delete key stayed disabled with the name typed")
	}
	h.waitSee("No keys yet.")
	if _, err := book.KeyRing(acct).CustomerKey("Photos"); !errors.Is(err, store.ErrKeyMissing) {
		t.Errorf("the key is still kept: %v", err)
	}
	if got := get(h, h.w.keys.uploadKey); got != "" {
		t.Errorf("uploads still use %q", got)
	}
}

// TestUploadWithKeyThenDownload drops a file while the account's default
// key is chosen: B2 (the proxy) stores it with the key, the window
// downloads it back, its properties name the key and Share refuses it.
// Choosing no key beside the button uploads the next file without one.
func TestUploadWithKeyThenDownload(t *testing.T) {
	book := openKeyBook(t)
	acct := testSandbox.Account().ID
	key, err := store.NewCustomerKey("Vault")
	if err != nil {
		t.Fatal(err)
	}
	addKey(t, book, acct, key)
	c, p := keyedClient(t, book, nil)
	bucket := newBucket(t, fmt.Sprintf("haul-ui-ssec-%d", time.Now().UnixNano()%1e9), store.Private)
	h, q := newKeysHarness(t, c, book, Location{Bucket: bucket})
	h.waitSee(uploadKeyLabel("Vault"))

	photo := filepath.Join(t.TempDir(), "secret.txt")
	want := writeFile(t, photo, 5000)
	h.ui(func() { h.w.dropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(photo)}) })
	allDone(t, q, 1)
	sent := false
	for _, r := range p.Requests() {
		if r.Op == "PutObject" {
			sent = r.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key-Md5") == key.MD5
		}
	}
	if !sent {
		t.Fatal("the upload did not carry the key")
	}
	plain, _ := keyedClient(t, nil, p)
	if _, err := plain.Head(context.Background(), bucket, "secret.txt", ""); !errors.Is(err, store.ErrKeyMissing) {
		t.Fatalf("the file opens without the key: %v", err)
	}

	dest := h.selectForDownload("secret.txt")
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyD)
	allDone(t, q, 2)
	if got, err := os.ReadFile(filepath.Join(dest, "secret.txt")); err != nil || string(got) != string(want) {
		t.Fatalf("downloaded file differs: %v", err)
	}
	h.press(fyne.KeyModifierAlt, fyne.KeyReturn)
	h.waitSee("SSE-C: encrypted with your key “Vault”")
	h.press(0, fyne.KeyEscape)
	h.waitFor("the properties closed", func() bool { return !h.dialogUp() })
	// A share link would not open the file: Share says so instead.
	h.tapButton("Share")
	h.waitSee("B2 cannot serve it through a plain link")
	h.press(0, fyne.KeyEscape)
	h.waitFor("the share dialog closed", func() bool { return !h.dialogUp() })

	// The next upload without a key, chosen beside the button.
	h.choose(uploadKeyLabel("Vault"), noCustomerKey)
	open := filepath.Join(t.TempDir(), "open.txt")
	writeFile(t, open, 100)
	h.ui(func() { h.w.dropped(fyne.NewPos(5, 5), []fyne.URI{storage.NewFileURI(open)}) })
	allDone(t, q, 3)
	if info, err := plain.Head(context.Background(), bucket, "open.txt", ""); err != nil || info.SSECustomer {
		t.Fatalf("the upload without a key: %+v, %v", info, err)
	}

}

// TestMissingKeySaysHowToAddIt opens a file stored with a key the account
// does not hold: its properties and a download say so in a sentence, and
// nothing is written.
func TestMissingKeySaysHowToAddIt(t *testing.T) {
	key, err := store.NewCustomerKey("Elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	owner := openKeyBook(t)
	addKey(t, owner, "someone-else", key)
	oc, _ := keyedClient(t, nil, nil)
	bucket := newBucket(t, fmt.Sprintf("haul-ui-nokey-%d", time.Now().UnixNano()%1e9), store.Private)
	writer, err := store.NewClient(store.Config{Endpoint: oc.Endpoint(), Region: oc.Region(),
		KeyID: testSandbox.Account().KeyID, Key: testSandbox.Secret(), Keys: owner.KeyRing("someone-else")})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if _, err := writer.Put(context.Background(), store.PutInput{Bucket: bucket, Key: "secret.txt",
		Body: strings.NewReader("locked away"), CustomerKey: "Elsewhere"}); err != nil {
		t.Fatal(err)
	}

	h, q := newKeysHarness(t, oc, openKeyBook(t), Location{Bucket: bucket})
	dest := h.selectForDownload("secret.txt")
	h.press(fyne.KeyModifierAlt, fyne.KeyReturn)
	h.waitSee("add that key under Encryption keys… (Paste a key) and try again.")
	h.press(0, fyne.KeyEscape)
	h.waitFor("the dialog closed", func() bool { return !h.dialogUp() })
	h.press(fyne.KeyModifierShortcutDefault, fyne.KeyD)
	h.eventually("the download to fail", func() bool {
		s := q.Snapshot()
		return len(s.Jobs) == 1 && s.Jobs[0].State == transfer.Failed
	})
	if msg := Sentence(q.Snapshot().Jobs[0].Err); !strings.Contains(msg, "encrypted with a customer key (SSE-C) that Haul does not hold") {
		t.Errorf("the failure reads %q", msg)
	}
	if _, err := os.Stat(filepath.Join(dest, "secret.txt")); err == nil {
		t.Error("a file was written without the key")
	}
	h.tapButton("Share")
	h.waitSee("B2 cannot serve it through a plain link")
}

// selectForDownload waits for key to be listed, selects it, and makes a
// new temporary folder the one Ctrl+D downloads into, which it returns.
func (h *harness) selectForDownload(key string) string {
	h.t.Helper()
	h.eventually(key+" listed", func() bool {
		v := h.w.browser.view
		return v.done && v.index(key) >= 0 && h.w.browser.cancel == nil
	})
	dest := h.t.TempDir()
	h.ui(func() {
		h.w.browser.selectOnly(h.w.browser.view.index(key))
		fyne.CurrentApp().Preferences().SetString(prefDownloadDir, dest)
	})
	return dest
}
