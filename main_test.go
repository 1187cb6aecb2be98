package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/haul-app/haul/internal/syncbuf"
)

// buildHaul compiles the real binary once per test run.
func buildHaul(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "haul")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// windowTimeout bounds the wait for a window title: the first start after a
// build loads fonts and GL.
const windowTimeout = 60 * time.Second

// display returns an X display to run on: the session's, or a private Xvfb
// started for this test.
func display(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("DISPLAY"); d != "" {
		return d
	}
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Fatal("no DISPLAY and no Xvfb: run `make test`, which installs and starts it")
	}
	cmd := exec.Command("Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not say its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// TestSmokeRealWindow starts the real binary on an X display, waits for its
// window, closes it with SIGTERM and expects a clean exit.
func TestSmokeRealWindow(t *testing.T) {
	bin := buildHaul(t)
	disp := display(t)
	h := startHaul(t, bin, disp, []string{"B2_APPLICATION_KEY_ID=", "B2_APPLICATION_KEY="}, "b2://haul-sandbox/docs/")
	h.waitTitle(t, "Haul — b2://haul-sandbox/docs/")
	h.stop(t)
	if _, err := os.Stat(filepath.Join(h.home, ".cache", "haul", "sandbox", "data", "haul-sandbox")); err != nil {
		t.Errorf("sandbox data not where the banner says: %v", err)
	}
}

// TestNoDisplaySaysSo checks the sentence that replaces GLFW's panic.
func TestNoDisplaySaysSo(t *testing.T) {
	bin := buildHaul(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit = %v, want status 1\n%s", err, out)
	}
	if !strings.Contains(string(out), "no display") || strings.Contains(string(out), "panic") {
		t.Errorf("output = %q", out)
	}
}

// waitFor polls cond until it holds, failing the test with what it waited
// for when h exits or timeout passes (a deadline for failing, never a
// measured time).
func waitFor(t *testing.T, h *haulProc, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case err := <-h.exited:
			t.Fatalf("waiting for %s: haul exited: %v\n%s", what, err, h.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not within %v\nlogs:\n%s", what, timeout, h.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// haulProc is the real binary running on an X display.
type haulProc struct {
	cmd    *exec.Cmd
	disp   string
	home   string // its HOME, a temporary folder
	logs   *syncbuf.Buffer
	exited chan error
	done   bool
}

// startHaul runs bin with args on disp in a fresh HOME, with env added to
// the test's environment; it is killed when the test ends if still running.
func startHaul(t *testing.T, bin, disp string, env []string, args ...string) *haulProc {
	t.Helper()
	home := t.TempDir()
	h := &haulProc{disp: disp, home: home, logs: &syncbuf.Buffer{}, exited: make(chan error, 1)}
	h.cmd = exec.Command(bin, args...)
	h.cmd.Env = append(os.Environ(), "DISPLAY="+disp, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "LANG=en_US.UTF-8")
	h.cmd.Env = append(h.cmd.Env, env...)
	h.cmd.Stdout, h.cmd.Stderr = h.logs, h.logs
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.exited <- h.cmd.Wait() }()
	t.Cleanup(func() {
		if !h.done {
			h.cmd.Process.Kill()
			<-h.exited
		}
	})
	return h
}

// waitTitle waits until a top-level window is titled exactly title.
func (h *haulProc) waitTitle(t *testing.T, title string) {
	t.Helper()
	var tree string
	defer func() {
		if t.Failed() {
			t.Logf("windows:\n%s", tree)
		}
	}()
	waitFor(t, h, "a window titled "+title, windowTimeout, func() bool {
		xwininfo := exec.Command("xwininfo", "-display", h.disp, "-root", "-tree")
		xwininfo.Env = append(os.Environ(), "LC_ALL=C.UTF-8") // the title has a "—"
		out, _ := xwininfo.Output()
		tree = string(out)
		return strings.Contains(tree, `"`+title+`"`)
	})
}

// stop sends SIGTERM and expects a clean exit with nothing alarming logged.
func (h *haulProc) stop(t *testing.T) {
	t.Helper()
	if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-h.exited:
		h.done = true
		if err != nil {
			t.Errorf("haul exited with %v\n%s", err, h.logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("haul did not quit within 20s of SIGTERM\n%s", h.logs.String())
	}
	for _, bad := range []string{"panic", "Error in Fyne call thread", "DATA RACE"} {
		if strings.Contains(h.logs.String(), bad) {
			t.Errorf("log contains %q:\n%s", bad, h.logs.String())
		}
	}
}
