package ui

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"
)

// Reading a local folder for the picker, off the Fyne goroutine.

// readLocalDir lists dir: folders first, then files, each by name without
// regard to case. A link to a folder counts as a folder.
func readLocalDir(dir string) ([]localEntry, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, errNotFolder
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]localEntry, 0, len(des))
	for _, de := range des {
		e := localEntry{name: de.Name(), path: filepath.Join(dir, de.Name())}
		info, err := os.Stat(e.path)
		if err != nil {
			// A broken link: shown as what it is; an upload says why
			// it cannot be read.
			if info, err = de.Info(); err != nil {
				continue // gone meanwhile
			}
		}
		e.dir = info.IsDir()
		if !e.dir {
			e.size = humanize.Bytes(uint64(max(info.Size(), 0)))
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b localEntry) int {
		if a.dir != b.dir {
			if a.dir {
				return -1
			}
			return 1
		}
		if c := strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out, nil
}

// localDirSentence says why a folder could not be opened, in words a
// person can act on.
func localDirSentence(dir string, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such folder: " + dir
	case errors.Is(err, errNotFolder):
		return dir + " is a file, not a folder."
	case errors.Is(err, fs.ErrPermission):
		return "Haul may not read " + dir + " (permission denied)."
	default:
		return "Could not read " + dir + ": " + err.Error()
	}
}
