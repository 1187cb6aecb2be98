package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCustomerKeysKeptByName adds, lists, defaults and removes an
// account's customer keys: names and MD5s in the settings file, the key
// only in the keychain (here go-keyring's double; the real keychain is
// checked by checkCustomerKeyInKeychain), read back by a registry opened
// afresh.
func TestCustomerKeysKeptByName(t *testing.T) {
	mockKeyring(t)
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	k1, k2 := newTestKey(t, "Photos"), newTestKey(t, "Backups")
	if err := a.AddCustomerKey("acct-1", k1); err != nil {
		t.Fatal(err)
	}
	if err := a.AddCustomerKey("acct-1", k2); err != nil {
		t.Fatal(err)
	}
	if err := a.AddCustomerKey("acct-1", newTestKey(t, "photos")); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second key named photos: %v", err)
	}
	again, _ := ParseCustomerKey("again", k2.Encoded())
	if err := a.AddCustomerKey("acct-1", again); err == nil || !strings.Contains(err.Error(), "already kept") {
		t.Errorf("the same key under another name: %v", err)
	}
	if err := a.AddCustomerKey("acct-2", again); err != nil {
		t.Errorf("another account may keep the same key: %v", err)
	}
	refs := a.CustomerKeyRefs("acct-1")
	if len(refs) != 2 || refs[0].Name != "Backups" || refs[1].Name != "Photos" || !refs[1].Default || refs[0].Default {
		t.Fatalf("refs = %+v, want Backups, Photos (the first added, default)", refs)
	}
	if err := a.SetDefaultCustomerKey("acct-1", "Backups"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetDefaultCustomerKey("acct-1", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("default to a missing key: %v", err)
	}
	for _, k := range []CustomerKey{k1, k2} {
		assertSecretNotInFiles(t, dir, k.Encoded())
	}

	b := openTestAccounts(t, dir)
	refs = b.CustomerKeyRefs("acct-1")
	if len(refs) != 2 || !refs[0].Default || refs[0].MD5 != k2.MD5 {
		t.Fatalf("reopened refs = %+v", refs)
	}
	got, err := b.KeyRing("acct-1").CustomerKey("Photos")
	if err != nil || got.Encoded() != k1.Encoded() {
		t.Fatalf("reopened key = %v, %v", got, err)
	}
	all, err := b.KeyRing("acct-1").CustomerKeys()
	if err != nil || len(all) != 2 {
		t.Fatalf("CustomerKeys = %v, %v", all, err)
	}
	if err := b.RemoveCustomerKey("acct-1", "Photos"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.KeyRing("acct-1").CustomerKey("Photos"); !errors.Is(err, ErrKeyMissing) {
		t.Errorf("removed key: %v, want ErrKeyMissing", err)
	}
	if _, err := NewKeychain().Get(keychainKeyID("acct-1", "Photos")); !errors.Is(err, ErrNotFound) {
		t.Errorf("the removed key is still in the keychain: %v", err)
	}
	settings, err := os.ReadFile(filepath.Join(dir, SettingsFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(settings), k1.MD5) {
		t.Errorf("the removed key is still named in the settings")
	}
}

// TestCustomerKeyWithoutKeychain keeps a key for this run only when the
// keychain fails, says so, and never writes it to a file.
func TestCustomerKeyWithoutKeychain(t *testing.T) {
	mockKeyringError(t, errors.New("org.freedesktop.DBus.Error.ServiceUnknown"))
	dir := t.TempDir()
	a := openTestAccounts(t, dir)
	k := newTestKey(t, "k")
	err := a.AddCustomerKey("acct", k)
	if !errors.Is(err, ErrNoKeychain) || !strings.Contains(err.Error(), "this session only") {
		t.Fatalf("AddCustomerKey = %v, want a warning matching ErrNoKeychain", err)
	}
	if got, err := a.KeyRing("acct").CustomerKey("k"); err != nil || got.MD5 != k.MD5 {
		t.Fatalf("the key is not kept for the session: %v, %v", got, err)
	}
	if a.KeychainProblem() == nil {
		t.Error("KeychainProblem is nil")
	}
	assertSecretNotInFiles(t, dir, k.Encoded())
}

// checkCustomerKeyInKeychain runs inside the real keychain scenario: a
// customer key added to the account reaches the real keychain, no file
// holds it, a registry opened afresh reads it back, and removing it
// deletes it from the keychain.
func checkCustomerKeyInKeychain(t *testing.T, dir string, kc *Keychain, accountID string) {
	t.Helper()
	accts, _, err := OpenAccounts(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	k := newTestKey(t, "scenario key")
	if err := accts.AddCustomerKey(accountID, k); err != nil {
		t.Fatal(err)
	}
	id := keychainKeyID(accountID, k.Name)
	t.Cleanup(func() { _ = kc.Delete(id) })
	assertSecretNotInFiles(t, dir, k.Encoded())
	if s, err := kc.Get(id); err != nil || s != k.Encoded() {
		t.Fatalf("the keychain holds %d characters under the key's entry, err %v", len(s), err)
	}
	fresh, _, err := OpenAccounts(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fresh.KeyRing(accountID).CustomerKey(k.Name)
	if err != nil || got.MD5 != k.MD5 {
		t.Fatalf("read back %v, %v", got, err)
	}
	if err := fresh.RemoveCustomerKey(accountID, k.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Get(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after RemoveCustomerKey the keychain answers %v", err)
	}
}
