package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// KeyBook is what the encryption keys need of the saved accounts;
// *store.Accounts has it. Its calls may block on the system keychain, so
// they run off the Fyne goroutine.
type KeyBook interface {
	// CustomerKeyRefs lists an account's customer keys by name (never
	// the keys themselves).
	CustomerKeyRefs(accountID string) []store.CustomerKeyRef
	// AddCustomerKey keeps a key for the account, in the keychain; an
	// error matching store.ErrNoKeychain means it is kept for this
	// session only.
	AddCustomerKey(accountID string, k store.CustomerKey) error
	// RemoveCustomerKey forgets one of the account's keys.
	RemoveCustomerKey(accountID, name string) error
	// SetDefaultCustomerKey chooses the key uploads use unless another
	// is chosen; "" means none.
	SetDefaultCustomerKey(accountID, name string) error
}

// noCustomerKey is the upload choice of no customer key.
const noCustomerKey = "Uploads: no customer key"

// uploadKeyLabel is the upload choice of the key named name.
func uploadKeyLabel(name string) string { return "Uploads: encrypt with " + name }

// encryptionKeys is the account's SSE-C keys: the "Encryption keys…"
// dialog that makes, pastes, chooses the default of and deletes them, and
// the choice of key for the next uploads. It belongs to the Fyne
// goroutine.
type encryptionKeys struct {
	dlg  *dialogs
	book KeyBook // nil when keys cannot be kept
	acct store.Account

	// choice is the key new uploads are encrypted with.
	choice *widget.Select
	// list holds one row per key while the dialog is open.
	list *fyne.Container
}

func newEncryptionKeys(dlg *dialogs, book KeyBook) *encryptionKeys {
	k := &encryptionKeys{dlg: dlg, book: book}
	k.choice = widget.NewSelect([]string{noCustomerKey}, nil)
	k.choice.SetSelected(noCustomerKey)
	k.choice.Hide()
	return k
}

// setAccount shows the account's keys in the upload choice, its default
// key chosen.
func (k *encryptionKeys) setAccount(a store.Account) {
	k.acct = a
	k.refreshChoice(true)
}

// refreshChoice lists the keys in the upload choice; withDefault selects
// the default key, else the choice stays unless its key is gone.
func (k *encryptionKeys) refreshChoice(withDefault bool) {
	if k.book == nil || k.acct.ID == "" {
		k.choice.Hide()
		return
	}
	refs := k.book.CustomerKeyRefs(k.acct.ID)
	opts := []string{noCustomerKey}
	chosen := noCustomerKey
	for _, r := range refs {
		opts = append(opts, uploadKeyLabel(r.Name))
		if r.Default {
			chosen = uploadKeyLabel(r.Name)
		}
	}
	if !withDefault {
		for _, o := range opts {
			if o == k.choice.Selected {
				chosen = o
			}
		}
	}
	k.choice.SetOptions(opts)
	k.choice.SetSelected(chosen)
	if len(refs) == 0 {
		k.choice.Hide()
	} else {
		k.choice.Show()
	}
}

// uploadKey is the name of the key chosen for new uploads, "" for none.
func (k *encryptionKeys) uploadKey() string {
	name, ok := strings.CutPrefix(k.choice.Selected, "Uploads: encrypt with ")
	if !ok {
		return ""
	}
	return name
}

// show opens the Encryption keys dialog of the current account.
func (k *encryptionKeys) show() {
	if k.book == nil || k.acct.ID == "" {
		k.dlg.showInfo("Encryption keys", "Open an account first: encryption keys are kept per account.")
		return
	}
	intro := widget.NewLabel("Files uploaded with one of these keys (SSE-C) are encrypted by B2 with it, and only a program " +
		"holding the same key can read them. B2 does not keep the keys: if you lose a key, you lose its files. " +
		"Haul keeps them in the system keychain and uses the right one for downloads, previews and copies.")
	intro.Wrapping = fyne.TextWrapWord
	k.list = container.NewVBox()
	newBtn := widget.NewButtonWithIcon("New key…", theme.ContentAddIcon(), k.askNew)
	pasteBtn := widget.NewButtonWithIcon("Paste a key…", theme.ContentPasteIcon(), k.askPaste)
	d := dialog.NewCustom("Encryption keys of "+k.acct.Name, "Close",
		container.NewVBox(intro, widget.NewSeparator(), k.list, container.NewHBox(newBtn, pasteBtn)), k.dlg.win)
	d.SetOnClosed(func() { k.list = nil })
	d.Resize(fyne.NewSize(640, 420))
	k.dlg.present(d, d.Hide)
	k.fillList()
}

