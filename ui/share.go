package ui

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// shareTarget is one file to link to, optionally one version of it.
type shareTarget struct {
	Key, VersionID string
}

// sharedLink is a link made for one target, or why there is none.
type sharedLink struct {
	Key     string
	Links   []string // friendly and S3 for public buckets; one signed link otherwise
	Problem string   // why no link (SSE-C, an error)
	Expires time.Time
	Clamped bool
}

// Expiry presets for signed links.
var expiryPresets = []struct {
	Label string
	D     time.Duration
}{{"1 hour", time.Hour}, {"1 day", 24 * time.Hour}, {"7 days (the most B2 allows)", 7 * 24 * time.Hour}, {"Custom", 0}}

// parseExpiry reads "90m", "12h", "3d" or a number of hours.
func parseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, errors.New("type how long the link should work, like 12h or 3d")
	}
	unit := time.Hour
	switch {
	case strings.HasSuffix(s, "d"):
		unit, s = 24*time.Hour, strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "h"):
		s = strings.TrimSuffix(s, "h")
	case strings.HasSuffix(s, "m"):
		unit, s = time.Minute, strings.TrimSuffix(s, "m")
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a duration like 90m, 12h or 3d", s)
	}
	return time.Duration(n * float64(unit)), nil
}

// makeLinks builds the links: plain URLs for a public bucket, signed ones
// otherwise. It blocks on the network (Head, for SSE-C and versions).
func makeLinks(ctx context.Context, r linkMaker, acct store.Account, bucket string, public bool, targets []shareTarget, o store.PresignOptions, pin bool) []sharedLink {
	out := make([]sharedLink, len(targets))
	for i, t := range targets {
		l := sharedLink{Key: t.Key}
		info, err := r.Head(ctx, bucket, t.Key, t.VersionID)
		switch {
		case err != nil && !errors.Is(err, store.ErrKeyMissing):
			l.Problem = Sentence(err)
		case err != nil || info.SSECustomer:
			l.Problem = "This file is encrypted with your own key (SSE-C); B2 cannot serve it through a plain link."
		case public && t.VersionID == "":
			friendly, s3 := store.PublicURLs(acct, bucket, t.Key)
			for _, u := range []string{friendly, s3} {
				if u != "" {
					l.Links = append(l.Links, u)
				}
			}
		default:
			po := o
			po.VersionID = t.VersionID
			if po.Expires == 0 { // a version in a public bucket still needs a signature
				po.Expires = store.MaxPresign
			}
			if pin && po.VersionID == "" {
				po.VersionID = info.VersionID
			}
			link, exp, clamped, err := r.PresignGet(ctx, bucket, t.Key, po)
			if err != nil {
				l.Problem = Sentence(err)
				break
			}
			l.Links, l.Expires, l.Clamped = []string{link}, exp, clamped
		}
		out[i] = l
	}
	return out
}

// linksText is what "copy all" copies: one link per line.
func linksText(links []sharedLink, firstOnly bool) string {
	var lines []string
	for _, l := range links {
		for i, u := range l.Links {
			if firstOnly && i > 0 {
				break
			}
			lines = append(lines, u)
		}
	}
	return strings.Join(lines, "\n")
}

// shareDialog shows the links of some files and the buttons that copy
// them; it makes the links again whenever the choices change.
type shareDialog struct {
	r       linkMaker
	acct    store.Account
	bucket  string
	public  bool
	targets []shareTarget

	links   []sharedLink
	gen     int // the latest request; older answers are dropped
	out     *widget.Entry
	note    *widget.Label
	copyOne *widget.Button
	copyAll *widget.Button
}

// sharer makes links to files: plain ones in public buckets, signed and
// expiring ones in private buckets. It belongs to the Fyne goroutine.
type sharer struct {
	dlg    *dialogs
	remote linkMaker     // nil while no account is open
	acct   store.Account // whose endpoint public links name
	// onStatus shows a remark in the status bar.
	onStatus func(string)
}

// share opens the share dialog for targets in bucket.
func (s *sharer) share(bucket string, public bool, targets []shareTarget) {
	if s.remote == nil || len(targets) == 0 {
		return
	}
	d := &shareDialog{r: s.remote, acct: s.acct, bucket: bucket, targets: targets, public: public}
	content := d.build()
	title := "Share " + path.Base(targets[0].Key)
	if len(targets) > 1 {
		title = "Share " + plural(len(targets), "file")
	}
	dlg := dialog.NewCustom(title, "Close", content, s.dlg.win)
	dlg.Resize(fyne.NewSize(640, 460))
	s.dlg.present(dlg, nil)
}

