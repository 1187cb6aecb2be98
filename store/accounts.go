package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// SessionAccountID is the ID of the account that comes from the environment.
const SessionAccountID = "env"

// Accounts is the registry of accounts: saved ones (settings file plus OS
// keychain), at most one session account from the environment, and the last
// account and location used. It is safe for concurrent use; keychain calls run
// outside its lock, so a slow keychain never blocks List.
//
// Secrets go to the keychain only. When the keychain cannot be used, a secret
// is kept in memory for this run, KeychainProblem says why, and nothing is
// ever written to a file instead.
type Accounts struct {
	dir string
	kc  *Keychain

	mu            sync.Mutex
	settings      Settings
	session       *Account
	sessionSecret string
	// mem holds secrets that are not (yet) in the keychain: briefly while a
	// keychain call runs, and for the whole run when it failed.
	mem     map[string]memSecret
	problem error
	// keys caches customer keys read from the keychain, by keychain ID.
	keys map[string]CustomerKey
}

type memSecret struct {
	secret string
	stuck  bool // the keychain refused it; kept for this run only
}

// OpenAccounts loads the registry from dir (DefaultConfigDir in the app, a
// temporary folder in tests), creating dir with mode 0700 if needed. kc nil
// means NewKeychain(). The keychain is not touched until a secret is needed.
//
// warning is non-nil when Haul can go on but should say something: an
// unreadable settings file was moved aside (it matches ErrSettingsBroken).
// err is non-nil only when dir cannot be used at all.
func OpenAccounts(dir string, kc *Keychain) (a *Accounts, warning, err error) {
	if dir == "" {
		return nil, nil, errors.New("open accounts: no config folder given")
	}
	if err := ensureConfigDir(dir); err != nil {
		return nil, nil, err
	}
	s, warning, err := loadSettings(dir)
	if err != nil {
		return nil, nil, err
	}
	if kc == nil {
		kc = NewKeychain()
	}
	return &Accounts{dir: dir, kc: kc, settings: s, mem: map[string]memSecret{}, keys: map[string]CustomerKey{}}, warning, nil
}

// Dir is the config folder the settings file lives in.
func (a *Accounts) Dir() string { return a.dir }

