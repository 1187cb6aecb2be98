package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// mockKeyring replaces go-keyring's backend with its in-memory test double
// for the rest of this process, and lets Keychain use it without a session
// bus.
func mockKeyring(t *testing.T) {
	t.Helper()
	keyring.MockInit()
	pretendSessionBus(t)
}

// mockKeyringError is mockKeyring with a backend that fails every call with
// err.
func mockKeyringError(t *testing.T, err error) {
	t.Helper()
	keyring.MockInitWithError(err)
	pretendSessionBus(t)
}

func pretendSessionBus(t *testing.T) {
	old := haveSessionBus
	haveSessionBus = func() bool { return true }
	t.Cleanup(func() { haveSessionBus = old })
}

func TestKeychainRoundTripMock(t *testing.T) {
	mockKeyring(t)
	k := NewKeychain()
	if _, err := k.Get("a"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoKeychain) {
		t.Errorf("Get missing = %v, want ErrNotFound", err)
	}
	if err := k.Delete("a"); err != nil {
		t.Errorf("Delete missing = %v, want nil", err)
	}
	if err := k.Set("a", "s1"); err != nil {
		t.Fatal(err)
	}
	if err := k.Set("a", "s2"); err != nil {
		t.Fatal(err)
	}
	if s, err := k.Get("a"); err != nil || s != "s2" {
		t.Errorf("Get = %q %v", s, err)
	}
	if s, _ := keyring.Get(KeychainService, "a"); s != "s2" {
		t.Errorf("stored under service %q? got %q", KeychainService, s)
	}
	if err := k.Delete("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get deleted = %v", err)
	}
}

func TestKeychainErrorMapping(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no dbus-launch", &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, "no system keychain is reachable"},
		{"no dbus-launch as text", errDBusLaunch, "no system keychain is reachable"},
		{"bus socket missing", &net.OpError{Op: "dial", Net: "unix", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ENOENT}}, "no system keychain is reachable"},
		{"no secret service", errors.New("The name org.freedesktop.secrets was not provided by any .service files"), "no system keychain is reachable"},
		{"service unknown", errors.New("org.freedesktop.DBus.Error.ServiceUnknown"), "no system keychain is reachable"},
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), "locked"},
		{"too big", keyring.ErrSetDataTooBig, "too long"},
		{"other", errors.New("org.freedesktop.DBus.Error.AccessDenied"), "could not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mockKeyringError(t, tt.err)
			k := NewKeychain()
			_, getErr := k.Get("x")
			for op, err := range map[string]error{"Set": k.Set("x", "secret"), "Get": getErr, "Delete": k.Delete("x")} {
				if !errors.Is(err, ErrNoKeychain) {
					t.Errorf("%s = %v, want ErrNoKeychain", op, err)
					continue
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s = %q, want %q", op, err, tt.want)
				}
				if !errors.Is(err, tt.err) {
					t.Errorf("%s: the raw cause is not kept for logs", op)
				}
				if strings.Contains(err.Error(), "secret") && !strings.Contains(err.Error(), "Secret Service") {
					t.Errorf("%s shows the secret: %v", op, err)
				}
			}
		})
	}
}

func TestKeychainWithoutSessionBusDoesNotLaunchOne(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Logf("only Linux looks for a D-Bus session bus; checking that %s does not refuse", runtime.GOOS)
	}
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	_, err := NewKeychain().Get("x")
	if runtime.GOOS != "linux" {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("Get = %v, want the backend's ErrNotFound", err)
		}
		return
	}
	if !errors.Is(err, ErrNoKeychain) || !strings.Contains(err.Error(), "D-Bus session") {
		t.Errorf("Get = %v, want ErrNoKeychain naming the missing session", err)
	}
}

func TestKeychainTimeout(t *testing.T) {
	pretendSessionBus(t)
	release := make(chan struct{})
	defer close(release)
	k := &Keychain{Timeout: 20 * time.Millisecond}
	_, err := k.call(func() (string, error) { <-release; return "", nil })
	if !errors.Is(err, ErrNoKeychain) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("err = %v", err)
	}
}

// The real keychain test. Its work always runs in a fresh test process
// (HAUL_KEYCHAIN_TEST_CLEAN=1), because keyring.MockInit, used by other tests
// of this binary, replaces go-keyring's backend for the whole process and
// cannot be undone.
const (
	envKeychainTest   = "HAUL_KEYCHAIN_TEST"
	envKeychainClean  = "HAUL_KEYCHAIN_TEST_CLEAN"
	envHelper         = "HAUL_KEYCHAIN_HELPER"
	envHelperDir      = "HAUL_KEYCHAIN_HELPER_DIR"
	envHelperID       = "HAUL_KEYCHAIN_HELPER_ID"
	envHelperService  = "HAUL_KEYCHAIN_HELPER_SERVICE"
	realTestService   = KeychainService + " test"
	scenarioDoneLine  = "haul-keychain-scenario: done"
	helperOutputStart = "haul-keychain-helper:"
)

// TestKeychainRealSecretService stores, reads back from another process and
// deletes a secret through the real OS keychain, then checks that no file of
// the config folder ever held it.
//
// With HAUL_KEYCHAIN_TEST=1 (set by make test inside dbus-run-session with an
// unlocked gnome-keyring-daemon) or CI=true it uses the session it is given.
// Otherwise it starts a private one: dbus-run-session plus
// gnome-keyring-daemon, with HOME and XDG folders in a temporary directory, so
// a developer's own keyring is never touched.
func TestKeychainRealSecretService(t *testing.T) {
	switch {
	case os.Getenv(envKeychainClean) == "1":
		runRealKeychainScenario(t)
	case os.Getenv(envKeychainTest) == "1" || os.Getenv("CI") == "true":
		out := runTestBinary(t, nil, []string{envKeychainClean + "=1"}, "TestKeychainRealSecretService")
		checkScenarioOutput(t, out)
	default:
		runInPrivateSession(t)
	}
}

