package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CustomerKeyRef is what the settings file holds about one SSE-C key of an
// account: its name, its MD5 (which B2 sends back and which tells keys
// apart) and whether uploads use it by default. Never the key.
type CustomerKeyRef struct {
	Account string    `json:"account"`
	Name    string    `json:"name"`
	MD5     string    `json:"md5"`
	Default bool      `json:"default,omitempty"`
	Added   time.Time `json:"added"`
}

// keychainKeyID is the keychain entry of an account's customer key: the
// account ID and the key's name, so two accounts may use the same name.
func keychainKeyID(accountID, name string) string { return "sse-c:" + accountID + ":" + name }

// CustomerKeyRefs returns the account's customer keys, sorted by name.
func (a *Accounts) CustomerKeyRefs(accountID string) []CustomerKeyRef {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []CustomerKeyRef
	for _, r := range a.settings.CustomerKeys {
		if r.Account == accountID {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(x, y CustomerKeyRef) int {
		return cmp.Or(strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), strings.Compare(x.Name, y.Name))
	})
	return out
}

// AddCustomerKey files k under the account: its name and MD5 in the
// settings, the key in the keychain. A name or key the account already has
// is refused. The account's first key becomes its default. When the
// keychain cannot be used, the key is kept for this run only and the
// returned error, matching ErrNoKeychain, says so: a warning, not a
// failure (nothing is written to a file instead).
func (a *Accounts) AddCustomerKey(accountID string, k CustomerKey) error {
	if !k.valid() {
		return errors.New("add key: no key given")
	}
	if err := ValidateKeyName(k.Name); err != nil {
		return err
	}
	a.mu.Lock()
	first := true
	for _, r := range a.settings.CustomerKeys {
		if r.Account != accountID {
			continue
		}
		first = false
		switch {
		case strings.EqualFold(r.Name, k.Name):
			a.mu.Unlock()
			return fmt.Errorf("a key named %q exists already; choose another name", r.Name)
		case r.MD5 == k.MD5:
			a.mu.Unlock()
			return fmt.Errorf("this key is already kept as %q", r.Name)
		}
	}
	next := a.settings
	next.CustomerKeys = append(slices.Clip(a.settings.CustomerKeys), CustomerKeyRef{
		Account: accountID, Name: k.Name, MD5: k.MD5, Default: first, Added: time.Now().UTC().Truncate(time.Second),
	})
	if err := saveSettings(a.dir, next); err != nil {
		a.mu.Unlock()
		return fmt.Errorf("add key: %w", err)
	}
	a.settings = next
	id := keychainKeyID(accountID, k.Name)
	a.keys[id] = k
	a.mu.Unlock()

	if err := a.kc.Set(id, k.Encoded()); err != nil {
		a.mu.Lock()
		a.mem[id] = memSecret{stuck: true} // the key stays in a.keys for this run
		a.problem = err
		a.mu.Unlock()
		return fmt.Errorf("%w; Haul keeps the encryption key for this session only", err)
	}
	return nil
}

// RemoveCustomerKey forgets the account's key name: from the settings and
// from the keychain. Files encrypted with it can no longer be read by Haul
// unless the key is added again. When the keychain cannot be reached, the
// key is forgotten anyway and the error, matching ErrNoKeychain, says it
// may remain there.
func (a *Accounts) RemoveCustomerKey(accountID, name string) error {
	a.mu.Lock()
	i := slices.IndexFunc(a.settings.CustomerKeys, func(r CustomerKeyRef) bool { return r.Account == accountID && r.Name == name })
	if i < 0 {
		a.mu.Unlock()
		return fmt.Errorf("remove key %q: %w", name, ErrNotFound)
	}
	next := a.settings
	next.CustomerKeys = slices.Delete(slices.Clone(a.settings.CustomerKeys), i, i+1)
	if err := saveSettings(a.dir, next); err != nil {
		a.mu.Unlock()
		return fmt.Errorf("remove key: %w", err)
	}
	a.settings = next
	id := keychainKeyID(accountID, name)
	delete(a.keys, id)
	delete(a.mem, id)
	a.refreshProblemLocked()
	a.mu.Unlock()

	if err := a.kc.Delete(id); err != nil {
		return fmt.Errorf("the key was removed from Haul, but it could not be deleted from the system keychain: %w", err)
	}
	return nil
}

// SetDefaultCustomerKey makes name the key the account's uploads use
// unless another is chosen; "" means uploads use none by default.
func (a *Accounts) SetDefaultCustomerKey(accountID, name string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if name != "" && !slices.ContainsFunc(a.settings.CustomerKeys, func(r CustomerKeyRef) bool { return r.Account == accountID && r.Name == name }) {
		return fmt.Errorf("default key %q: %w", name, ErrNotFound)
	}
	next := a.settings
	next.CustomerKeys = slices.Clone(a.settings.CustomerKeys)
	for i, r := range next.CustomerKeys {
		if r.Account == accountID {
			next.CustomerKeys[i].Default = r.Name == name
		}
	}
	if err := saveSettings(a.dir, next); err != nil {
		return fmt.Errorf("choose the default key: %w", err)
	}
	a.settings = next
	return nil
}

// KeyRing is the account's customer keys as a Client uses them. Keys are
// read from the keychain the first time they are needed and kept in
// memory for the rest of the run.
func (a *Accounts) KeyRing(accountID string) KeyRing { return accountKeys{a: a, id: accountID} }

// accountKeys is one account's keys in the registry.
type accountKeys struct {
	a  *Accounts
	id string
}

func (r accountKeys) CustomerKey(name string) (CustomerKey, error) {
	a := r.a
	a.mu.Lock()
	i := slices.IndexFunc(a.settings.CustomerKeys, func(k CustomerKeyRef) bool { return k.Account == r.id && k.Name == name })
	if i < 0 {
		a.mu.Unlock()
		return CustomerKey{}, &Error{Op: "find key", Kind: ErrKeyMissing, Message: fmt.Sprintf("no encryption key named %q is kept for this account", name)}
	}
	ref := a.settings.CustomerKeys[i]
	id := keychainKeyID(r.id, name)
	k, ok := a.keys[id]
	a.mu.Unlock()
	if ok {
		return k, nil
	}
	text, err := a.kc.Get(id)
	if errors.Is(err, ErrNotFound) {
		return CustomerKey{}, &Error{Op: "find key", Kind: ErrKeyMissing,
			Message: fmt.Sprintf("the encryption key %q is not in the system keychain any more", name), Err: err}
	}
	if err != nil {
		return CustomerKey{}, err
	}
	k, err = ParseCustomerKey(name, text)
	if err != nil || k.MD5 != ref.MD5 {
		return CustomerKey{}, &Error{Op: "find key", Kind: ErrKeyMissing,
			Message: fmt.Sprintf("the system keychain holds something else than the encryption key %q", name)}
	}
	a.mu.Lock()
	a.keys[id] = k
	a.mu.Unlock()
	return k, nil
}

func (r accountKeys) CustomerKeys() ([]CustomerKey, error) {
	var keys []CustomerKey
	var firstErr error
	for _, ref := range r.a.CustomerKeyRefs(r.id) {
		k, err := r.CustomerKey(ref.Name)
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return keys, nil
}
