package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"
)

// errDBusLaunch is what go-keyring returns with no session bus and no
// dbus-launch (see FYNE.md).
var errDBusLaunch = errors.New(`exec: "dbus-launch": executable file not found in $PATH`)

func b2Account(name string) Account {
	return Account{
		Name: name, KeyID: testKeyID,
		Endpoint: "https://s3.us-west-004.backblazeb2.com", Region: "us-west-004",
		Restriction: &Restriction{Capabilities: []string{"listBuckets"}},
	}
}

func openTestAccounts(t *testing.T, dir string) *Accounts {
	t.Helper()
	a, warning, err := OpenAccounts(dir, nil)
	if err != nil || warning != nil {
		t.Fatalf("OpenAccounts: %v %v", warning, err)
	}
	return a
}

// assertSecretNotInFiles fails if any file under dir holds secret.
func assertSecretNotInFiles(t *testing.T, dir, secret string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s contains the secret", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAccountsAddSecretAndReopen(t *testing.T) {
	mockKeyring(t)
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	acct, err := a.Add(b2Account(""), testKey)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^0041a2b3c4d5-[0-9a-f]{8}$`).MatchString(acct.ID) {
		t.Errorf("ID = %q", acct.ID)
	}
	if acct.Name != "B2 0041a2b3c4…" || acct.Added.IsZero() || acct.Source != Saved {
		t.Errorf("account = %+v", acct)
	}
	if got, err := keyring.Get(KeychainService, acct.ID); err != nil || got != testKey {
		t.Errorf("keychain holds %q, %v", got, err)
	}
	if a.KeychainProblem() != nil {
		t.Errorf("problem = %v", a.KeychainProblem())
	}
	assertSecretNotInFiles(t, dir, testKey)

	b := openTestAccounts(t, dir)
	list := b.List()
	if len(list) != 1 || list[0].ID != acct.ID || list[0].Restriction == nil || !list[0].Restriction.Can("listBuckets") {
		t.Fatalf("reopened list = %+v", list)
	}
	if s, err := b.Secret(acct.ID); err != nil || s != testKey {
		t.Errorf("Secret = %q, %v", s, err)
	}
}

func TestAccountsAddValidates(t *testing.T) {
	mockKeyring(t)
	a := openTestAccounts(t, t.TempDir())
	master := b2Account("m")
	master.KeyID = "a1b2c3d4e5f6"
	noRegion := b2Account("r")
	noRegion.Region = ""
	httpRemote := b2Account("h")
	httpRemote.Endpoint = "http://s3.us-west-004.backblazeb2.com"
	tests := []struct {
		name   string
		acct   Account
		secret string
		want   string
	}{
		{"master key", master, testKey, "master key"},
		{"no secret", b2Account("x"), "", "key is empty"},
		{"secret with newline", b2Account("x"), testKey + "\n", "line break"},
		{"no region", noRegion, testKey, "no region"},
		{"http on the internet", httpRemote, testKey, "plain http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.Add(tt.acct, tt.secret); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if len(a.List()) != 0 {
		t.Errorf("refused accounts were saved: %+v", a.List())
	}
}

func TestAccountsAddRefusesDuplicateKey(t *testing.T) {
	mockKeyring(t)
	a := openTestAccounts(t, t.TempDir())
	if _, err := a.Add(b2Account("one"), testKey); err != nil {
		t.Fatal(err)
	}
	same := b2Account("two")
	same.Endpoint += "/"
	if _, err := a.Add(same, testKey); err == nil || !strings.Contains(err.Error(), "already saved") {
		t.Fatalf("err = %v", err)
	}
}

func TestAccountsListOrder(t *testing.T) {
	mockKeyring(t)
	a := openTestAccounts(t, t.TempDir())
	for i, name := range []string{"zeta", "Alpha", "beta"} {
		acct := b2Account(name)
		acct.KeyID = fmt.Sprintf("%s%d", testKeyID, i)
		if _, err := a.Add(acct, testKey); err != nil {
			t.Fatal(err)
		}
	}
	env := Account{KeyID: "envkey", Endpoint: "http://127.0.0.1:7070", Region: "us-east-1"}
	if err := a.SetSession(env, "envsecret"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, acct := range a.List() {
		got = append(got, acct.Name)
	}
	if strings.Join(got, ",") != ",Alpha,beta,zeta" {
		t.Errorf("order = %q", got)
	}
	if l := a.List(); l[0].ID != SessionAccountID || l[0].Source != Session {
		t.Errorf("first = %+v", l[0])
	}
}

func TestAccountsListReturnsCopies(t *testing.T) {
	mockKeyring(t)
	a := openTestAccounts(t, t.TempDir())
	if _, err := a.Add(b2Account("x"), testKey); err != nil {
		t.Fatal(err)
	}
	a.List()[0].Restriction.Capabilities[0] = "changed"
	if a.List()[0].Restriction.Capabilities[0] != "listBuckets" {
		t.Error("List shares memory with the registry")
	}
}

func TestAccountsUpdate(t *testing.T) {
	mockKeyring(t)
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	acct, err := a.Add(b2Account("old"), testKey)
	if err != nil {
		t.Fatal(err)
	}

	acct.Name = "new"
	if err := a.Update(acct, ""); err != nil {
		t.Fatal(err)
	}
	if s, _ := a.Secret(acct.ID); s != testKey {
		t.Errorf("secret changed to %q", s)
	}

	acct.KeyID = "0041ffffffffff0000000009"
	if err := a.Update(acct, ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("new key ID without key: %v", err)
	}
	if err := a.Update(acct, "K004newsecret"); err != nil {
		t.Fatal(err)
	}
	if s, _ := keyring.Get(KeychainService, acct.ID); s != "K004newsecret" {
		t.Errorf("keychain holds %q", s)
	}

	b := openTestAccounts(t, dir)
	got, ok := b.Lookup(acct.ID)
	if !ok || got.Name != "new" || got.KeyID != "0041ffffffffff0000000009" || !got.Added.Equal(acct.Added) {
		t.Errorf("reopened = %+v", got)
	}

	missing := acct
	missing.ID = "nope"
	if err := a.Update(missing, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	if err := a.Update(Account{ID: SessionAccountID}, ""); !errors.Is(err, ErrUnsupported) {
		t.Errorf("session account: %v", err)
	}
	assertSecretNotInFiles(t, dir, "K004newsecret")
	assertSecretNotInFiles(t, dir, testKey)
}

func TestAccountsRemove(t *testing.T) {
	mockKeyring(t)
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	acct, err := a.Add(b2Account("gone"), testKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetLast(acct.ID, "b2://photos/"); err != nil {
		t.Fatal(err)
	}
	if err := a.Remove(acct.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(KeychainService, acct.ID); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("keychain item left: %v", err)
	}
	if _, err := a.Secret(acct.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Secret after Remove: %v", err)
	}
	if id, loc := a.Last(); id != "" || loc != "" {
		t.Errorf("last = %q %q", id, loc)
	}
	if err := a.Remove(acct.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Remove: %v", err)
	}
	if l := openTestAccounts(t, dir).List(); len(l) != 0 {
		t.Errorf("reopened list = %+v", l)
	}
}

func TestAccountsRemoveWithoutKeychainItem(t *testing.T) {
	mockKeyring(t)
	a := openTestAccounts(t, t.TempDir())
	acct, err := a.Add(b2Account("x"), testKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Delete(KeychainService, acct.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Remove(acct.ID); err != nil {
		t.Errorf("a missing keychain item is not an error: %v", err)
	}
}

func TestAccountsLast(t *testing.T) {
	mockKeyring(t)
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	if id, loc := a.Last(); id != "" || loc != "" {
		t.Fatalf("fresh last = %q %q", id, loc)
	}
	if err := a.SetLast("abc", "b2://bucket/prefix/"); err != nil {
		t.Fatal(err)
	}
	if id, loc := openTestAccounts(t, dir).Last(); id != "abc" || loc != "b2://bucket/prefix/" {
		t.Errorf("reopened last = %q %q", id, loc)
	}
}

func TestAccountsSessionNeverSaved(t *testing.T) {
	mockKeyring(t)
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	env := Account{ID: "ignored", KeyID: "envkey", Name: "Environment", Endpoint: "http://127.0.0.1:7070", Region: "us-east-1"}
	if err := a.SetSession(env, "envsecret-123"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetLast(SessionAccountID, "b2://b/"); err != nil { // forces a save
		t.Fatal(err)
	}
	got, ok := a.Lookup(SessionAccountID)
	if !ok || got.Source != Session || got.KeyID != "envkey" {
		t.Fatalf("session = %+v", got)
	}
	if s, err := a.Secret(SessionAccountID); err != nil || s != "envsecret-123" {
		t.Errorf("Secret = %q %v", s, err)
	}
	if _, err := keyring.Get(KeychainService, SessionAccountID); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("session secret reached the keychain: %v", err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, SettingsFile))
	if bytes.Contains(data, []byte("envkey")) {
		t.Errorf("session account saved:\n%s", data)
	}
	assertSecretNotInFiles(t, dir, "envsecret-123")
	if err := a.Remove(SessionAccountID); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Lookup(SessionAccountID); ok {
		t.Error("session still listed")
	}

	if err := a.SetSession(Account{KeyID: "k", Endpoint: "http://example.com", Region: "r"}, "s"); err == nil {
		t.Error("session account with http on the internet accepted")
	}
	if err := a.SetSession(Account{KeyID: "k", Region: "r"}, "s"); err == nil {
		t.Error("session account without endpoint accepted")
	}
}

func TestAccountsKeychainUnreachableKeepsSecretForSession(t *testing.T) {
	mockKeyringError(t, errDBusLaunch)
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	acct, err := a.Add(b2Account("offline"), testKey)
	if !errors.Is(err, ErrNoKeychain) {
		t.Fatalf("Add warning = %v, want ErrNoKeychain", err)
	}
	if acct.ID == "" {
		t.Fatal("no account returned with the warning")
	}
	for _, want := range []string{"no system keychain is reachable", "Secret Service", "this session only"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("warning %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("warning shows the key")
	}
	if !errors.Is(a.KeychainProblem(), ErrNoKeychain) {
		t.Errorf("KeychainProblem = %v", a.KeychainProblem())
	}
	if s, err := a.Secret(acct.ID); err != nil || s != testKey {
		t.Errorf("Secret = %q, %v", s, err)
	}
	assertSecretNotInFiles(t, dir, testKey)
	if len(a.List()) != 1 {
		t.Errorf("account not listed")
	}

	// Next run: the account is there, its key is not.
	b := openTestAccounts(t, dir)
	if _, err := b.Secret(acct.ID); !errors.Is(err, ErrNoKeychain) {
		t.Errorf("Secret after restart = %v, want ErrNoKeychain", err)
	}

	// Remove still removes, and says the key may remain.
	if err := a.Remove(acct.ID); !errors.Is(err, ErrNoKeychain) {
		t.Errorf("Remove = %v", err)
	}
	if len(a.List()) != 0 || a.KeychainProblem() != nil {
		t.Errorf("after Remove: %+v, problem %v", a.List(), a.KeychainProblem())
	}
}

func TestAccountsKeychainRecovers(t *testing.T) {
	mockKeyringError(t, errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"))
	a := openTestAccounts(t, t.TempDir())
	acct, err := a.Add(b2Account("x"), testKey)
	if !errors.Is(err, ErrNoKeychain) || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("Add = %v", err)
	}
	mockKeyring(t)
	if err := a.Update(acct, "K004fresh"); err != nil {
		t.Fatal(err)
	}
	if a.KeychainProblem() != nil {
		t.Errorf("problem after a successful save: %v", a.KeychainProblem())
	}
	if s, _ := keyring.Get(KeychainService, acct.ID); s != "K004fresh" {
		t.Errorf("keychain holds %q", s)
	}
}

func TestAccountsConcurrentUse(t *testing.T) {
	mockKeyring(t)
	a := openTestAccounts(t, t.TempDir())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct := b2Account(fmt.Sprint("acct", i))
			acct.KeyID = fmt.Sprintf("%s%d", testKeyID, i)
			added, err := a.Add(acct, fmt.Sprint("K", i))
			if err != nil {
				t.Error(err)
				return
			}
			_ = a.List()
			if s, err := a.Secret(added.ID); err != nil || s != fmt.Sprint("K", i) {
				t.Errorf("Secret = %q %v", s, err)
			}
			_ = a.SetLast(added.ID, "b2://x/")
		}()
	}
	wg.Wait()
	if n := len(a.List()); n != 8 {
		t.Errorf("%d accounts", n)
	}
}

func TestOpenAccountsReportsBrokenSettings(t *testing.T) {
	mockKeyring(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, warning, err := OpenAccounts(dir, nil)
	if err != nil || a == nil {
		t.Fatal(err)
	}
	if !errors.Is(warning, ErrSettingsBroken) {
		t.Fatalf("warning = %v", warning)
	}
	if len(a.List()) != 0 {
		t.Error("accounts from a broken file")
	}
	if _, err := a.Add(b2Account("fresh"), testKey); err != nil {
		t.Fatal(err)
	}
	if n := len(brokenFiles(t, dir)); n != 1 {
		t.Errorf("%d broken files", n)
	}
}

func TestOpenAccountsCreatesPrivateDir(t *testing.T) {
	mockKeyring(t)
	dir := filepath.Join(t.TempDir(), "haul")
	openTestAccounts(t, dir)
	assertMode(t, dir, 0o700)
}

// TestAccountsSameKeySameID checks that adding the same key at the same
// endpoint again, after removing it or after the settings file broke and was
// moved aside, gives the same ID (transfers are kept per ID), and that
// another endpoint or key gives another.
func TestAccountsSameKeySameID(t *testing.T) {
	mockKeyring(t)
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	first, err := a.Add(b2Account("first"), testKey)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9A-Za-z]{1,12}-[0-9a-f]{8}$`).MatchString(first.ID) {
		t.Errorf("ID %q is not the key ID's start and eight hex digits", first.ID)
	}

	if err := a.Remove(first.ID); err != nil {
		t.Fatal(err)
	}
	again, err := a.Add(b2Account("again"), testKey)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID {
		t.Errorf("added again after Remove: ID %q, want %q", again.ID, first.ID)
	}

	// Break the settings file: OpenAccounts moves it aside and starts empty.
	if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	reopened, warning, err := OpenAccounts(dir, nil)
	if err != nil || !errors.Is(warning, ErrSettingsBroken) || len(reopened.List()) != 0 {
		t.Fatalf("OpenAccounts of a broken file: %v, %v, %d accounts", warning, err, len(reopened.List()))
	}
	restored, err := reopened.Add(b2Account("restored"), testKey)
	if err != nil {
		t.Fatal(err)
	}
	if restored.ID != first.ID {
		t.Errorf("added again after the settings broke: ID %q, want %q", restored.ID, first.ID)
	}

	other := b2Account("other region")
	other.Endpoint, other.Region = "https://s3.eu-central-003.backblazeb2.com", "eu-central-003"
	o, err := reopened.Add(other, testKey)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := b2Account("other key")
	otherKey.KeyID = testKeyID[:len(testKeyID)-1] + "9"
	if otherKey.KeyID == testKeyID {
		otherKey.KeyID = testKeyID[:len(testKeyID)-1] + "8"
	}
	k, err := reopened.Add(otherKey, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID == first.ID || k.ID == first.ID || o.ID == k.ID {
		t.Errorf("IDs %q (first), %q (other endpoint), %q (other key) are not all different", first.ID, o.ID, k.ID)
	}

	// An ID already taken by another account (as if by a hash collision)
	// moves the new one on, and the same way every time.
	reopened.mu.Lock()
	id1, _ := reopened.newIDLocked("0041234", "https://s3.x.backblazeb2.com")
	reopened.settings.Accounts = append(reopened.settings.Accounts, Account{ID: id1, KeyID: "someone else"})
	id2, _ := reopened.newIDLocked("0041234", "https://s3.x.backblazeb2.com")
	id3, _ := reopened.newIDLocked("0041234", "https://s3.x.backblazeb2.com")
	reopened.mu.Unlock()
	if id2 == id1 || id2 != id3 {
		t.Errorf("IDs with the first taken: %q, %q (first %q); want another, the same both times", id2, id3, id1)
	}
}
