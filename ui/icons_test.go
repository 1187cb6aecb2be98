package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/haul-app/haul/store"
)

func TestIconsByFileType(t *testing.T) {
	test.NewTempApp(t)
	archive := theme.NewColoredResource(theme.FileApplicationIcon(), theme.ColorNameWarning)
	for _, tc := range []struct {
		key  string
		want fyne.Resource
	}{
		{"photos/IMG_4810.JPG", theme.MediaPhotoIcon()},
		{"raw/DSC0001.nef", theme.MediaPhotoIcon()},
		{"a.webp", theme.MediaPhotoIcon()},
		{"films/holiday.MOV", theme.MediaVideoIcon()},
		{"clip.mkv", theme.MediaVideoIcon()},
		{"music/take.flac", theme.MediaMusicIcon()},
		{"voice.m4a", theme.MediaMusicIcon()},
		{"backups/site-2026.tar.gz", archive},
		{"x.7z", archive},
		{"haul_1.0_amd64.deb", archive},
		{"docs/invoice.pdf", theme.DocumentIcon()},
		{"minutes.DOCX", theme.DocumentIcon()},
		{"README.md", theme.DocumentIcon()},
		{"main.go", theme.FileTextIcon()},
		{"deploy.sh", theme.FileTextIcon()},
		{"config.yaml", theme.FileTextIcon()},
		{"Makefile", theme.FileIcon()},        // no extension
		{".bashrc", theme.FileIcon()},         // a dot file, not a kind
		{"v1.2/notes", theme.FileIcon()},      // the dot is in the folder
		{"data.unknownext", theme.FileIcon()}, // nothing known
	} {
		if got := iconFor(store.Object{Key: tc.key}); got.Name() != tc.want.Name() {
			t.Errorf("%s: icon %s, want %s", tc.key, got.Name(), tc.want.Name())
		}
	}
	folder := iconFor(store.Object{Key: "photos.jpg/", IsFolder: true})
	if want := theme.NewPrimaryThemedResource(theme.FolderIcon()).Name(); folder.Name() != want {
		t.Errorf("folder: icon %s, want %s", folder.Name(), want)
	}
	// Every kind looks different from the others.
	seen := map[string]fileKind{}
	for k := kindOther; k <= kindCode; k++ {
		name := iconForKind(k).Name()
		if other, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d share the icon %s", other, k, name)
		}
		seen[name] = k
	}
}
