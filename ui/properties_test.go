package ui

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
	"github.com/haul-app/haul/store/sandbox"
)

func put(t *testing.T, in store.PutInput) {
	t.Helper()
	if _, err := testClient.Put(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

// propertiesOfSelection opens the properties component on the harness's
// selection, as Alt+Enter does, and returns it.
func propertiesOfSelection(h *harness) *propertiesDialog {
	return get(h, func() *propertiesDialog {
		b := h.w.browser
		bucket := b.location().Bucket
		return openProperties(h.w.dlg, h.w.remote, bucket, h.w.sidebar.visibility(bucket) == store.PublicRead, b.selection(), h.w.propertiesSaved)
	})
}

// openPropertiesOf opens the properties of key, selected in its folder.
func openPropertiesOf(t *testing.T, r Remote, bucket, key string) (*harness, *propertiesDialog) {
	t.Helper()
	h := newHarness(t, r, Location{Bucket: bucket, Prefix: dirOf(key), Key: key})
	h.waitDone(dirOf(key))
	p := propertiesOfSelection(h)
	if p == nil {
		t.Fatal("no properties dialog")
	}
	h.eventually("the properties", func() bool { return p.loaded })
	return h, p
}

func TestPropertiesShowAndSaveMetadata(t *testing.T) {
	bucket := newBucket(t, "haul-ui-props", store.Private)
	const key = "docs/notes.txt"
	modified := time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)
	millis := strconv.FormatInt(modified.UnixMilli(), 10)
	body := "Hello, properties.\nSecond line.\n"
	for _, text := range []string{"first version", body} {
		put(t, store.PutInput{Bucket: bucket, Key: key, Body: strings.NewReader(text), Modified: modified, Metadata: map[string]string{"author": "ada"}})
	}
	h, p := openPropertiesOf(t, testClient, bucket, key)

	text := h.overlayText()
	for _, want := range []string{
		"Properties of notes.txt", key, "32 B (32 bytes)", "2 versions", "None", "(" + time.Now().Format("2006-01-02 "),
		"The file's own modification time: " + modified.Local().Format(exactTime),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the dialog does not say %q:\n%s", want, text)
		}
	}
	if ct := get(h, func() string { return p.contentType.Text }); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("content type = %q", ct)
	}
	rows := func() map[string]string {
		m := map[string]string{}
		for _, r := range p.rows {
			m[r.name.Text] = r.value.Text
		}
		return m
	}
	if got := get(h, rows); got["author"] != "ada" || got[store.MetaModified] != millis || len(got) != 2 {
		t.Errorf("metadata rows = %v", got)
	}
	h.eventually("the text preview", func() bool { return p.previewText != nil })
	if got := get(h, p.previewText.Text); got != body {
		t.Errorf("preview = %q", got)
	}

	// Change the type and one entry, add one: a copy onto itself stores them.
	save := func(edit func()) string {
		t.Helper()
		h.ui(func() {
			p.editNote.SetText("")
			edit()
			test.Tap(p.saveBtn)
		})
		h.eventually("the save to end", func() bool { return p.editNote.Text != "" && p.saving.Hidden })
		return get(h, func() string { return p.editNote.Text })
	}
	note := save(func() {
		p.contentType.SetText("text/markdown")
		for _, r := range p.rows {
			if r.name.Text == "author" {
				r.value.SetText("grace")
			}
		}
		p.addRow("Project", "haul")
	})
	if note != "Saved." {
		t.Fatalf("save says %q", note)
	}
	info, err := testClient.Head(context.Background(), bucket, key, "")
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != "text/markdown" || info.Metadata["author"] != "grace" || info.Metadata["project"] != "haul" || info.Metadata[store.MetaModified] != millis {
		t.Errorf("on the server: %q %v", info.ContentType, info.Metadata)
	}
	if got := get(h, rows); got["project"] != "haul" || len(got) != 3 {
		t.Errorf("rows after saving = %v", got)
	}

	// A name B2 refuses is refused with the store's sentence, nothing saved.
	var bad *metaRow
	note = save(func() { bad = p.addRow("bad name", "x") })
	if !strings.HasPrefix(note, "B2 does not accept that name") || !strings.Contains(note, `"bad name"`) {
		t.Errorf("bad name: %q", note)
	}
	// Removing rows removes the entries, src_last_modified_millis included.
	note = save(func() {
		p.removeRow(bad)
		for _, r := range slices.Clone(p.rows) {
			if r.name.Text == "project" || r.name.Text == store.MetaModified {
				p.removeRow(r)
			}
		}
	})
	if note != "Saved." {
		t.Fatalf("second save says %q", note)
	}
	info, err = testClient.Head(context.Background(), bucket, key, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Metadata) != 1 || info.Metadata["author"] != "grace" || info.ContentType != "text/markdown" {
		t.Errorf("after removing: %q %v", info.ContentType, info.Metadata)
	}
	if got := currentText(t, bucket, key); got != body {
		t.Errorf("the file now says %q", got)
	}
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPropertiesPreviewImage(t *testing.T) {
	bucket := newBucket(t, "haul-ui-preview-png", store.Private)
	put(t, store.PutInput{Bucket: bucket, Key: "pics/tile.png", Body: bytes.NewReader(pngOf(t, 64, 48))})
	h, p := openPropertiesOf(t, testClient, bucket, "pics/tile.png")
	h.eventually("the image preview", func() bool { return p.previewImg != nil })
	if b := get(h, func() image.Rectangle { return p.previewImg.Image.Bounds() }); b.Dx() != 64 || b.Dy() != 48 {
		t.Errorf("preview is %v", b)
	}
	if text := h.overlayText(); !strings.Contains(text, "PNG, 64 × 48 pixels.") {
		t.Errorf("no image note in:\n%s", text)
	}
	if get(h, func() bool { return p.previewText != nil }) {
		t.Error("an image previewed as text")
	}
}

