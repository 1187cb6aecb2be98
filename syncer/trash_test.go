//go:build unix && !darwin

package syncer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFreedesktopTrash: files go to files/ with an info/*.trashinfo that
// names where they came from (escaped) and when; a second file of the same
// name gets another name; a file that is gone is an error.
func TestFreedesktopTrash(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	dir := t.TempDir()
	tr := SystemTrash()
	for i, body := range []string{"first", "second"} {
		name := filepath.Join(dir, "a b%.txt")
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := tr.Trash(name); err != nil {
			t.Fatalf("Trash #%d: %v", i, err)
		}
		if _, err := os.Lstat(name); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("#%d still in place: %v", i, err)
		}
	}
	home := filepath.Join(data, "Trash")
	for name, body := range map[string]string{"a b%.txt": "first", "a b%.2.txt": "second"} {
		got, err := os.ReadFile(filepath.Join(home, "files", name))
		if err != nil || string(got) != body {
			t.Errorf("files/%s: %q, %v", name, got, err)
		}
		info, err := os.ReadFile(filepath.Join(home, "info", name+".trashinfo"))
		if err != nil {
			t.Fatalf("info/%s.trashinfo: %v", name, err)
		}
		lines := strings.Split(string(info), "\n")
		if lines[0] != "[Trash Info]" || lines[1] != "Path="+strings.ReplaceAll(filepath.Join(dir, "a%20b%25.txt"), " ", "%20") {
			t.Errorf("trashinfo: %q", info)
		}
		if _, err := time.ParseInLocation("DeletionDate=2006-01-02T15:04:05", lines[2], time.Local); err != nil {
			t.Errorf("DeletionDate: %q: %v", lines[2], err)
		}
	}
	if err := tr.Trash(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file was trashed")
	}
	if err := (noTrash{reason: "none here"}).Trash("/x"); !errors.Is(err, ErrNoTrash) {
		t.Errorf("noTrash: %v", err)
	}
}
