package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	for _, content := range []string{"one", "two"} {
		if err := WriteFile(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want 0600", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), nil); err == nil {
		t.Error("wrote into a folder that does not exist")
	}
}

func TestMoveAsideNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var names []string
	for i := range 3 {
		if err := os.WriteFile(p, []byte{byte('a' + i)}, 0o600); err != nil {
			t.Fatal(err)
		}
		name, err := MoveAside(p, now)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Base(name))
	}
	want := "settings.json.broken-20261121T120000Z,settings.json.broken-20261121T120000Z-1,settings.json.broken-20261121T120000Z-2"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("names = %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, names[0])); string(b) != "a" {
		t.Errorf("first broken file holds %q", b)
	}
}
