package syncer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Trash moves a local file somewhere the person can get it back from. A
// mirror down removes local files only through a Trash, never for good.
type Trash interface {
	// Trash moves the file at path (absolute) to the trash. An error
	// wrapping ErrNoTrash says there is no trash for it; the file stays.
	Trash(path string) error
}

// ErrNoTrash means a file could not be moved to a trash and so was left
// where it is: there is none on this system, or none on the file's disk.
var ErrNoTrash = errors.New("no trash to move the file to")

// noTrash refuses every removal with a reason.
type noTrash struct{ reason string }

func (n noTrash) Trash(path string) error {
	return fmt.Errorf("%w: %s; %s was left in place", ErrNoTrash, n.reason, path)
}

// uniqueName returns the i-th candidate name for a file called base in a
// trash: base, then "stem.2.ext", "stem.3.ext", ...
func uniqueName(base string, i int) string {
	if i == 0 {
		return base
	}
	ext := filepath.Ext(base)
	if ext == base {
		ext = ""
	}
	return fmt.Sprintf("%s.%d%s", strings.TrimSuffix(base, ext), i+1, ext)
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