// List returns the session account first, if any, then the saved accounts
// sorted by name. The slice and its accounts are copies.
func (a *Accounts) List() []Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Account, 0, len(a.settings.Accounts)+1)
	if a.session != nil {
		out = append(out, cloneAccount(*a.session))
	}
	saved := make([]Account, 0, len(a.settings.Accounts))
	for _, acct := range a.settings.Accounts {
		saved = append(saved, cloneAccount(acct))
	}
	slices.SortStableFunc(saved, func(x, y Account) int {
		if c := strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return append(out, saved...)
}

// Lookup returns the account with the given ID.
func (a *Accounts) Lookup(id string) (Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.session != nil && id == a.session.ID {
		return cloneAccount(*a.session), true
	}
	if i := a.indexLocked(id); i >= 0 {
		return cloneAccount(a.settings.Accounts[i]), true
	}
	return Account{}, false
}

// Add saves a new account and puts its secret in the keychain. It assigns the
// ID (the key ID's start plus a hash of key ID and endpoint, so the same key
// at the same endpoint gets the same ID again), a default Name when empty,
// and Added, and returns the account as saved.
//
// When the keychain cannot be used, the account is saved anyway, the secret
// is kept in memory for this run, and the returned error matches
// ErrNoKeychain: a warning, not a failure. Any other error means nothing was
// saved.
func (a *Accounts) Add(acct Account, secret string) (Account, error) {
	endpoint, err := checkSavable(acct, secret)
	if err != nil {
		return Account{}, err
	}
	acct.Endpoint, acct.Source = endpoint, Saved
	acct.Restriction = cloneRestriction(acct.Restriction)
	if acct.Name == "" {
		acct.Name = "B2 " + shortKeyID(acct.KeyID)
	}
	if acct.Added.IsZero() {
		acct.Added = time.Now().UTC().Truncate(time.Second)
	}

	a.mu.Lock()
	for _, old := range a.settings.Accounts {
		if old.KeyID == acct.KeyID && old.Endpoint == acct.Endpoint {
			a.mu.Unlock()
			return Account{}, fmt.Errorf("add account: the key ID %s is already saved as %q", acct.KeyID, old.Name)
		}
	}
	id, err := a.newIDLocked(acct.KeyID, acct.Endpoint)
	if err != nil {
		a.mu.Unlock()
		return Account{}, err
	}
	acct.ID = id
	next := a.settings
	next.Accounts = append(slices.Clip(a.settings.Accounts), acct)
	if err := saveSettings(a.dir, next); err != nil {
		a.mu.Unlock()
		return Account{}, fmt.Errorf("add account: %w", err)
	}
	a.settings = next
	a.mem[id] = memSecret{secret: secret}
	a.mu.Unlock()

	return cloneAccount(acct), a.storeSecret(id, secret)
}

// Update changes a saved account's fields (its ID, Added and Source stay) and,
// when newSecret is not empty, its secret. A changed key ID needs its new
// secret. As with Add, an error matching ErrNoKeychain is a warning: the
// change is saved and the new secret kept for this run only.
func (a *Accounts) Update(acct Account, newSecret string) error {
	if acct.ID == SessionAccountID {
		return fmt.Errorf("update account: the environment's account is not saved and cannot be edited: %w", ErrUnsupported)
	}
	secretForCheck := newSecret
	if secretForCheck == "" {
		secretForCheck = "unchanged"
	}
	endpoint, err := checkSavable(acct, secretForCheck)
	if err != nil {
		return err
	}
	acct.Endpoint = endpoint

	a.mu.Lock()
	i := a.indexLocked(acct.ID)
	if i < 0 {
		a.mu.Unlock()
		return fmt.Errorf("update account %q: %w", acct.ID, ErrNotFound)
	}
	old := a.settings.Accounts[i]
	if acct.KeyID != old.KeyID && newSecret == "" {
		a.mu.Unlock()
		return &Error{Op: "update account", Kind: ErrInvalidCredentials,
			Message: "a new application key ID needs its application key"}
	}
	acct.Added, acct.Source = old.Added, Saved
	acct.Restriction = cloneRestriction(acct.Restriction)
	if acct.Name == "" {
		acct.Name = old.Name
	}
	next := a.settings
	next.Accounts = slices.Clone(a.settings.Accounts)
	next.Accounts[i] = acct
	if err := saveSettings(a.dir, next); err != nil {
		a.mu.Unlock()
		return fmt.Errorf("update account: %w", err)
	}
	a.settings = next
	if newSecret != "" {
		a.mem[acct.ID] = memSecret{secret: newSecret}
	}
	a.mu.Unlock()

	if newSecret == "" {
		return nil
	}
	return a.storeSecret(acct.ID, newSecret)
}

// storeSecret moves a secret that Add or Update put in memory into the
// keychain, or leaves it there, flagged, when the keychain fails.
func (a *Accounts) storeSecret(id, secret string) error {
	err := a.kc.Set(id, secret)

	a.mu.Lock()
	exists := a.indexLocked(id) >= 0
	current := false
	if m, ok := a.mem[id]; ok && m.secret == secret {
		current = true
	}
	switch {
	case err == nil:
		if current {
			delete(a.mem, id)
		}
		a.refreshProblemLocked()
	case exists && current:
		a.mem[id] = memSecret{secret: secret, stuck: true}
		a.problem = err
	}
	a.mu.Unlock()

	switch {
	case err == nil && !exists:
		// Removed while the keychain call ran: take the secret back out.
		_ = a.kc.Delete(id)
		return nil
	case err == nil || !exists:
		return nil
	}
	return fmt.Errorf("%w; Haul keeps the key for this session only", err)
}

// Remove deletes a saved account from the settings and its secret from the
// keychain (a missing secret is fine). The session account is only dropped
// from memory. When the keychain cannot be reached, the account is removed
// anyway and the error, matching ErrNoKeychain, says the key may remain there.
func (a *Accounts) Remove(id string) error {
	a.mu.Lock()
	if a.session != nil && id == a.session.ID {
		a.session, a.sessionSecret = nil, ""
		a.mu.Unlock()
		return nil
	}
	i := a.indexLocked(id)
	if i < 0 {
		a.mu.Unlock()
		return fmt.Errorf("remove account %q: %w", id, ErrNotFound)
	}
	next := a.settings
	next.Accounts = slices.Delete(slices.Clone(a.settings.Accounts), i, i+1)
	if next.LastAccount == id {
		next.LastAccount, next.LastLocation = "", ""
	}
	if err := saveSettings(a.dir, next); err != nil {
		a.mu.Unlock()
		return fmt.Errorf("remove account: %w", err)
	}
	a.settings = next
	delete(a.mem, id)
	a.refreshProblemLocked()
	a.mu.Unlock()

	if err := a.kc.Delete(id); err != nil {
		return fmt.Errorf("the account was removed, but its key could not be deleted from the system keychain: %w", err)
	}
	return nil
}

// Secret returns an account's secret: the session's, one held in memory for
// this run, or the keychain's. Errors match ErrNotFound (unknown account, or
// no key stored) or ErrNoKeychain; either way the person can type the key
// again and Update stores it.
func (a *Accounts) Secret(id string) (string, error) {
	a.mu.Lock()
	if a.session != nil && id == a.session.ID {
		s := a.sessionSecret
		a.mu.Unlock()
		return s, nil
	}
	if m, ok := a.mem[id]; ok {
		a.mu.Unlock()
		return m.secret, nil
	}
	known := a.indexLocked(id) >= 0
	a.mu.Unlock()
	if !known {
		return "", fmt.Errorf("key for account %q: %w", id, ErrNotFound)
	}
	return a.kc.Get(id)
}

// SetSession makes acct, with its secret, the session account: listed first,
// never saved, its secret never put in the keychain. Its ID becomes
// SessionAccountID. The account must already have an endpoint and region
// (see ResolveEnv).
func (a *Accounts) SetSession(acct Account, secret string) error {
	if err := ValidateCredentials(acct.KeyID, secret); err != nil {
		return err
	}
	u, err := CheckEndpoint(acct.Endpoint)
	if err != nil {
		return fmt.Errorf("session account: %w", err)
	}
	acct.Endpoint = u.String()
	if acct.Region == "" {
		return fmt.Errorf("session account: no region given")
	}
	acct.ID, acct.Source = SessionAccountID, Session
	acct = cloneAccount(acct)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.session, a.sessionSecret = &acct, secret
	return nil
}

// Last returns the account and location (b2://bucket/prefix/) used last, or
// empty strings.
func (a *Accounts) Last() (accountID, location string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.settings.LastAccount, a.settings.LastLocation
}

// SetLast records the account and location in use and saves them.
func (a *Accounts) SetLast(accountID, location string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.settings.LastAccount == accountID && a.settings.LastLocation == location {
		return nil
	}
	next := a.settings
	next.LastAccount, next.LastLocation = accountID, location
	if err := saveSettings(a.dir, next); err != nil {
		return fmt.Errorf("remember the last location: %w", err)
	}
	a.settings = next
	return nil
}

// KeychainProblem returns why some secrets are held for this session only
// (an error matching ErrNoKeychain), or nil when every saved secret reached
// the keychain.
func (a *Accounts) KeychainProblem() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.problem
}

