package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif" // decoders for image previews
	_ "image/jpeg"
	_ "image/png"
	"log/slog"
	"path"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/dustin/go-humanize"

	"github.com/haul-app/haul/store"
)

// showPreview swaps the preview in.
func (p *propertiesDialog) showPreview(pv previewResult) {
	note := widget.NewLabel(pv.note)
	note.Wrapping = fyne.TextWrapWord
	switch {
	case pv.img != nil:
		p.previewImg = canvas.NewImageFromImage(pv.img)
		p.previewImg.FillMode = canvas.ImageFillContain
		p.previewImg.SetMinSize(fyne.NewSize(previewSide, previewSide))
		p.setPreview(container.NewVBox(container.NewCenter(p.previewImg), note))
	case pv.isText:
		// A TextGrid, not an Entry: it lays out only the rows in view,
		// where an Entry takes seconds over 256 KiB.
		p.previewText = &widget.TextGrid{Rows: pv.rows, Scroll: fyne.ScrollBoth, TabWidth: previewTabWidth}
		p.previewText.ExtendBaseWidget(p.previewText)
		if pv.note == "" {
			p.setPreview(p.previewText)
		} else {
			p.setPreview(container.NewBorder(note, nil, nil, nil, p.previewText))
		}
	default:
		p.setPreview(container.NewVBox(note))
	}
}

func (p *propertiesDialog) setPreview(o fyne.CanvasObject) {
	p.previewBox.Objects = []fyne.CanvasObject{o}
	p.previewBox.Refresh()
}

// Preview limits: a preview is one ranged GET of at most these many bytes,
// held in memory while the dialog is open.
const (
	imagePreviewMax = 8 << 20
	textPreviewMax  = 256 << 10
	// imagePreviewPixels refuses images that decode to more than 200 MB
	// (a small PNG can hold a huge blank picture).
	imagePreviewPixels = 50_000_000
	previewSide        = 400 // the image preview fits in a square this size
)

type previewKind int

const (
	noPreview previewKind = iota
	imagePreview
	textPreview
)

var (
	imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true}
	imageExts  = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true}
	textTypes  = map[string]bool{
		"application/json": true, "application/xml": true, "application/javascript": true,
		"application/x-yaml": true, "application/yaml": true, "application/toml": true,
		"application/x-sh": true, "application/sql": true, "application/x-ndjson": true,
	}
	textExts = map[string]bool{
		".txt": true, ".md": true, ".markdown": true, ".csv": true, ".tsv": true, ".log": true,
		".json": true, ".ndjson": true, ".xml": true, ".yaml": true, ".yml": true, ".toml": true,
		".ini": true, ".cfg": true, ".conf": true, ".html": true, ".htm": true, ".css": true,
		".js": true, ".ts": true, ".go": true, ".py": true, ".rs": true, ".c": true, ".h": true,
		".java": true, ".sh": true, ".sql": true, ".srt": true, ".rst": true, ".svg": true,
	}
)

// kindOf chooses the preview by content type or, failing that, extension.
func kindOf(contentType, key string) previewKind {
	ct, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	ct = strings.TrimSpace(ct)
	ext := strings.ToLower(path.Ext(key))
	switch {
	case imageTypes[ct] || imageExts[ext]:
		return imagePreview
	case strings.HasPrefix(ct, "text/") || textTypes[ct] || strings.HasSuffix(ct, "+json") ||
		strings.HasSuffix(ct, "+xml") || textExts[ext]:
		return textPreview
	}
	return noPreview
}

// previewResult is a decoded image, or text, or neither; note says why
// there is none, or what is shown.
type previewResult struct {
	img    image.Image
	rows   []widget.TextGridRow // text, ready for a TextGrid
	isText bool
	note   string
}

// loadPreview reads the start of the version info describes (one ranged
// GET) and decodes it. It blocks on the network and on decoding.
func loadPreview(ctx context.Context, r propertiesRemote, bucket string, info store.ObjectInfo) previewResult {
	kind := kindOf(info.ContentType, info.Key)
	max := int64(textPreviewMax)
	switch {
	case kind == noPreview:
		return previewResult{note: "No preview for this kind of file."}
	case info.SSECustomer && info.CustomerKey == "":
		return previewResult{note: "No preview: this file is encrypted with your own key (SSE-C), which Haul does not hold."}
	case kind == imagePreview && info.Size > imagePreviewMax:
		return previewResult{note: fmt.Sprintf("No preview: this image is %s; Haul previews images up to %s.",
			humanize.IBytes(uint64(info.Size)), humanize.IBytes(imagePreviewMax))}
	case kind == imagePreview:
		max = imagePreviewMax
	}
	b, err := r.Preview(ctx, bucket, info.Key, info.VersionID, max)
	if err != nil {
		if ctx.Err() == nil {
			slog.Warn("preview failed", "bucket", bucket, "key", info.Key, "err", err)
		}
		return previewResult{note: "No preview. " + Sentence(err)}
	}
	if kind == imagePreview {
		return decodeImage(b)
	}
	return decodeText(b, info.Size)
}

func decodeImage(b []byte) previewResult {
	bad := previewResult{note: "No preview: Haul could not read this image."}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return bad
	}
	if cfg.Width*cfg.Height > imagePreviewPixels {
		return previewResult{note: fmt.Sprintf("No preview: this image is %d × %d pixels, too many to show.", cfg.Width, cfg.Height)}
	}
	// Decoded here, off the Fyne goroutine: an image made from a resource
	// would be decoded again on each refresh.
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return bad
	}
	return previewResult{img: img, note: fmt.Sprintf("%s, %d × %d pixels.", strings.ToUpper(format), cfg.Width, cfg.Height)}
}

// decodeText makes text of the first bytes of a file of size bytes.
func decodeText(b []byte, size int64) previewResult {
	if bytes.IndexByte(b, 0) >= 0 {
		return previewResult{note: "No preview: this file looks binary."}
	}
	cut := size > int64(len(b))
	if cut {
		b = trimPartialRune(b)
	}
	r := previewResult{isText: true, rows: textRows(strings.ToValidUTF8(string(b), "\uFFFD"))}
	switch {
	case cut:
		r.note = fmt.Sprintf("The first %s of %s.", humanize.IBytes(textPreviewMax), humanize.IBytes(uint64(size)))
	case len(b) == 0:
		r.note = "This file is empty."
	}
	return r
}

// trimPartialRune drops a UTF-8 sequence cut off at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

// textRows splits text into TextGrid rows as TextGrid.SetText does (tabs
// to spaces), so that the split runs off the Fyne goroutine: for 256 KiB it
// takes a noticeable moment.
const previewTabWidth = 4

func textRows(text string) []widget.TextGridRow {
	lines := strings.Split(text, "\n")
	rows := make([]widget.TextGridRow, len(lines))
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		cells := make([]widget.TextGridCell, 0, len(line))
		for _, r := range line {
			if r == '\t' {
				for n := previewTabWidth - len(cells)%previewTabWidth; n > 0; n-- {
					cells = append(cells, widget.TextGridCell{Rune: ' '})
				}
				continue
			}
			cells = append(cells, widget.TextGridCell{Rune: r})
		}
		rows[i] = widget.TextGridRow{Cells: cells}
	}
	return rows
}
