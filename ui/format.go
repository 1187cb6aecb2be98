package ui

import (
	"strings"
	"unicode/utf8"
)

// printable makes a name from outside safe to draw: control characters,
// which B2's S3 API can hand back in keys written by other tools, become
// their visible Unicode pictures (U+0001 as ␁, DEL as ␡) and bytes that are
// not UTF-8 become �. It is for display only: keys are never rewritten.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune('\u2421')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
