package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haul-app/haul/internal/atomicfile"
)

func sampleSettings() Settings {
	return Settings{
		Version: SettingsVersion,
		Accounts: []Account{{
			ID: "0041a2b3c4d5-0a1b2c3d", Name: "Photos", KeyID: testKeyID,
			Endpoint: "https://s3.us-west-004.backblazeb2.com", Region: "us-west-004",
			DownloadURL: "https://f004.backblazeb2.com", RecommendedPartSize: 100_000_000, MinimumPartSize: 5_000_000,
			Restriction: &Restriction{Bucket: "photos", Prefix: "2024/", Capabilities: []string{"listFiles"}},
			Added:       time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		}, {
			ID: "local-01020304", Name: "Local", KeyID: "root", Endpoint: "http://127.0.0.1:7070",
			Region: "us-east-1", Custom: true, Added: time.Date(2025, 3, 2, 12, 0, 0, 0, time.UTC),
		}},
		LastAccount:  "local-01020304",
		LastLocation: "b2://photos/2024/",
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := sampleSettings()
	if err := saveSettings(dir, want); err != nil {
		t.Fatal(err)
	}
	got, warning, err := loadSettings(dir)
	if err != nil || warning != nil {
		t.Fatal(err, warning)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("loaded\n%+v\nwant\n%+v", got, want)
	}
	data, _ := os.ReadFile(filepath.Join(dir, SettingsFile))
	for _, key := range []string{`"version": 1`, `"accounts"`, `"lastAccount"`, `"lastLocation"`, `"keyId"`} {
		if !bytes.Contains(data, []byte(key)) {
			t.Errorf("file lacks %s:\n%s", key, data)
		}
	}
}

func TestSettingsMissingFileIsEmpty(t *testing.T) {
	s, warning, err := loadSettings(t.TempDir())
	if err != nil || warning != nil || s.Version != SettingsVersion || len(s.Accounts) != 0 {
		t.Fatalf("%+v %v %v", s, warning, err)
	}
}

func TestSettingsPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config", "haul")
	if err := saveSettings(dir, sampleSettings()); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(dir, SettingsFile), 0o600)

	// A folder others can read is narrowed; a file is rewritten 0600.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, SettingsFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := saveSettings(dir, sampleSettings()); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(dir, SettingsFile), 0o600)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
	}
}

func TestSettingsWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	first := sampleSettings()
	if err := saveSettings(dir, first); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, SettingsFile)
	old, _ := os.ReadFile(path)
	// A hard link keeps the old file: if the new one is renamed over it,
	// the link still holds the old bytes; an in-place rewrite would change
	// them.
	link := filepath.Join(t.TempDir(), "old")
	if err := os.Link(path, link); err != nil {
		t.Fatal(err)
	}
	second := first
	second.LastLocation = "b2://photos/2025/"
	if err := saveSettings(dir, second); err != nil {
		t.Fatal(err)
	}
	kept, _ := os.ReadFile(link)
	if !bytes.Equal(kept, old) {
		t.Error("the old file was rewritten in place, not replaced")
	}
	got, _, _ := loadSettings(dir)
	if got.LastLocation != "b2://photos/2025/" {
		t.Errorf("new settings not saved: %+v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != SettingsFile {
		t.Errorf("folder holds %v, want only %s (no temporary files left)", names(entries), SettingsFile)
	}
}

func names(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestSettingsCorruptFileSetAside(t *testing.T) {
	tests := map[string]string{
		"bad json":       `{"version":1,"accounts":[`,
		"empty":          ``,
		"null":           `null`,
		"array":          `[1,2]`,
		"wrong version":  `{"version":2,"accounts":[]}`,
		"no version":     `{"accounts":[]}`,
		"trailing data":  `{"version":1,"accounts":[]} {}`,
		"wrong type":     `{"version":1,"accounts":{"id":"x"}}`,
		"account no id":  `{"version":1,"accounts":[{"keyId":"k"}]}`,
		"duplicate ids":  `{"version":1,"accounts":[{"id":"a","keyId":"k"},{"id":"a","keyId":"k"}]}`,
		"reserved id":    `{"version":1,"accounts":[{"id":"env","keyId":"k"}]}`,
		"account no key": `{"version":1,"accounts":[{"id":"a"}]}`,
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, SettingsFile)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, warning, err := loadSettings(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(warning, ErrSettingsBroken) {
				t.Fatalf("warning = %v, want ErrSettingsBroken", warning)
			}
			if s.Version != SettingsVersion || len(s.Accounts) != 0 || s.LastAccount != "" {
				t.Errorf("settings not empty: %+v", s)
			}
			broken := brokenFiles(t, dir)
			if len(broken) != 1 {
				t.Fatalf("broken files: %v", broken)
			}
			if !strings.Contains(warning.Error(), broken[0]) {
				t.Errorf("warning does not say where the file went: %v", warning)
			}
			kept, _ := os.ReadFile(broken[0])
			if string(kept) != content {
				t.Errorf("broken file changed: %q", kept)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("settings.json still there: %v", err)
			}
		})
	}
}

func brokenFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, SettingsFile+".broken-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSettingsBrokenFilesNeverOverwritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SettingsFile)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, content := range []string{"first", "second", "third"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		aside, err := atomicfile.MoveAside(path, now)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(aside)
		if string(got) != content {
			t.Errorf("move %d: %s holds %q", i, aside, got)
		}
	}
	if n := len(brokenFiles(t, dir)); n != 3 {
		t.Errorf("%d broken files, want 3", n)
	}
}

func TestSettingsSaveAfterCorruptionKeepsBrokenFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte("{oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, warning, err := loadSettings(dir); err != nil || warning == nil {
		t.Fatal(warning, err)
	}
	if err := saveSettings(dir, sampleSettings()); err != nil {
		t.Fatal(err)
	}
	broken := brokenFiles(t, dir)
	if len(broken) != 1 {
		t.Fatalf("broken files %v", broken)
	}
	if got, _ := os.ReadFile(broken[0]); string(got) != "{oops" {
		t.Errorf("broken file now holds %q", got)
	}
}

func TestSettingsTooLarge(t *testing.T) {
	dir := t.TempDir()
	big := append([]byte(`{"version":1,"accounts":[],"lastLocation":"`), bytes.Repeat([]byte("a"), maxSettingsSize)...)
	big = append(big, `"}`...)
	if err := os.WriteFile(filepath.Join(dir, SettingsFile), big, 0o600); err != nil {
		t.Fatal(err)
	}
	_, warning, err := loadSettings(dir)
	if err != nil || !errors.Is(warning, ErrSettingsBroken) || !strings.Contains(warning.Error(), "larger than") {
		t.Fatalf("warning %v err %v", warning, err)
	}
}

func FuzzLoadSettings(f *testing.F) {
	valid, _ := os.ReadFile(func() string {
		dir := f.TempDir()
		if err := saveSettings(dir, sampleSettings()); err != nil {
			f.Fatal(err)
		}
		return filepath.Join(dir, SettingsFile)
	}())
	for _, seed := range [][]byte{
		valid, nil, []byte("{}"), []byte("null"), []byte(`{"version":1}`),
		[]byte(`{"version":1,"accounts":null}`), []byte(`{"version":1,"accounts":[{"id":"a","keyId":"k","restriction":{"capabilities":null}}]}`),
		[]byte(`{"version":1e400}`), []byte("\xef\xbb\xbf{}"), []byte(`{"version":1,"accounts":[{"id":"a","keyId":"k","added":"x"}]}`),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, SettingsFile)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, warning, err := loadSettings(dir)
		if err != nil {
			t.Fatalf("load failed instead of setting the file aside: %v", err)
		}
		if warning != nil {
			if !errors.Is(warning, ErrSettingsBroken) || len(s.Accounts) != 0 {
				t.Fatalf("warning %v with settings %+v", warning, s)
			}
			broken := brokenFiles(t, dir)
			if len(broken) != 1 {
				t.Fatalf("broken files %v", broken)
			}
			if kept, _ := os.ReadFile(broken[0]); !bytes.Equal(kept, data) {
				t.Fatal("broken file does not hold the original bytes")
			}
			return
		}
		// Accepted settings survive a save and load unchanged.
		if err := saveSettings(dir, s); err != nil {
			t.Fatal(err)
		}
		again, warning, err := loadSettings(dir)
		if err != nil || warning != nil {
			t.Fatalf("saved settings do not load: %v %v", warning, err)
		}
		if len(again.Accounts) != len(s.Accounts) || again.LastAccount != s.LastAccount || again.LastLocation != s.LastLocation {
			t.Fatalf("round trip changed settings:\n%+v\n%+v", s, again)
		}
	})
}
