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
