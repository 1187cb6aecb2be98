package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDetailsVersion(t *testing.T) {
	tests := []struct {
		name, toml, want string
	}{
		{"details", "[Details]\n  Version = \"1.2.3\"\n  Build = 4\n", "1.2.3"},
		{"comment", "[Details]\nVersion = \"0.1.0\" # next: 0.2.0\n", "0.1.0"},
		{"other table first", "[Release]\nVersion = \"9\"\n[Details]\nName = \"Haul\"\nVersion = \"2.0\"\n", "2.0"},
		{"other table after", "[Details]\nName = \"Haul\"\n[Release]\nVersion = \"9\"\n", ""},
		{"top level only", "Version = \"9\"\n", ""},
		{"no spaces", "[Details]\nVersion=\"3.1.4\"\n", "3.1.4"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detailsVersion([]byte(tt.toml)); got != tt.want {
				t.Errorf("detailsVersion(%q) = %q, want %q", tt.toml, got, tt.want)
			}
		})
	}
}

// TestEmbeddedVersionPackages checks that FyneApp.toml's version is one that
// the fyne packaging tool accepts (numbers only, x.y.z at most).
func TestEmbeddedVersionPackages(t *testing.T) {
	v := detailsVersion(fyneAppTOML)
	if !regexp.MustCompile(`^\d+(\.\d+){0,2}$`).MatchString(v) {
		t.Errorf("FyneApp.toml Version = %q, want numbers like 1.2.3", v)
	}
}

// TestVersionFlag runs the real binary with -version, without a display: it
// must print the version and exit 0, and -ldflags must override it.
func TestVersionFlag(t *testing.T) {
	plain := buildHaul(t)
	stamped := filepath.Join(t.TempDir(), "haul")
	out, err := exec.Command("go", "build", "-ldflags", "-X main.version=9.8.7-test", "-o", stamped, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tt := range []struct{ bin, want string }{
		{plain, "haul " + detailsVersion(fyneAppTOML) + "\n"},
		{stamped, "haul 9.8.7-test\n"},
	} {
		cmd := exec.Command(tt.bin, "-version")
		cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=", "HOME="+t.TempDir())
		var stderr strings.Builder
		cmd.Stderr = &stderr
		got, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s -version: %v\n%s", tt.bin, err, stderr.String())
		}
		if string(got) != tt.want {
			t.Errorf("%s -version printed %q, want %q", tt.bin, got, tt.want)
		}
	}
}
