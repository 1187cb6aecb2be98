package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/haul-app/haul/internal/atomicfile"
)

// SettingsFile is the settings file's name inside the config folder.
const SettingsFile = "settings.json"

// SettingsVersion is the settings format this Haul reads and writes.
const SettingsVersion = 1

// maxSettingsSize caps what Haul reads; a hundred accounts take 50 KB.
const maxSettingsSize = 4 << 20

// ErrSettingsBroken matches the warning OpenAccounts returns when the settings
// file could not be read as settings: it was moved aside (never overwritten)
// and Haul started with empty settings.
var ErrSettingsBroken = errors.New("the settings file could not be read")

// Settings is what settings.json holds. It never holds a secret.
type Settings struct {
	Version  int       `json:"version"`
	Accounts []Account `json:"accounts"`
	// LastAccount is the ID of the account used last, LastLocation where
	// (b2://bucket/prefix/); both empty at first start.
	LastAccount  string `json:"lastAccount,omitempty"`
	LastLocation string `json:"lastLocation,omitempty"`
	// CustomerKeys names each account's SSE-C keys; the keys themselves
	// live in the keychain only.
	CustomerKeys []CustomerKeyRef `json:"customerKeys,omitempty"`
}

// DefaultConfigDir is os.UserConfigDir()/haul, where Haul keeps its settings.
func DefaultConfigDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config folder: %w", err)
	}
	return filepath.Join(base, "haul"), nil
}

// parseSettings decodes and checks a settings file. Any error means the file
// is not usable as a whole.
func parseSettings(data []byte) (Settings, error) {
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("not valid JSON: %w", err)
	}
	if dec.More() {
		return Settings{}, errors.New("not valid JSON: extra data after the settings")
	}
	if s.Version != SettingsVersion {
		return Settings{}, fmt.Errorf("format version %d, expected %d", s.Version, SettingsVersion)
	}
	seen := make(map[string]bool, len(s.Accounts))
	for i, a := range s.Accounts {
		switch {
		case a.ID == "" || a.ID == SessionAccountID:
			return Settings{}, fmt.Errorf("account %d has no usable id", i+1)
		case seen[a.ID]:
			return Settings{}, fmt.Errorf("account id %q appears twice", a.ID)
		case a.KeyID == "":
			return Settings{}, fmt.Errorf("account %q has no key ID", a.ID)
		}
		seen[a.ID] = true
		s.Accounts[i].Source = Saved
	}
	return s, nil
}

// loadSettings reads dir/settings.json. A missing file gives empty settings. An
// unusable one is renamed to settings.json.broken-<UTC time> and reported as a
// warning matching ErrSettingsBroken, with empty settings. err is reserved for
// a file that cannot be read or moved at all.
func loadSettings(dir string) (s Settings, warning, err error) {
	empty := Settings{Version: SettingsVersion}
	path := filepath.Join(dir, SettingsFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return empty, nil, nil
	}
	if err != nil {
		return empty, nil, fmt.Errorf("read settings: %w", err)
	}
	data, err := readAllLimited(f, maxSettingsSize)
	f.Close()
	var reason error
	switch {
	case errors.Is(err, errTooLarge):
		reason = fmt.Errorf("larger than %d MB", maxSettingsSize>>20)
	case err != nil:
		return empty, nil, fmt.Errorf("read settings: %w", err)
	default:
		s, reason = parseSettings(data)
	}
	if reason == nil {
		return s, nil, nil
	}
	aside, err := atomicfile.MoveAside(path, time.Now())
	if err != nil {
		return empty, nil, fmt.Errorf("%w (%v), and it could not be moved aside: %w", ErrSettingsBroken, reason, err)
	}
	return empty, fmt.Errorf("%w (%v): it was moved to %s and Haul started with no saved accounts",
		ErrSettingsBroken, reason, aside), nil
}

var errTooLarge = errors.New("too large")

func readAllLimited(f *os.File, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}

// saveSettings writes dir/settings.json atomically: a temporary file in the
// same folder (mode 0600), synced, then renamed over the old one, then the
// folder synced, so a crash leaves either the old file or the new one.
func saveSettings(dir string, s Settings) error {
	s.Version = SettingsVersion
	if s.Accounts == nil {
		s.Accounts = []Account{}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	data = append(data, '\n')
	if err := ensureConfigDir(dir); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, SettingsFile), data); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

// ensureConfigDir creates dir with mode 0700, and narrows an existing one that
// others could read.
func ensureConfigDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the config folder: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("create the config folder: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("protect the config folder: %w", err)
		}
	}
	return nil
}
