// Package atomicfile writes files so that a crash leaves either the old
// content or the new, never a mix, and sets damaged files aside without
// overwriting anything. Haul keeps its settings and its transfer journal
// this way.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// WriteFile replaces path with data: a temporary file (mode 0600) in the
// same folder, synced, renamed over path, then the folder synced. The
// folder must exist. No temporary file is left behind on failure.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	ok = true
	SyncDir(dir)
	return nil
}

// MoveAside renames path to path.broken-<UTC time> (with a -N suffix when
// that exists), never over another file, and returns the new name.
func MoveAside(path string, now time.Time) (string, error) {
	base := path + ".broken-" + now.UTC().Format("20060102T150405Z")
	for i := range 100 {
		target := base
		if i > 0 {
			target = fmt.Sprintf("%s-%d", base, i)
		}
		if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.Rename(path, target); err != nil {
			return "", err
		}
		return target, nil
	}
	return "", fmt.Errorf("%s: too many broken copies beside it", filepath.Base(path))
}

// SyncDir makes a rename durable where the platform allows it; Windows
// cannot open a folder for syncing, and the rename is done either way.
func SyncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