// build makes the dialog's widgets and asks for the first links.
func (s *shareDialog) build() fyne.CanvasObject {
	s.out = widget.NewMultiLineEntry()
	s.out.Wrapping = fyne.TextWrapBreak
	s.out.SetMinRowsVisible(5)
	s.note = widget.NewLabel("")
	s.note.Wrapping = fyne.TextWrapWord
	s.copyOne = widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(linksText(s.links[:1], true))
		s.note.SetText("Link copied.")
	})
	s.copyAll = widget.NewButtonWithIcon("Copy all links", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(linksText(s.links, true))
		s.note.SetText(fmt.Sprintf("%s copied, one per line.", plural(len(s.links), "link")))
	})
	s.copyOne.Disable()
	s.copyAll.Disable()
	var form fyne.CanvasObject
	if s.public {
		intro := widget.NewLabel("This bucket is public: anyone with these links can download the files.")
		intro.Wrapping = fyne.TextWrapWord
		form = intro
		s.generate(store.PresignOptions{}, false)
	} else {
		form = s.privateForm()
	}
	return container.NewVBox(form, s.out, s.note, container.NewHBox(s.copyOne, s.copyAll))
}

// privateForm is the choices of signed links: how long they work, pinned
// to a version or not, the file name to save as. Links are made at once
// and again on every change; a typed duration or file name applies on
// Enter or with the button.
func (s *shareDialog) privateForm() fyne.CanvasObject {
	custom := widget.NewEntry()
	custom.SetPlaceHolder("e.g. 12h or 3d")
	custom.Hide()
	preset := widget.NewSelect(nil, nil)
	for _, p := range expiryPresets {
		preset.Options = append(preset.Options, p.Label)
	}
	preset.SetSelected(expiryPresets[1].Label)
	pin := widget.NewCheck("Pin to the version shown now", nil)
	pin.SetChecked(s.targets[0].VersionID != "")
	downloadAs := widget.NewEntry()
	downloadAs.SetPlaceHolder("file name the browser saves as (optional)")
	items := []*widget.FormItem{
		widget.NewFormItem("Works for", container.NewBorder(nil, nil, nil, custom, preset)),
		widget.NewFormItem("", pin),
	}
	if len(s.targets) == 1 {
		items = append(items, widget.NewFormItem("Download as", downloadAs))
	}
	remake := func() {
		var d time.Duration
		for _, p := range expiryPresets {
			if p.Label == preset.Selected {
				d = p.D
			}
		}
		if d == 0 {
			var err error
			if d, err = parseExpiry(custom.Text); err != nil {
				s.note.SetText(capitalize(err.Error()) + ".")
				return
			}
		}
		s.generate(store.PresignOptions{Expires: d, DownloadAs: strings.TrimSpace(downloadAs.Text)}, pin.Checked)
	}
	makeBtn := widget.NewButtonWithIcon("Update links", theme.ViewRefreshIcon(), remake)
	preset.OnChanged = func(v string) {
		setVisible(custom, v == "Custom")
		if v != "Custom" {
			remake()
		}
	}
	pin.OnChanged = func(bool) { remake() }
	custom.OnSubmitted = func(string) { remake() }
	downloadAs.OnSubmitted = func(string) { remake() }
	remake()
	intro := widget.NewLabel("This bucket is private: these links are signed and stop working when they expire.")
	intro.Wrapping = fyne.TextWrapWord
	return container.NewVBox(intro, widget.NewForm(items...), makeBtn)
}

// generate makes the links off the Fyne goroutine and shows them, unless
// newer choices asked for others meanwhile.
func (s *shareDialog) generate(o store.PresignOptions, pin bool) {
	s.note.SetText("Making links…")
	s.gen++
	mine := s.gen
	go func() {
		ls := makeLinks(context.Background(), s.r, s.acct, s.bucket, s.public, s.targets, o, pin)
		do(func() {
			if mine == s.gen {
				s.show(ls)
			}
		})
	}()
}

// show puts links on screen with what the person must know about them.
func (s *shareDialog) show(ls []sharedLink) {
	s.links = ls
	var b strings.Builder
	var problems []string
	for _, l := range ls {
		for _, u := range l.Links {
			b.WriteString(u + "\n")
		}
		if l.Problem != "" {
			problems = append(problems, path.Base(l.Key)+": "+l.Problem)
		}
	}
	s.out.SetText(strings.TrimSuffix(b.String(), "\n"))
	msg := strings.Join(problems, "\n")
	if len(ls) > 0 && !ls[0].Expires.IsZero() {
		exp := ls[0].Expires
		msg = fmt.Sprintf("These links work until %s (in %s). A signed link cannot be revoked, except by deleting the application key that signed it.\n",
			exp.Local().Format("Mon 2 Jan 2006 15:04 MST"), untilText(time.Until(exp))) + msg
		if ls[0].Clamped {
			msg = "B2 signs links for at most 7 days, so these last 7 days.\n" + msg
		}
	}
	s.note.SetText(strings.TrimSpace(msg))
	has := linksText(ls, true) != ""
	setEnabled(s.copyOne, has)
	setEnabled(s.copyAll, has && len(ls) > 1)
}