func TestPropertiesPreviewLongTextAndOther(t *testing.T) {
	bucket := newBucket(t, "haul-ui-preview-text", store.Private)
	line := "2026-01-01 12:00:00 ünïcode log line\n"
	long := strings.Repeat(line, 300<<10/len(line)+1)
	put(t, store.PutInput{Bucket: bucket, Key: "app.log", Body: strings.NewReader(long)})
	put(t, store.PutInput{Bucket: bucket, Key: "blob.bin", Body: bytes.NewReader([]byte{0, 1, 2})})

	h, p := openPropertiesOf(t, testClient, bucket, "app.log")
	h.eventually("the text preview", func() bool { return p.previewText != nil })
	got := get(h, p.previewText.Text)
	if len(got) > textPreviewMax || len(got) < textPreviewMax-3 || !strings.HasPrefix(long, got) {
		t.Errorf("preview holds %d bytes, want the first 256 KiB", len(got))
	}
	if text := h.overlayText(); !strings.Contains(text, "The first 256 KiB of ") {
		t.Errorf("no cut note in:\n%s", text)
	}

	h.ui(func() {
		p.dlg.Hide()
		b := h.w.browser
		b.selectOnly(b.view.index("blob.bin"))
	})
	p = propertiesOfSelection(h)
	h.eventually("no preview", func() bool {
		return strings.Contains(labelsIn(p.previewBox), "No preview for this kind of file.")
	})
}

