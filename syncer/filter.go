package syncer

import (
	"fmt"
	"path"
	"strings"
)

// Match reports whether the glob pattern selects the file rel (a relative
// name with "/" between names). Patterns are path.Match patterns with one
// addition, "**", a whole segment standing for any number of folders.
//
// A pattern without "/" is tried against every name in rel, so "*.tmp"
// selects "a/b.tmp" and "node_modules" selects everything under any folder
// of that name. A pattern with "/" is anchored at the top of the pair
// ("/" at its start is optional) and selects the file or folder it matches
// and everything inside: "build/**/*.o", "photos/2024".
func Match(pattern, rel string) bool {
	pattern = strings.TrimPrefix(pattern, "/")
	segs := strings.Split(rel, "/")
	if !strings.Contains(pattern, "/") {
		for _, s := range segs {
			if ok, _ := path.Match(pattern, s); ok {
				return true
			}
		}
		return false
	}
	pat := strings.Split(strings.TrimSuffix(pattern, "/"), "/")
	for k := 1; k <= len(segs); k++ {
		if matchSegs(pat, segs[:k]) {
			return true
		}
	}
	return false
}

// matchSegs matches pattern segments against name segments, "**" taking
// any number of names.
func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// checkGlob says whether a pattern is malformed.
func checkGlob(pattern string) error {
	if strings.TrimSpace(pattern) == "" {
		return fmt.Errorf("an empty pattern selects nothing")
	}
	for _, s := range strings.Split(strings.Trim(pattern, "/"), "/") {
		if _, err := path.Match(s, ""); err != nil {
			return fmt.Errorf("the pattern %q is malformed: %w", pattern, err)
		}
	}
	return nil
}

// filter applies a pair's Include and Exclude.
type filter struct{ include, exclude []string }

// keep reports whether the file rel takes part in the sync.
func (f filter) keep(rel string) bool {
	for _, p := range f.exclude {
		if Match(p, rel) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, p := range f.include {
		if Match(p, rel) {
			return true
		}
	}
	return false
}

// prune reports whether a whole folder is excluded, so a walk need not
// enter it.
func (f filter) prune(relDir string) bool {
	for _, p := range f.exclude {
		if Match(p, relDir) {
			return true
		}
	}
	return false
}