func (a *Accounts) refreshProblemLocked() {
	for _, m := range a.mem {
		if m.stuck {
			return
		}
	}
	a.problem = nil
}

func (a *Accounts) indexLocked(id string) int {
	return slices.IndexFunc(a.settings.Accounts, func(x Account) bool { return x.ID == id })
}

// newIDLocked derives the ID of a new account from its key ID (which is not
// a secret) and endpoint: the key ID's first letters and digits, then eight
// hex digits of a hash of both. The same key at the same endpoint always
// gets the same ID, so an account added again (after it was removed, or
// after a broken settings file was moved aside) finds what is kept under
// its ID, such as its paused transfers. Another account that happens to
// hold that ID already (a hash collision) moves the new one on to the next
// hash, again deterministically.
func (a *Accounts) newIDLocked(keyID, endpoint string) (string, error) {
	var stem strings.Builder
	for _, r := range keyID {
		if stem.Len() == 12 {
			break
		}
		if r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			stem.WriteRune(r)
		}
	}
	if stem.Len() == 0 {
		stem.WriteString("acct")
	}
	for n := range 100 {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s\n%s\n%d", keyID, strings.ToLower(endpoint), n))
		id := stem.String() + "-" + hex.EncodeToString(sum[:4])
		if a.indexLocked(id) < 0 {
			return id, nil
		}
	}
	return "", errors.New("add account: could not pick a unique ID")
}

// checkSavable checks what a saved account needs: a well-formed key, a usable
// endpoint and a region, and not B2's master key. It returns the endpoint in
// its normal form.
func checkSavable(acct Account, secret string) (endpoint string, err error) {
	if err := ValidateCredentials(acct.KeyID, secret); err != nil {
		return "", err
	}
	u, err := CheckEndpoint(acct.Endpoint)
	if err != nil {
		return "", err
	}
	if acct.Region == "" {
		return "", fmt.Errorf("endpoint %s: no region given", u.Host)
	}
	if IsMasterKeyID(acct.KeyID) && isB2Host(u) {
		return "", &Error{Op: "check key", Kind: ErrInvalidCredentials, Message: masterKeyMessage}
	}
	return u.String(), nil
}

func isB2Host(u *url.URL) bool {
	h := strings.ToLower(u.Hostname())
	return h == "backblazeb2.com" || strings.HasSuffix(h, ".backblazeb2.com")
}

// shortKeyID is enough of a key ID to tell accounts apart in a list.
func shortKeyID(keyID string) string {
	const n = 10
	r := []rune(keyID)
	if len(r) <= n {
		return keyID
	}
	return string(r[:n]) + "…"
}

func cloneAccount(a Account) Account {
	a.Restriction = cloneRestriction(a.Restriction)
	return a
}

func cloneRestriction(r *Restriction) *Restriction {
	if r == nil {
		return nil
	}
	c := *r
	c.Capabilities = slices.Clone(r.Capabilities)
	return &c
}