// shareSelection shares the selected files of bucket. Folders have no
// link of their own: when the selection holds some, the person is told so
// and may share the files inside them instead.
func (s *sharer) shareSelection(bucket string, public bool, sel []store.Object) {
	var targets []shareTarget
	var folders []string
	for _, o := range sel {
		switch {
		case o.IsFolder:
			folders = append(folders, o.Key)
		case !o.Deleted:
			targets = append(targets, shareTarget{Key: o.Key, VersionID: o.VersionID})
		}
	}
	if len(targets) == 0 && len(folders) == 0 {
		s.dlg.showInfo("Share", "Select one or more files to share.")
		return
	}
	if len(folders) == 0 {
		s.share(bucket, public, targets)
		return
	}
	what := plural(len(folders), "folder")
	if len(folders) == 1 {
		what = "the folder “" + path.Base(strings.TrimSuffix(folders[0], "/")) + "”"
	}
	msg := fmt.Sprintf("B2 has no links for folders, only for files. Share the files in %s (subfolders included, up to %s files)?",
		what, humanizeCount(maxShareFiles))
	if len(targets) > 0 {
		msg += fmt.Sprintf(" Otherwise only the %s you selected get links.", plural(len(targets), "file"))
	}
	var d dialog.Dialog
	inside := widget.NewButtonWithIcon("Share the files in them", theme.FolderOpenIcon(), func() {
		d.Hide()
		s.shareFolderFilesAsync(bucket, public, folders, targets)
	})
	inside.Importance = widget.HighImportance
	buttons := container.NewHBox(layout.NewSpacer(), widget.NewButton("Cancel", func() { d.Hide() }))
	if len(targets) > 0 {
		buttons.Add(widget.NewButton("Only the selected files", func() { d.Hide(); s.share(bucket, public, targets) }))
	}
	buttons.Add(inside)
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	d = dialog.NewCustomWithoutButtons("Share "+what+"?", container.NewVBox(text, buttons), s.dlg.win)
	d.Resize(fyne.NewSize(560, 0))
	s.dlg.present(d, inside.OnTapped)
}

// maxShareFiles caps the files of shared folders: one dialog of links, and
// one Head request per file.
const maxShareFiles = 1000

// shareFolderFilesAsync lists the files under folders (recursively, with
// a progress dialog that can be cancelled) and shares them with files.
func (s *sharer) shareFolderFilesAsync(bucket string, public bool, folders []string, files []shareTarget) {
	r := s.remote
	if r == nil {
		return
	}
	status := widget.NewLabel("Listing the folders…")
	ctx, done := s.dlg.working("Finding the files", "Cancel", widget.NewProgressBarInfinite(), status)
	go func() {
		targets, capped, err := folderFiles(ctx, r, bucket, folders, files, func(n int) {
			do(func() { status.SetText(fmt.Sprintf("%s found…", plural(n, "file"))) })
		})
		stopped := ctx.Err() != nil
		do(func() {
			done()
			switch {
			case canceled(err) || stopped:
			case err != nil:
				s.dlg.showError(errors.New(Sentence(err)))
			case len(targets) == 0:
				s.dlg.showInfo("Nothing to share", "The folders hold no files.")
			default:
				if capped {
					s.onStatus(fmt.Sprintf("Sharing the first %s files only.", humanizeCount(maxShareFiles)))
				}
				s.share(bucket, public, targets)
			}
		})
	}()
}

// folderFiles lists the files under folders after files, at most
// maxShareFiles (capped says the list stopped there), telling found how
// many it has after each page.
func folderFiles(ctx context.Context, r linkMaker, bucket string, folders []string, files []shareTarget, found func(int)) (targets []shareTarget, capped bool, err error) {
	targets = slices.Clone(files)
	for _, f := range folders {
		token := ""
		for {
			page, err := r.List(ctx, store.ListInput{Bucket: bucket, Prefix: f, Token: token, Recursive: true})
			if err != nil {
				return targets, false, err
			}
			for _, o := range page.Objects {
				if len(targets) >= maxShareFiles {
					return targets, true, nil
				}
				targets = append(targets, shareTarget{Key: o.Key})
			}
			found(len(targets))
			if token = page.Next; token == "" {
				break
			}
		}
	}
	return targets, false, nil
}

// linkMaker is what sharing needs.
type linkMaker interface {
	// Head describes a version (SSE-C files get no link).
	Head(ctx context.Context, bucket, key, versionID string) (store.ObjectInfo, error)
	// List pages through a shared folder's files.
	List(ctx context.Context, in store.ListInput) (store.Page, error)
	// PresignGet signs a download link for at most 7 days.
	PresignGet(ctx context.Context, bucket, key string, o store.PresignOptions) (link string, expires time.Time, clamped bool, err error)
}
