// Formatting for people: counts, sizes, times, durations, paths and names
// from outside, in one place.

package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
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

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return humanize.Comma(int64(n)) + " " + word + "s"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		return string(c-'a'+'A') + s[1:]
	}
	return s
}

func humanizeCount(n int) string { return humanize.Comma(int64(n)) }

// untilText says how long a link lasts, rounded to the minute: "1 day",
// "7 days", "3 hours", "90 minutes".
func untilText(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= 48*time.Hour:
		return fmt.Sprintf("%s and %s", plural(int(d/(24*time.Hour)), "day"), plural(int(d%(24*time.Hour)/time.Hour), "hour"))
	}
	return plural(int(d/time.Minute), "minute")
}

// sizeText is "1.2 MB", or "1,234,567 B" exactly; folders and deleted
// files (whose newest entry, a delete marker, has no size) show nothing.
func sizeText(o store.Object, exact bool) string {
	if o.IsFolder || o.Deleted {
		return ""
	}
	if exact {
		return humanize.Comma(o.Size) + " B"
	}
	return humanize.Bytes(uint64(o.Size))
}

// timeText is "3 hours ago", or the local time to the second exactly.
func timeText(o store.Object, exact bool) string {
	if o.IsFolder || o.Modified.IsZero() {
		return ""
	}
	if exact {
		return o.Modified.Local().Format("2006-01-02 15:04:05 MST")
	}
	return humanize.Time(o.Modified)
}

func etaText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s left", int(d.Seconds())+1)
	case d < time.Hour:
		return fmt.Sprintf("%d min left", int(d.Minutes())+1)
	}
	return fmt.Sprintf("%.1f h left", d.Hours())
}

// shortID is the start of a version ID, enough to tell versions apart.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}

// tildeHome writes a path inside the home folder as ~/…, as people read it.
func tildeHome(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return p
	}
	if rel, err := filepath.Rel(home, p); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		return filepath.Join("~", rel)
	}
	return p
}
