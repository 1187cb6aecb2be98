package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// versionTexts renders each listed version's row as the list does and
// returns its time and its detail line.
func (h *harness) versionTexts() (when, detail []string) {
	h.ui(func() {
		p := h.w.versions
		for i := range p.versions {
			o := p.createRow()
			p.updateRow(i, o)
			row := o.(*fyne.Container)
			when = append(when, row.Objects[0].(*fyne.Container).Objects[0].(*widget.Label).Text)
			detail = append(detail, row.Objects[1].(*fyne.Container).Objects[0].(*widget.Label).Text)
		}
	})
	return when, detail
}

// TestVersionsSecondsApartCanBeToldApart lists a file's versions, two
// stored in the same second and one a few seconds later: the two show
// their times to the millisecond, the later one its humanized time; each shows its size
// and the start of its ID, and the copy button's tooltip shows the whole
// ID, which a click puts on the clipboard.
func TestVersionsSecondsApartCanBeToldApart(t *testing.T) {
	bucket := newBucket(t, fmt.Sprintf("haul-ui-vtimes-%d", time.Now().UnixNano()%1e9), store.Private)
	// Two versions in one second (B2, like the server here, keeps
	// milliseconds); another try covers a pair that straddled a second.
	var pair []store.Version
	for try := 0; try < 5 && len(pair) == 0; try++ {
		key := fmt.Sprintf("f%d.txt", try)
		putText(t, bucket, key, "one")
		putText(t, bucket, key, "two!")
		page, err := testClient.KeyVersions(t.Context(), bucket, key, "")
		if err != nil {
			t.Fatal(err)
		}
		if vs := page.Versions; len(vs) == 2 && vs[0].Modified.Truncate(time.Second).Equal(vs[1].Modified.Truncate(time.Second)) {
			pair = vs
		}
	}
	if pair == nil {
		t.Fatal("five pairs of versions put back to back never shared a second")
	}
	key := pair[0].Key
	time.Sleep(2500 * time.Millisecond)
	newest := putText(t, bucket, key, "three")

	h := newHarness(t, testClient, Location{Bucket: bucket, Key: key})
	p := h.w.versions
	h.eventually("three versions", func() bool { return len(p.versions) == 3 })
	when, detail := h.versionTexts()
	exact := func(s string) bool {
		_, err := time.ParseInLocation(exactMillis, s, time.Local)
		return err == nil
	}
	if exact(when[0]) {
		t.Errorf("the newest version reads %q: its humanized time is unlike the others'", when[0])
	}
	if !exact(when[1]) || !exact(when[2]) || when[1] == when[2] {
		t.Errorf("two versions of the same second read %q and %q, want their times to the millisecond", when[1], when[2])
	}
	for i := range when[1:] {
		if when[i] == when[i+1] && !exact(when[i]) {
			t.Errorf("versions %d and %d both read %q", i, i+1, when[i])
		}
	}
	ids := []string{newest, pair[0].VersionID, pair[1].VersionID}
	for i, size := range []string{"5 B", "4 B", "3 B"} {
		if want := size + " · " + shortID(ids[i]); detail[i] != want {
			t.Errorf("version %d's detail = %q, want %q", i, detail[i], want)
		}
	}

	// The copy button of the newest version: its tooltip has the whole
	// ID, and a click copies it.
	copyBtn := h.tipOf("Copy the version ID: " + newest)
	at := h.hover(copyBtn)
	h.waitSee("Copy the version ID: " + newest)
	h.ui(func() { test.TapCanvas(h.w.win.Canvas(), at) })
	if got := get(h, func() string { return fyne.CurrentApp().Clipboard().Content() }); got != newest {
		t.Errorf("the clipboard holds %q, want the version ID %q", got, newest)
	}
	if st := get(h, func() string { return p.status.Text }); !strings.HasPrefix(st, "Version ID ") || !strings.HasSuffix(st, " copied.") {
		t.Errorf("status = %q", st)
	}
}

// TestVersionTimesAgreeWithTheTable selects a file, waits until its
// humanized time has moved on, and presses F5: the folder table draws
// "N seconds ago" anew, and the version panel beside it must draw its time
// anew too, not keep the one it drew when the file was first selected.
// (The two are not compared with each other: drawn a few milliseconds
// apart, they can fall either side of a second.)
func TestVersionTimesAgreeWithTheTable(t *testing.T) {
	bucket := newPassingBucket(t, "haul-ui-agree")
	putText(t, bucket, "f.txt", "x")
	h := newHarness(t, testClient, Location{Bucket: bucket, Key: "f.txt"})
	h.waitDone("")
	// drawn is the version's time as the window shows it: the humanized
	// time drawn right of the version list's left edge.
	drawn := func() string {
		var text string
		h.ui(func() {
			d := fyne.CurrentApp().Driver()
			left := d.AbsolutePositionForObject(h.w.versions.list).X
			for _, o := range visibleObjects(h.w.win.Canvas()) {
				if c, ok := o.(*canvas.Text); ok && (strings.HasSuffix(c.Text, " ago") || c.Text == "now") && d.AbsolutePositionForObject(c).X >= left {
					text = c.Text
				}
			}
		})
		return text
	}
	h.waitFor("the version's time drawn", func() bool { return drawn() != "" })
	first := drawn()
	time.Sleep(2500 * time.Millisecond) // humanized to the second at this age
	h.press(0, fyne.KeyF5)
	h.waitDone("")
	h.waitFor("the version's time drawn anew with the table (it read "+first+")", func() bool { return drawn() != first })
}