// labelsIn is the text of the labels in o; call it under the UI lock.
func labelsIn(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, c := range test.LaidOutObjects(o) {
		if l, ok := c.(*widget.Label); ok {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

// heldPreview holds previews until their context ends.
type heldPreview struct {
	*store.Client
	started  chan struct{}
	canceled chan error
}

func (r heldPreview) Preview(ctx context.Context, _, _, _ string, _ int64) ([]byte, error) {
	r.started <- struct{}{}
	<-ctx.Done()
	r.canceled <- ctx.Err()
	return nil, ctx.Err()
}

func TestClosingPropertiesCancelsThePreview(t *testing.T) {
	r := heldPreview{Client: testClient, started: make(chan struct{}, 1), canceled: make(chan error, 1)}
	h, p := openPropertiesOf(t, r, sandbox.PrivateBucket, "docs/notes.txt")
	select {
	case <-r.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the preview was never asked for")
	}
	h.ui(p.dlg.Hide)
	select {
	case err := <-r.canceled:
		if err != context.Canceled {
			t.Errorf("the preview ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("closing the dialog did not cancel the preview")
	}
	if get(h, func() bool { return p.previewImg != nil || p.previewText != nil }) {
		t.Error("a cancelled preview was shown")
	}
}

func TestKindOf(t *testing.T) {
	for _, tt := range []struct {
		ct, key string
		want    previewKind
	}{
		{"image/png", "a", imagePreview},
		{"image/jpeg", "photo", imagePreview},
		{"application/octet-stream", "x/IMG_1.JPG", imagePreview},
		{"", "anim.gif", imagePreview},
		{"text/plain; charset=utf-8", "a.dat", textPreview},
		{"application/json", "a", textPreview},
		{"application/vnd.api+json", "a", textPreview},
		{"application/octet-stream", "notes.MD", textPreview},
		{"binary/octet-stream", "data.csv", textPreview},
		{"", "server.log", textPreview},
		{"application/zip", "a.zip", noPreview},
		{"image/webp", "a.webp", noPreview},
		{"", "noext", noPreview},
	} {
		if got := kindOf(tt.ct, tt.key); got != tt.want {
			t.Errorf("kindOf(%q, %q) = %v, want %v", tt.ct, tt.key, got, tt.want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	// "é" is two bytes: a cut between them drops the half.
	r := decodeText([]byte("caf\xc3"), 10)
	if !r.isText || len(r.rows) != 1 || string(runes(r.rows[0])) != "caf" || !strings.HasPrefix(r.note, "The first 256 KiB of ") {
		t.Errorf("cut text: %+v", r)
	}
	if r := decodeText([]byte("café"), 5); string(runes(r.rows[0])) != "café" || r.note != "" {
		t.Errorf("whole text: %+v", r)
	}
	if r := decodeText([]byte("a\xffb"), 3); string(runes(r.rows[0])) != "a\uFFFDb" {
		t.Errorf("invalid UTF-8: %q", string(runes(r.rows[0])))
	}
	if r := decodeText([]byte("a\tb\r\nc"), 6); len(r.rows) != 2 || string(runes(r.rows[0])) != "a   b" || string(runes(r.rows[1])) != "c" {
		t.Errorf("tabs and CRLF: %+v", r.rows)
	}
	if r := decodeText([]byte("PK\x03\x04\x00\x00"), 6); r.isText || !strings.Contains(r.note, "binary") {
		t.Errorf("binary: %+v", r)
	}
	if r := decodeText([]byte{}, 0); !r.isText || r.note != "This file is empty." {
		t.Errorf("empty: %+v", r)
	}
}

func runes(row widget.TextGridRow) []rune {
	var rs []rune
	for _, c := range row.Cells {
		rs = append(rs, c.Rune)
	}
	return rs
}

func TestEditedMetadata(t *testing.T) {
	old := map[string]string{"author": "ada", store.MetaModified: "1700000000000"}
	for _, tt := range []struct {
		name string
		rows []metaEntry
		want map[string]string
		bad  string
	}{
		{"unchanged", []metaEntry{{"author", "ada"}, {store.MetaModified, "1700000000000"}}, map[string]string{"author": "ada", store.MetaModified: "1700000000000"}, ""},
		{"lower-cased and trimmed, blank rows skipped", []metaEntry{{" Author ", "Ada"}, {"", ""}, {store.MetaModified, "1"}}, map[string]string{"author": "Ada", store.MetaModified: "1"}, ""},
		{"removing the time removes it", []metaEntry{{"author", "ada"}}, map[string]string{"author": "ada", store.MetaModified: ""}, ""},
		{"a value without a name", []metaEntry{{"", "x"}}, nil, "has no name"},
		{"a name twice", []metaEntry{{"a", "1"}, {"A", "2"}}, nil, "appears twice"},
	} {
		got, err := editedMetadata(tt.rows, old)
		if tt.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tt.bad) {
				t.Errorf("%s: err = %v", tt.name, err)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestMetaNote(t *testing.T) {
	at := time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC)
	if got := metaNote("SRC_LAST_MODIFIED_MILLIS", strconv.FormatInt(at.UnixMilli(), 10)); !strings.HasSuffix(got, at.Local().Format(exactTime)) {
		t.Errorf("note = %q", got)
	}
	if got := metaNote(store.MetaModified, "yesterday"); !strings.HasPrefix(got, "Not a time") {
		t.Errorf("bad value note = %q", got)
	}
	if got := metaNote("author", "1700000000000"); got != "" {
		t.Errorf("other name note = %q", got)
	}
}
