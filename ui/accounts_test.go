package ui

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"github.com/haul-app/haul/store"
)

const authorizeJSON = `{
  "accountId": "a1b2c3d4e5f6",
  "apiInfo": {"storageApi": {
    "s3ApiUrl": "https://s3.us-west-004.backblazeb2.com",
    "downloadUrl": "https://f004.backblazeb2.com",
    "recommendedPartSize": 100000000,
    "absoluteMinimumPartSize": 5000000,
    "allowed": {"buckets": null, "namePrefix": null,
      "capabilities": ["listBuckets", "listAllBucketNames", "listFiles", "readFiles", "writeFiles"]}
  }},
  "authorizationToken": "token-never-shown"
}`

// accountsHarness is a window with a real account registry in a temporary
// folder and b2_authorize_account served by a local server.
func newAccountsHarness(t *testing.T) (*harness, *store.Accounts, *atomic.Int32) {
	return newAccountsHarnessHeld(t, nil)
}

// newAccountsHarnessHeld is newAccountsHarness whose authorization server
// answers only once hold is closed (nil: at once), or gives up when the
// client does.
func newAccountsHarnessHeld(t *testing.T, hold chan struct{}) (*harness, *store.Accounts, *atomic.Int32) {
	t.Helper()
	keyring.MockInit()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		id, key, _ := r.BasicAuth()
		if id != "004abc0000000000000000001" || key != "K004secretsecretsecret" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"code":"unauthorized","message":"","status":401}`))
			return
		}
		w.Write([]byte(authorizeJSON))
	}))
	t.Cleanup(srv.Close)
	book, warn, err := store.OpenAccounts(t.TempDir(), nil)
	if err != nil || warn != nil {
		t.Fatal(err, warn)
	}
	a := test.NewTempApp(t)
	h := &harness{t: t, views: make(chan *folderView, 1024)}
	// Built under the UI lock: a previous test's goroutines may still hand
	// work to widgets.
	h.ui(func() {
		h.w = NewWindow(a, Deps{
			Accounts:  book,
			Authorize: (&store.Authorizer{BaseURL: srv.URL}).Authorize,
			Connect:   func(context.Context, store.Account) (Remote, error) { return testClient, nil },
			Sandbox:   &SandboxInfo{Account: testSandbox.Account(), Dir: testSandbox.Dir},
		})
		h.w.browser.onView = func(v *folderView) { h.views <- v }
	})
	h.ui(h.w.Show)
	t.Cleanup(func() { h.ui(h.w.win.Close) })
	return h, book, &hits
}

// overlayText is all label text in the window's dialogs.
func (h *harness) overlayText() string { return get(h, h.overlayTextLocked) }

// overlayTextLocked is overlayText for callers holding the UI lock (inside
// eventually).
func (h *harness) overlayTextLocked() string {
	var b strings.Builder
	for _, o := range h.w.win.Canvas().Overlays().List() {
		for _, c := range test.LaidOutObjects(o) {
			switch l := c.(type) {
			case *widget.Label:
				b.WriteString(l.Text + "\n")
			case *widget.RichText:
				b.WriteString(l.String() + "\n")
			}
		}
	}
	return b.String()
}

func TestAddAccountDiscoversEndpointAndSwitches(t *testing.T) {
	h, book, hits := newAccountsHarness(t)
	f := newAccountForm(nil)
	h.ui(func() {
		test.Type(f.name, "Photos")
		test.Type(f.keyID, "004abc0000000000000000001")
		test.Type(f.key, "K004secretsecretsecret")
		h.w.accounts.saveAsync(f)
	})
	h.eventually("the new account to be current", func() bool { return h.w.current.Name == "Photos" })
	if hits.Load() != 1 {
		t.Errorf("authorize called %d times", hits.Load())
	}
	accts := book.List()
	if len(accts) != 1 {
		t.Fatalf("saved accounts = %+v", accts)
	}
	a := accts[0]
	if a.Endpoint != "https://s3.us-west-004.backblazeb2.com" || a.Region != "us-west-004" || a.DownloadURL != "https://f004.backblazeb2.com" {
		t.Errorf("discovered %+v", a)
	}
	if secret, err := book.Secret(a.ID); err != nil || secret != "K004secretsecretsecret" {
		t.Errorf("secret = %q, %v", secret, err)
	}
	opts := get(h, func() []string { return h.w.accounts.choose.Options })
	if strings.Join(opts, "|") != "Sandbox (on this computer)|Photos" {
		t.Errorf("switcher = %q", opts)
	}
	if get(h, func() bool { return h.w.accounts.bannerBox.Visible() }) {
		t.Error("sandbox banner still shown for a B2 account")
	}
}

// TestEscapeStopsTheKeyCheck adds an account through its form while B2 (a
// local server) has not answered the key check: Escape stops the check as the progress
// dialog's Cancel would, no error dialog follows (the person stopped it),
// and no account is saved.
func TestEscapeStopsTheKeyCheck(t *testing.T) {
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	h, book, hits := newAccountsHarnessHeld(t, hold)
	// As a person does: the button, the fields (the key ID has the
	// keyboard first), Save.
	if !h.tapButton("Add a B2 account") {
		t.Fatal("Add a B2 account is disabled")
	}
	h.dialogEntry(0)
	h.typeText("004abc0000000000000000001")
	h.tapEntry("application key", 0)
	h.typeText("K004secretsecretsecret")
	h.tapEntry("e.g. Photos backup (optional)", 0)
	h.typeText("Photos")
	name, id, key := h.dialogEntry(0), h.dialogEntry(1), h.dialogEntry(2)
	if got := get(h, func() string { return name.Text + "|" + id.Text + "|" + key.Text }); got != "Photos|004abc0000000000000000001|K004secretsecretsecret" {
		t.Fatalf("the form holds %q", got)
	}
	h.tapDialogButton("Save")
	h.waitFor("the key being checked", func() bool { return hits.Load() == 1 && h.dialogUp() })
	h.press(0, fyne.KeyEscape)
	h.waitFor("the check stopped and its dialog gone", func() bool { return !h.dialogUp() })
	if accts := book.List(); len(accts) != 0 {
		t.Errorf("an account was saved after Escape: %+v", accts)
	}
	if name := get(h, func() string { return h.w.current.Name }); name == "Photos" {
		t.Error("Haul switched to the account whose check was stopped")
	}
}

func TestMasterKeyIsExplainedBeforeAnythingIsSent(t *testing.T) {
	h, book, hits := newAccountsHarness(t)
	f := newAccountForm(nil)
	h.ui(func() { test.Type(f.keyID, "a1b2c3d4e5f6") })
	if hint := get(h, func() string { return f.hint.Text }); !strings.Contains(hint, "master key") {
		t.Errorf("hint while typing = %q", hint)
	}
	h.ui(func() {
		test.Type(f.key, "K001whatever")
		h.w.accounts.saveAsync(f)
	})
	h.waitFor("the master key explained", func() bool { return strings.Contains(h.overlayText(), "master key") })
	if txt := h.overlayText(); !strings.Contains(txt, "master key") {
		t.Errorf("dialog says %q", txt)
	}
	if hits.Load() != 0 {
		t.Errorf("authorize was called %d times for a master key", hits.Load())
	}
	if len(book.List()) != 0 {
		t.Error("a master key account was saved")
	}
}

func TestWrongKeyIsRefusedWithASentence(t *testing.T) {
	h, book, _ := newAccountsHarness(t)
	f := newAccountForm(nil)
	h.ui(func() {
		test.Type(f.keyID, "004abc0000000000000000001")
		test.Type(f.key, "K004wrong")
		h.w.accounts.saveAsync(f)
	})
	h.waitFor("the refusal", func() bool { return strings.Contains(h.overlayText(), "refused") })
	txt := h.overlayText()
	if !strings.Contains(txt, "B2 refused the key") || strings.Contains(txt, "K004wrong") {
		t.Errorf("dialog says %q", txt)
	}
	if len(book.List()) != 0 {
		t.Error("a refused account was saved")
	}
}

func TestCustomEndpointSkipsDiscovery(t *testing.T) {
	h, book, hits := newAccountsHarness(t)
	f := newAccountForm(nil)
	h.ui(func() {
		test.Type(f.keyID, "localkey")
		test.Type(f.key, "localsecret")
		test.Type(f.endpoint, testSandbox.Endpoint)
		test.Type(f.region, "us-west-004")
		h.w.accounts.saveAsync(f)
	})
	h.eventually("the custom account", func() bool { return len(book.List()) == 1 })
	a := book.List()[0]
	if !a.Custom || a.Endpoint != testSandbox.Endpoint || a.Region != "us-west-004" || hits.Load() != 0 {
		t.Errorf("account %+v, authorize hits %d", a, hits.Load())
	}

	// Plain http to another host is refused.
	f2 := newAccountForm(nil)
	h.ui(func() {
		test.Type(f2.keyID, "k2")
		test.Type(f2.key, "s2")
		test.Type(f2.endpoint, "http://example.com")
	})
	_, _, err := f2.build(context.Background(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("http endpoint on another host: %v", err)
	}
}

func TestRemoveAccountAfterConfirming(t *testing.T) {
	h, book, _ := newAccountsHarness(t)
	a, err := book.Add(store.Account{KeyID: "004abc0000000000000000001", Endpoint: "https://s3.us-west-004.backblazeb2.com", Region: "us-west-004", Name: "Old"}, "K004secret")
	if err != nil && !errors.Is(err, store.ErrNoKeychain) { // no session bus: kept for the session
		t.Fatal(err)
	}
	h.ui(func() { h.w.accounts.reload(); h.w.accounts.confirmRemove(a) })
	// The confirmation is a dialog; nothing is removed until it is accepted.
	if len(book.List()) != 1 {
		t.Fatal("removed before confirming")
	}
	h.ui(func() {
		for _, o := range test.LaidOutObjects(h.w.win.Canvas().Overlays().Top()) {
			if b, ok := o.(*widget.Button); ok && b.Text == "Yes" {
				test.Tap(b)
			}
		}
	})
	h.eventually("the account to go", func() bool { return len(book.List()) == 0 })
	if _, err := book.Secret(a.ID); err == nil {
		t.Error("the key is still in the keychain")
	}
}