// fillList shows one row per key: its name and MD5, whether it is the
// default, and its buttons.
func (k *encryptionKeys) fillList() {
	if k.list == nil {
		return
	}
	refs := k.book.CustomerKeyRefs(k.acct.ID)
	k.list.RemoveAll()
	if len(refs) == 0 {
		k.list.Add(widget.NewLabel("No keys yet."))
	}
	for _, r := range refs {
		text := r.Name + "   (MD5 " + r.MD5 + ")"
		if r.Default {
			text += "   default for uploads"
		}
		name := r.Name
		def := widget.NewButton("Make default", func() { k.setDefault(name) })
		if r.Default {
			def = widget.NewButton("No default", func() { k.setDefault("") })
		}
		del := widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), func() { k.askDelete(name) })
		del.Importance = widget.DangerImportance
		k.list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(def, del), widget.NewLabel(text)))
	}
	k.list.Refresh()
}

// changed refreshes what shows the keys after one was added, removed or
// made the default.
func (k *encryptionKeys) changed(withDefault bool) {
	k.fillList()
	k.refreshChoice(withDefault)
}

// askNew asks for a name, makes a random key, keeps it and shows it once.
func (k *encryptionKeys) askNew() {
	name := newEscEntry()
	name.SetPlaceHolder("e.g. Photos 2026")
	problem := problemLabel()
	var d dialog.Dialog
	create := func() {
		key, err := store.NewCustomerKey(strings.TrimSpace(name.Text))
		if err != nil {
			problem.SetText(capitalize(err.Error()) + ".")
			problem.Show()
			return
		}
		d.Hide()
		k.keep(key, true)
	}
	name.OnSubmitted = func(string) { create() }
	body := container.NewVBox(widget.NewLabel("Name of the new key:"), name, problem,
		buttonRow(widget.NewButton("Cancel", func() { d.Hide() }), widget.NewButtonWithIcon("Create key", theme.ConfirmIcon(), create)))
	d = dialog.NewCustomWithoutButtons("New encryption key", body, k.dlg.win)
	name.onEscape = d.Hide
	d.Resize(fyne.NewSize(480, 0))
	k.dlg.present(d, nil)
	k.dlg.win.Canvas().Focus(name)
}

// askPaste asks for a name and a key made elsewhere (base64 of 32 bytes).
// A key that is not one is explained under the fields; the key field hides
// what is typed.
func (k *encryptionKeys) askPaste() {
	name := newEscEntry()
	name.SetPlaceHolder("Name")
	secret := newEscEntry()
	secret.Password = true
	secret.SetPlaceHolder("Key: 44 characters of base64")
	problem := problemLabel()
	var d dialog.Dialog
	add := func() {
		key, err := store.ParseCustomerKey(strings.TrimSpace(name.Text), secret.Text)
		if err != nil {
			problem.SetText(capitalize(err.Error()) + ".")
			problem.Show()
			return
		}
		d.Hide()
		k.keep(key, false)
	}
	secret.OnSubmitted = func(string) { add() }
	name.OnSubmitted = func(string) { k.dlg.win.Canvas().Focus(secret) }
	body := container.NewVBox(widget.NewLabel("Name it, and paste the key:"), name, secret, problem,
		buttonRow(widget.NewButton("Cancel", func() { d.Hide() }), widget.NewButtonWithIcon("Add key", theme.ConfirmIcon(), add)))
	d = dialog.NewCustomWithoutButtons("Paste an encryption key", body, k.dlg.win)
	name.onEscape, secret.onEscape = d.Hide, d.Hide
	d.Resize(fyne.NewSize(480, 0))
	k.dlg.present(d, nil)
	k.dlg.win.Canvas().Focus(name)
}

