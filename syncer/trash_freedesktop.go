//go:build unix && !darwin

package syncer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// SystemTrash is the trash of the desktop: on Linux and the BSDs the
// freedesktop.org trash ($XDG_DATA_HOME/Trash, by default
// ~/.local/share/Trash, and a ".Trash-<uid>" folder at the top of other
// disks), on macOS ~/.Trash for files on the home disk. On Windows (the
// Recycle Bin is not supported yet) every removal is refused with
// ErrNoTrash.
func SystemTrash() Trash {
	data := os.Getenv("XDG_DATA_HOME")
	if data == "" || !filepath.IsAbs(data) {
		home, err := os.UserHomeDir()
		if err != nil {
			return noTrash{reason: "the home folder is unknown, so there is no trash"}
		}
		data = filepath.Join(home, ".local", "share")
	}
	return FreedesktopTrash{Home: filepath.Join(data, "Trash")}
}

// FreedesktopTrash follows the freedesktop.org Trash specification 1.0: a
// file goes to Home (the "home trash") when it is on the same disk, else to
// $topdir/.Trash/<uid> (when the administrator made $topdir/.Trash, sticky
// and not a link) or $topdir/.Trash-<uid> at the top of its disk. Each file
// gets a files/NAME and an info/NAME.trashinfo saying where it came from and
// when, so the desktop's trash can put it back. A file is only ever
// renamed, never copied: when no trash is on its disk, ErrNoTrash.
type FreedesktopTrash struct {
	Home string
}

// Trash moves path into a trash.
func (t FreedesktopTrash) Trash(path string) error {
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	dev := deviceOf(fi)
	dir := t.Home
	if err := os.MkdirAll(dir, 0o700); err != nil {
		dir = ""
	} else if hi, err := os.Stat(dir); err != nil || deviceOf(hi) != dev {
		dir = ""
	}
	if dir == "" {
		if dir, err = topTrash(path, dev); err != nil {
			return err
		}
	}
	return trashInto(dir, path, time.Now())
}

func deviceOf(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev) //nolint:unconvert // Dev's type differs between systems
	}
	return 0
}

// topTrash finds or makes the trash at the top of path's disk.
func topTrash(path string, dev uint64) (string, error) {
	top := filepath.Dir(path)
	for {
		parent := filepath.Dir(top)
		pi, err := os.Stat(parent)
		if parent == top || err != nil || deviceOf(pi) != dev {
			break
		}
		top = parent
	}
	uid := strconv.Itoa(os.Getuid())
	shared := filepath.Join(top, ".Trash")
	if si, err := os.Lstat(shared); err == nil && si.IsDir() && si.Mode()&fs.ModeSticky != 0 {
		d := filepath.Join(shared, uid)
		if err := os.MkdirAll(d, 0o700); err == nil {
			return d, nil
		}
	}
	own := filepath.Join(top, ".Trash-"+uid)
	if err := os.Mkdir(own, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%w on the disk of %s: %s cannot be made: %v", ErrNoTrash, path, own, errText(err))
	}
	if oi, err := os.Lstat(own); err != nil || !oi.IsDir() {
		return "", fmt.Errorf("%w on the disk of %s: %s is not a folder", ErrNoTrash, path, own)
	}
	return own, nil
}

// trashInto moves path into the trash folder dir: the .trashinfo first,
// created exclusively so that two removals cannot take the same name, then
// the file.
func trashInto(dir, path string, now time.Time) error {
	files, info := filepath.Join(dir, "files"), filepath.Join(dir, "info")
	for _, d := range []string{files, info} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("%w: %s cannot be made: %v", ErrNoTrash, d, errText(err))
		}
	}
	body := "[Trash Info]\nPath=" + escapePath(path) + "\nDeletionDate=" + now.Format("2006-01-02T15:04:05") + "\n"
	base := filepath.Base(path)
	for i := range 10_000 {
		name := uniqueName(base, i)
		infoName := filepath.Join(info, name+".trashinfo")
		f, err := os.OpenFile(infoName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("trash %s: %w", path, err)
		}
		_, werr := f.WriteString(body)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		target := filepath.Join(files, name)
		if _, err := os.Lstat(target); werr == nil && err == nil {
			os.Remove(infoName) // a file left without its info: skip the name
			continue
		}
		if werr == nil {
			werr = os.Rename(path, target)
		}
		if werr != nil {
			os.Remove(infoName)
			if errors.Is(werr, syscall.EXDEV) {
				return fmt.Errorf("%w: the trash %s is on another disk than %s", ErrNoTrash, dir, path)
			}
			return fmt.Errorf("trash %s: %w", path, werr)
		}
		return nil
	}
	return fmt.Errorf("trash %s: too many files of that name in %s", path, dir)
}
