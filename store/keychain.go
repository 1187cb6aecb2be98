package store

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
)

// KeychainService is the service name under which Haul's secrets are filed in
// the OS keychain; the user name is the account ID.
const KeychainService = "Haul"

// DefaultKeychainTimeout bounds one keychain call. A Secret Service that waits
// on an unlock prompt nobody answers would otherwise block forever.
const DefaultKeychainTimeout = time.Minute

// ErrNoKeychain matches every error from a keychain that cannot be used: none
// is running (on Linux: no Secret Service on the session bus, or no session
// bus), it is locked, or it refused or did not answer. The error's text is one
// sentence a person can act on; errors.Unwrap gives the raw cause for logs.
var ErrNoKeychain = errors.New("no system keychain")

// Keychain keeps application keys in the OS keychain (Secret Service on
// Linux, Keychain on macOS, Credential Manager on Windows) through
// go-keyring. It is safe for concurrent use.
type Keychain struct {
	// Service replaces KeychainService (tests only).
	Service string
	// Timeout replaces DefaultKeychainTimeout.
	Timeout time.Duration
}

// NewKeychain returns the keychain under KeychainService.
func NewKeychain() *Keychain { return &Keychain{Service: KeychainService} }

// Set stores secret for the account id, replacing any earlier one.
func (k *Keychain) Set(id, secret string) error {
	_, err := k.call(func() (string, error) { return "", keyring.Set(k.service(), id, secret) })
	return keychainErr("save the key", err)
}

// Get returns the secret stored for the account id, or an error matching
// ErrNotFound when there is none, or ErrNoKeychain.
func (k *Keychain) Get(id string) (string, error) {
	s, err := k.call(func() (string, error) { return keyring.Get(k.service(), id) })
	if err != nil {
		return "", keychainErr("read the key", err)
	}
	return s, nil
}

// Delete removes the secret stored for the account id. A missing secret is not
// an error.
func (k *Keychain) Delete(id string) error {
	_, err := k.call(func() (string, error) { return "", keyring.Delete(k.service(), id) })
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return keychainErr("delete the key", err)
}

func (k *Keychain) service() string {
	if k.Service == "" {
		return KeychainService
	}
	return k.Service
}

// call runs fn, one keychain call at a time, with a timeout. On timeout fn
// keeps running in its goroutine (go-keyring cannot cancel a D-Bus call), and
// later calls queue behind it and time out in turn.
func (k *Keychain) call(fn func() (string, error)) (string, error) {
	if !haveSessionBus() {
		return "", &keychainError{
			reason: "no system keychain is reachable (on Linux, Haul needs a D-Bus session with a Secret Service such as GNOME Keyring)",
			err:    errNoSessionBus,
		}
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultKeychainTimeout
	}
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		keyringMu.Lock()
		defer keyringMu.Unlock()
		s, err := fn()
		done <- result{s, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.s, r.err
	case <-timer.C:
		return "", &keychainError{
			reason: "the system keychain did not answer within " + humanDuration(timeout),
			err:    errKeychainTimeout,
		}
	}
}

func humanDuration(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}

var (
	errKeychainTimeout = errors.New("keychain call timed out")
	errNoSessionBus    = errors.New("DBUS_SESSION_BUS_ADDRESS is not set and no session bus socket exists")
)

// haveSessionBus is sessionBusLikely; unit tests that replace go-keyring's
// backend with its test double replace it too.
var haveSessionBus = sessionBusLikely

// sessionBusLikely reports whether a D-Bus session bus can be found where
// go-keyring uses one. Without one, go-keyring runs dbus-launch, which starts
// a bus daemon that outlives Haul and still has no unlocked keyring; Haul
// says "no keychain" instead.
func sessionBusLikely() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return true
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = fmt.Sprintf("/run/user/%d", os.Getuid())
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// keyringMu serializes go-keyring calls: its provider is process-wide and its
// test double is not safe for concurrent use. Keychain calls are rare.
var keyringMu sync.Mutex

// keychainError is a keychain failure: Error is one clear sentence, Unwrap the
// raw cause. It matches ErrNoKeychain.
type keychainError struct {
	reason string
	err    error
}

func (e *keychainError) Error() string        { return e.reason }
func (e *keychainError) Unwrap() error        { return e.err }
func (e *keychainError) Is(target error) bool { return target == ErrNoKeychain }

// keychainErr maps go-keyring's errors (see FYNE.md for the Linux ones) to
// ErrNotFound or to a keychainError saying why the keychain cannot be used.
func keychainErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ke *keychainError
	if errors.As(err, &ke) {
		return err
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%s: no key is stored in the system keychain: %w", op, ErrNotFound)
	}
	msg := err.Error()
	var netErr *net.OpError
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.As(err, &netErr),
		strings.Contains(msg, "dbus-launch"),
		strings.Contains(msg, "ServiceUnknown"),
		strings.Contains(msg, "not provided by any .service files"),
		strings.Contains(msg, "couldn't determine address of session bus"):
		return &keychainError{
			reason: "no system keychain is reachable (on Linux, Haul needs a Secret Service such as GNOME Keyring on the session bus)",
			err:    err,
		}
	case strings.Contains(msg, "failed to unlock"):
		return &keychainError{reason: "the system keychain is locked and could not be unlocked", err: err}
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return &keychainError{reason: "the system keychain refused the key as too long", err: err}
	}
	return &keychainError{reason: "the system keychain could not " + op, err: err}
}