// keep files key in the keychain off the Fyne goroutine, then shows it
// once when Haul made it (reveal).
func (k *encryptionKeys) keep(key store.CustomerKey, reveal bool) {
	book, id := k.book, k.acct.ID
	go func() {
		err := book.AddCustomerKey(id, key)
		do(func() {
			switch {
			case errors.Is(err, store.ErrNoKeychain):
				slog.Warn("customer key kept for this session", "err", err)
				k.dlg.showInfo("Key kept for this session only", Sentence(err))
			case err != nil:
				k.dlg.showError(errors.New(capitalize(Sentence(err))))
				return
			}
			// The account's first key becomes its default, and the choice
			// for uploads follows; a later key leaves the choice alone.
			k.changed(len(book.CustomerKeyRefs(id)) == 1)
			if reveal {
				k.showOnce(key)
			}
		})
	}()
}

// showOnce shows a key Haul made, hidden until asked, with a button that
// copies it and a warning that nobody can give it back.
func (k *encryptionKeys) showOnce(key store.CustomerKey) {
	warn := widget.NewLabel("Copy this key somewhere safe now (a password manager). B2 does not keep it, and Haul keeps it " +
		"only in this computer's keychain: if both are lost, every file encrypted with it is lost for good.")
	warn.Wrapping = fyne.TextWrapWord
	warn.Importance = widget.WarningImportance
	shown := widget.NewLabel(strings.Repeat("•", 44))
	var reveal *widget.Button
	reveal = widget.NewButtonWithIcon("Show key", theme.VisibilityIcon(), func() {
		shown.SetText(key.Encoded())
		shown.Selectable = true
		reveal.Disable()
	})
	copyBtn := widget.NewButtonWithIcon("Copy key", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(key.Encoded())
	})
	d := dialog.NewCustom("Your new key “"+key.Name+"”", "I have kept it",
		container.NewVBox(warn, shown, container.NewHBox(reveal, copyBtn)), k.dlg.win)
	d.Resize(fyne.NewSize(560, 0))
	k.dlg.present(d, nil) // only a click closes it
}

// setDefault makes name the account's default upload key ("" for none).
func (k *encryptionKeys) setDefault(name string) {
	book, id := k.book, k.acct.ID
	go func() {
		err := book.SetDefaultCustomerKey(id, name)
		do(func() {
			if err != nil {
				k.dlg.showError(errors.New(Sentence(err)))
				return
			}
			k.changed(true)
		})
	}()
}

// askDelete deletes a key once its name is typed: the files encrypted with
// it become unreadable to Haul.
func (k *encryptionKeys) askDelete(name string) {
	msg := fmt.Sprintf("Haul forgets the key “%s” and deletes it from the system keychain. Files encrypted with it stay in B2, "+
		"but nobody can read them again unless you add the same key back. Keep a copy first if you may need them.", name)
	book, id := k.book, k.acct.ID
	k.dlg.confirmTyped("Delete the key “"+name+"”?", msg, name, "Delete key", func() {
		go func() {
			err := book.RemoveCustomerKey(id, name)
			do(func() {
				if err != nil {
					k.dlg.showError(errors.New(Sentence(err)))
				}
				k.changed(false)
			})
		}()
	})
}

// problemLabel is a hidden label that says what is wrong with a form.
func problemLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

// buttonRow puts buttons at the right of a dialog, the last one the main
// action.
func buttonRow(buttons ...*widget.Button) fyne.CanvasObject {
	row := container.NewHBox(layout.NewSpacer())
	for i, b := range buttons {
		if i == len(buttons)-1 {
			b.Importance = widget.HighImportance
		}
		row.Add(b)
	}
	return row
}
