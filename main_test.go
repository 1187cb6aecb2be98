package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
	home := t.TempDir()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "b2://haul-sandbox/docs/")
	cmd.Env = append(os.Environ(), "DISPLAY="+disp, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "LANG=en_US.UTF-8",
		"B2_APPLICATION_KEY_ID=", "B2_APPLICATION_KEY=")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()

	deadline := time.Now().Add(60 * time.Second)
	var tree string
	for {
		xwininfo := exec.Command("xwininfo", "-display", disp, "-root", "-tree")
		xwininfo.Env = append(os.Environ(), "LC_ALL=C.UTF-8") // the title has a "—"
		out, _ := xwininfo.Output()
		tree = string(out)
		if strings.Contains(tree, `"Haul — b2://haul-sandbox/docs/"`) {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("haul exited before its window showed: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Haul window within 60s; windows:\n%s\nlogs:\n%s", tree, logs.String())
		}
		time.Sleep(250 * time.Millisecond)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("haul exited with %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("haul did not quit within 20s of SIGTERM\n%s", logs.String())
	}
	for _, bad := range []string{"panic", "Error in Fyne call thread", "DATA RACE"} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("log contains %q:\n%s", bad, logs.String())
		}
	}
	if _, err := os.Stat(filepath.Join(home, ".cache", "haul", "sandbox", "data", "haul-sandbox")); err != nil {
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