func runInPrivateSession(t *testing.T) {
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the real keychain test needs %s (Debian packages dbus-x11 and gnome-keyring; make test installs them): %v", tool, err)
		}
	}
	home := t.TempDir()
	runtimeDir := filepath.Join(home, "run")
	if err := os.Mkdir(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_RUNTIME_DIR=" + runtimeDir,
		envKeychainTest + "=1",
		envKeychainClean + "=1",
	}
	// gnome-keyring-daemon creates and unlocks a login keyring with the
	// password read on stdin; it must not be empty.
	script := `echo haul-test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$0" "$@"`
	prefix := []string{"dbus-run-session", "--", "sh", "-c", script}
	out := runTestBinary(t, prefix, env, "TestKeychainRealSecretService")
	checkScenarioOutput(t, out)
}

func checkScenarioOutput(t *testing.T, out string) {
	t.Helper()
	t.Logf("keychain scenario in a fresh process:\n%s", out)
	if !strings.Contains(out, scenarioDoneLine) {
		t.Fatalf("the keychain scenario did not run to its end:\n%s", out)
	}
}

// runTestBinary runs this test binary again with only the test named, behind
// prefix (a command that execs it), with env added to (and overriding) the
// current environment. It fails the test if the run fails.
func runTestBinary(t *testing.T, prefix, env []string, test string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), prefix...), exe, "-test.run=^"+test+"$", "-test.v", "-test.count=1")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = mergeEnv(os.Environ(), env)
	cmd.WaitDelay = 5 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err = cmd.Run()
	out := buf.String()
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", test, err, out)
	}
	return out
}

func mergeEnv(base, override []string) []string {
	keys := map[string]bool{}
	for _, kv := range override {
		k, _, _ := strings.Cut(kv, "=")
		keys[k] = true
	}
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !keys[k] {
			out = append(out, kv)
		}
	}
	return append(out, override...)
}

func runRealKeychainScenario(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "haul")
	kc := &Keychain{Service: realTestService}
	accts, warning, err := OpenAccounts(dir, kc)
	if err != nil || warning != nil {
		t.Fatal(err, warning)
	}
	secret := "K004" + randomHex(t, 13)
	acct, err := accts.Add(Account{
		Name: "Keychain test", KeyID: "004test" + randomHex(t, 9),
		Endpoint: "https://s3.us-west-004.backblazeb2.com", Region: "us-west-004",
	}, secret)
	if errors.Is(err, ErrNoKeychain) {
		t.Fatalf("the real keychain test could not use a Secret Service: %v (cause: %v).\n"+
			"Run it through make test, or inside dbus-run-session with "+
			"'gnome-keyring-daemon --unlock --components=secrets' fed a non-empty password on stdin; "+
			"with CI=true or HAUL_KEYCHAIN_TEST=1 the session given must have one.", err, rootCause(err))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kc.Delete(acct.ID) })
	if p := accts.KeychainProblem(); p != nil {
		t.Fatalf("KeychainProblem = %v", p)
	}
	assertSecretNotInFiles(t, dir, secret)

	// Another process, with a fresh Accounts, reads the key back.
	got := runHelper(t, dir, acct.ID)
	want := "accounts=found:" + sha256Hex(secret) + " keychain=found:" + sha256Hex(secret)
	if got != want {
		t.Fatalf("helper read %q, want %q", got, want)
	}

	checkCustomerKeyInKeychain(t, dir, kc, acct.ID)

	if err := accts.Remove(acct.ID); err != nil {
		t.Fatal(err)
	}
	// Another process sees it gone, from the keychain itself too.
	if got := runHelper(t, dir, acct.ID); got != "accounts=notfound keychain=notfound" {
		t.Fatalf("after Remove the helper read %q", got)
	}

	settings, err := os.ReadFile(filepath.Join(dir, SettingsFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(settings, []byte(acct.KeyID)) {
		t.Errorf("removed account still in settings:\n%s", settings)
	}
	assertSecretNotInFiles(t, dir, secret)
	fmt.Println(scenarioDoneLine)
}

// runHelper runs TestKeychainHelperProcess in a new process and returns what
// it found.
func runHelper(t *testing.T, dir, id string) string {
	t.Helper()
	out := runTestBinary(t, nil, []string{
		envHelper + "=read", envHelperDir + "=" + dir, envHelperID + "=" + id, envHelperService + "=" + realTestService,
	}, "TestKeychainHelperProcess")
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), helperOutputStart); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatalf("helper printed no result:\n%s", out)
	return ""
}

// TestKeychainHelperProcess is not a test on its own: runRealKeychainScenario
// starts it in a new process to read a secret through a fresh Accounts and
// through the keychain directly. It prints hashes, never the secret.
func TestKeychainHelperProcess(t *testing.T) {
	if os.Getenv(envHelper) != "read" {
		return
	}
	kc := &Keychain{Service: os.Getenv(envHelperService)}
	accts, _, err := OpenAccounts(os.Getenv(envHelperDir), kc)
	if err != nil {
		t.Fatal(err)
	}
	id := os.Getenv(envHelperID)
	describe := func(s string, err error) string {
		switch {
		case err == nil:
			return "found:" + sha256Hex(s)
		case errors.Is(err, ErrNotFound):
			return "notfound"
		}
		return "error:" + strings.ReplaceAll(err.Error(), " ", "_")
	}
	fromAccounts := describe(accts.Secret(id))
	fromKeychain := describe(kc.Get(id))
	fmt.Printf("%s accounts=%s keychain=%s\n", helperOutputStart, fromAccounts, fromKeychain)
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
