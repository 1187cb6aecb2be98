package ui

import (
	"testing"
	"unicode/utf8"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"photo 1+2.jpg":   "photo 1+2.jpg",
		"a\x01b.txt":      "a␁b.txt",
		"tab\there":       "tab␉here",
		"del\x7f":         "del␡",
		"bad\xffutf8":     "bad\uFFFDutf8",
		"ünïcode/ok.txt":  "ünïcode/ok.txt",
		"\x1b[31mred\x1b": "␛[31mred␛",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"", "a\x01b", "\xff\xfe", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := printable(s)
		if !utf8.ValidString(out) {
			t.Fatalf("printable(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("printable(%q) = %q keeps a control character", s, out)
			}
		}
	})
}
