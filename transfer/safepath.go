package transfer

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"
)

// maxNameBytes is the longest file name most file systems take (ext4, APFS,
// NTFS in UTF-16 units, close enough).
const maxNameBytes = 255

// SafeLocalPath maps an object key, relative to the folder being downloaded,
// to a path inside root, or says why it cannot.
//
// Refused, because they would escape root or cannot be a file name: an empty
// key, invalid UTF-8, control characters (NUL, U+0001-U+001F, DEL; they are
// refused rather than mapped, as no mapping round-trips and B2 refuses them
// in new names), a leading "/", empty, "." or ".." segments, segments that
// are a drive or a path on one ("C:", "C:\x", on every system, so a bucket
// downloads the same everywhere), and segments longer than 255 bytes.
//
// Mapped on Windows, where they are not legal in a name: each of <>:"|?*\
// becomes "_"; trailing dots and spaces become "_" (Windows would drop
// them); reserved device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, CONIN$,
// CONOUT$), with or without an extension, get "_" after the device name, so
// "con.txt" becomes "con_.txt". Elsewhere "\" is an ordinary character.
//
// The result is always inside root (checked with filepath.Rel after
// Clean). It does not touch the disk.
func SafeLocalPath(root, key string) (string, error) {
	return safeLocalPath(runtime.GOOS, root, key)
}

func safeLocalPath(goos, root, key string) (string, error) {
	segs, err := localNames(goos, key)
	if err != nil {
		return "", err
	}
	root = filepath.Clean(root)
	p := filepath.Join(append([]string{root}, segs...)...)
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == "." || !filepath.IsLocal(rel) {
		return "", errors.New("the name would be written outside the chosen folder")
	}
	return p, nil
}

// localNames splits key into the local names of its folders and file,
// following goos's rules.
func localNames(goos, key string) ([]string, error) {
	switch {
	case key == "":
		return nil, errors.New("the name is empty")
	case !utf8.ValidString(key):
		return nil, errors.New("the name is not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return nil, errors.New("the name is an absolute path (it starts with \"/\")")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return nil, fmt.Errorf("the name contains the control character %U", r)
		}
	}
	segs := strings.Split(key, "/")
	for i, s := range segs {
		switch s {
		case "":
			return nil, errors.New("the name has an empty folder name (\"//\" or a trailing \"/\")")
		case ".", "..":
			return nil, fmt.Errorf("the name has a %q folder name", s)
		}
		if isDrive(s) {
			return nil, fmt.Errorf("%q starts with a drive letter", s)
		}
		if goos == "windows" {
			s = windowsName(s)
		}
		if len(s) > maxNameBytes {
			return nil, fmt.Errorf("the name %q is %d bytes long, too long for the disk (at most %d)", shorten(s), len(s), maxNameBytes)
		}
		segs[i] = s
	}
	return segs, nil
}

// isDrive reports whether a name is a drive ("C:") or starts with a path on
// one ("C:\x"). "a:b" is an ordinary name (mapped to "a_b" on Windows).
func isDrive(s string) bool {
	c := s[0]
	return len(s) >= 2 && s[1] == ':' && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') &&
		(len(s) == 2 || s[2] == '\\')
}

// windowsName makes one file name legal on Windows (see SafeLocalPath).
func windowsName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if strings.IndexByte(`<>:"|?*\`, c) >= 0 {
			b[i] = '_'
		}
	}
	for i := len(b) - 1; i >= 0 && (b[i] == '.' || b[i] == ' '); i-- {
		b[i] = '_'
	}
	s = string(b)
	stem, ext, dot := strings.Cut(s, ".")
	switch {
	case !isReservedDevice(strings.TrimRight(stem, " ")):
		return s
	case dot:
		return stem + "_." + ext
	default:
		return stem + "_"
	}
}

// isReservedDevice reports whether name is one of Windows' device names.
func isReservedDevice(name string) bool {
	switch u := strings.ToUpper(name); u {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	default:
		if len(u) >= 4 && (strings.HasPrefix(u, "COM") || strings.HasPrefix(u, "LPT")) {
			switch d := u[3:]; d {
			case "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
				return true
			}
		}
	}
	return false
}

// shorten keeps the start of a long name for a message, cut at a UTF-8
// boundary.
func shorten(s string) string {
	const keep = 40
	if len(s) <= keep {
		return s
	}
	i := keep
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
