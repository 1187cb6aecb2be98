package ui

import (
	"path"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/haul-app/haul/store"
)

// fileKind is what a file holds, as its extension tells.
type fileKind int

const (
	kindOther fileKind = iota
	kindImage
	kindVideo
	kindAudio
	kindArchive // archives, disk images and installers
	kindDocument
	kindCode
)

// kindByExt maps a lower-case extension, dot included, to its kind.
var kindByExt = map[string]fileKind{}

func init() {
	for kind, exts := range map[fileKind]string{
		kindImage: ".png .jpg .jpeg .jpe .gif .webp .heic .heif .avif .tif .tiff .bmp .svg .ico .psd .xcf " +
			".raw .dng .cr2 .cr3 .nef .arw .orf .rw2 .raf",
		kindVideo:   ".mp4 .m4v .mov .mkv .avi .webm .wmv .flv .mpg .mpeg .m2ts .mts .3gp .ogv",
		kindAudio:   ".mp3 .wav .flac .ogg .oga .opus .m4a .aac .aiff .aif .wma .alac .mid .midi",
		kindArchive: ".zip .gz .tgz .tar .bz2 .tbz2 .xz .txz .7z .rar .zst .lz4 .lzma .cab .jar .war .deb .rpm .apk .dmg .iso .img .exe .msi .pkg .appimage .bin",
		kindDocument: ".pdf .doc .docx .odt .rtf .txt .md .rst .tex .epub .xls .xlsx .ods .csv .tsv .ppt .pptx .odp " +
			".pages .numbers .key .log",
		kindCode: ".go .py .js .mjs .ts .tsx .jsx .c .h .cc .cpp .hpp .cs .java .kt .rs .rb .php .swift .scala .lua .pl " +
			".sh .bash .zsh .ps1 .bat .sql .html .htm .css .scss .json .yaml .yml .toml .ini .conf .xml .proto .mod .sum",
	} {
		for _, ext := range strings.Fields(exts) {
			kindByExt[ext] = kind
		}
	}
}

// fileKindOf is the kind of the file at key, by its extension (in any case).
func fileKindOf(key string) fileKind {
	return kindByExt[strings.ToLower(path.Ext(key))]
}

// iconForKind is the theme icon shown for a kind of file: the media icons
// for pictures, films and sound, so that they differ in shape rather than
// in a glyph a few pixels wide, and archives in the warning colour, as
// their page icon alone would pass for a document's.
func iconForKind(k fileKind) fyne.Resource {
	switch k {
	case kindImage:
		return theme.MediaPhotoIcon()
	case kindVideo:
		return theme.MediaVideoIcon()
	case kindAudio:
		return theme.MediaMusicIcon()
	case kindArchive:
		return theme.NewColoredResource(theme.FileApplicationIcon(), theme.ColorNameWarning)
	case kindDocument:
		return theme.DocumentIcon()
	case kindCode:
		return theme.FileTextIcon()
	}
	return theme.FileIcon()
}

// iconFor is the icon of a row of the folder table. Folders are drawn in
// the theme's primary colour, so that they stand out among files.
func iconFor(o store.Object) fyne.Resource {
	if o.IsFolder {
		return theme.NewPrimaryThemedResource(theme.FolderIcon())
	}
	return iconForKind(fileKindOf(o.Key))
}
