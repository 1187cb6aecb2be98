package ui

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in      string
		want    Location
		wantErr bool
	}{
		{"b2://photos/", Location{Bucket: "photos"}, false},
		{"b2://photos", Location{Bucket: "photos"}, false},
		{"b2://photos/2026/", Location{Bucket: "photos", Prefix: "2026/"}, false},
		{"b2://photos/2026/a b+c.png", Location{Bucket: "photos", Prefix: "2026/", Key: "2026/a b+c.png"}, false},
		{"b2://photos/top.txt", Location{Bucket: "photos", Key: "top.txt"}, false},
		{"photos/docs/", Location{Bucket: "photos", Prefix: "docs/"}, false},
		{"/photos/docs/", Location{Bucket: "photos", Prefix: "docs/"}, false},
		{"  b2://photos/x/  ", Location{Bucket: "photos", Prefix: "x/"}, false},
		{"", Location{}, false},
		{"s3://photos/", Location{}, true},
		{"b2:///key", Location{}, true},
		{"b2://bad bucket/", Location{}, true},
	}
	for _, tt := range tests {
		got, err := ParseLocation(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseLocation(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseLocation(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestLocationNavigation(t *testing.T) {
	l := Location{Bucket: "b", Prefix: "a/b/c/"}
	if got := l.String(); got != "b2://b/a/b/c/" {
		t.Errorf("String = %q", got)
	}
	p, ok := l.Parent()
	if !ok || p.Prefix != "a/b/" {
		t.Errorf("Parent = %+v, %v", p, ok)
	}
	if _, ok := (Location{Bucket: "b"}).Parent(); ok {
		t.Error("bucket root has a parent")
	}
	crumbs := l.Crumbs()
	labels := ""
	for _, c := range crumbs {
		labels += c.Label + ">" + c.Loc.Prefix + " "
	}
	if labels != "b> a>a/ b>a/b/ c>a/b/c/ " {
		t.Errorf("Crumbs = %q", labels)
	}
}

func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{"b2://b/k", "b2://b/", "x/y/", "b2://b/a/../b", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLocation(s)
		if err != nil {
			return
		}
		again, err := ParseLocation(l.String())
		if err != nil || again != l {
			t.Errorf("round trip of %q: %+v -> %q -> %+v, %v", s, l, l.String(), again, err)
		}
	})
}

func TestTildeHome(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		filepath.Join(home, ".cache", "haul", "sandbox"): filepath.Join("~", ".cache", "haul", "sandbox"),
		home:                            home,
		filepath.Join(home+"x", "data"): filepath.Join(home+"x", "data"),
	} {
		if got := tildeHome(in); got != want {
			t.Errorf("tildeHome(%q) = %q, want %q", in, got, want)
		}
	}
}
