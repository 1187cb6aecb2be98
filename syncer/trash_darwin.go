package syncer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// SystemTrash is the trash of the desktop: on macOS ~/.Trash for files on
// the home disk (other disks' .Trashes are not used yet: their files are
// refused with ErrNoTrash); on Linux and the BSDs the freedesktop.org
// trash; on Windows every removal is refused with ErrNoTrash.
func SystemTrash() Trash {
	home, err := os.UserHomeDir()
	if err != nil {
		return noTrash{reason: "the home folder is unknown, so there is no trash"}
	}
	return macTrash{dir: filepath.Join(home, ".Trash")}
}

type macTrash struct{ dir string }

func (t macTrash) Trash(path string) error {
	_, err := moveInto(t.dir, path)
	if errors.Is(err, syscall.EXDEV) {
		return fmt.Errorf("%w: %s is on another disk than the trash", ErrNoTrash, path)
	}
	return err
}

// moveInto renames path into dir under a name not yet taken there; it is
// the whole of a trash that keeps no record of where files came from.
func moveInto(dir, path string) (string, error) {
	base := filepath.Base(path)
	for i := range 10_000 {
		target := filepath.Join(dir, uniqueName(base, i))
		if _, err := os.Lstat(target); err == nil {
			continue
		}
		if err := os.Rename(path, target); err != nil {
			return "", err
		}
		return target, nil
	}
	return "", fmt.Errorf("too many files named %s in %s", base, dir)
}
