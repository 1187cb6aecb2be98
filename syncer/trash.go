package syncer

import (
	"errors"
	"fmt"
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

// escapePath writes a path as the specification asks: URL-escaped, "/"
// kept.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
