package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

var masterKeyRE = regexp.MustCompile(`^[0-9a-fA-F]{12}$`)

// accountForm is the add and edit form. Its synchronous core (validate,
// build) is what tests drive.
type accountForm struct {
	name     *widget.Entry
	keyID    *widget.Entry
	key      *widget.Entry
	endpoint *widget.Entry
	region   *widget.Entry
	hint     *widget.Label
	editing  *store.Account
}

func newAccountForm(editing *store.Account) *accountForm {
	f := &accountForm{
		name:     widget.NewEntry(),
		keyID:    widget.NewEntry(),
		key:      widget.NewPasswordEntry(),
		endpoint: widget.NewEntry(),
		region:   widget.NewEntry(),
		hint:     widget.NewLabel(""),
		editing:  editing,
	}
	f.name.SetPlaceHolder("e.g. Photos backup (optional)")
	f.keyID.SetPlaceHolder("application key ID, e.g. 004a1b2c3d4e5f60000000001")
	f.key.SetPlaceHolder("application key")
	f.endpoint.SetPlaceHolder("found for you; e.g. https://s3.us-west-004.backblazeb2.com")
	f.region.SetPlaceHolder("found from the endpoint")
	f.hint.Wrapping = fyne.TextWrapWord
	f.hint.Importance = widget.WarningImportance
	f.keyID.OnChanged = func(string) { f.hint.SetText(f.keyHint()) }
	if editing != nil {
		f.name.SetText(editing.Name)
		f.keyID.SetText(editing.KeyID)
		f.key.SetPlaceHolder("leave empty to keep the saved key")
		if editing.Custom {
			f.endpoint.SetText(editing.Endpoint)
			f.region.SetText(editing.Region)
		}
	}
	return f
}

// keyHint warns as the person types, before anything is sent.
func (f *accountForm) keyHint() string {
	id := strings.TrimSpace(f.keyID.Text)
	if masterKeyRE.MatchString(id) {
		return "This looks like your account's master key ID. B2's S3 API only works with application keys: create one under Application Keys in the B2 web console."
	}
	return ""
}

func (f *accountForm) items() []*widget.FormItem {
	adv := widget.NewAccordion(widget.NewAccordionItem("Advanced: custom S3 endpoint",
		widget.NewForm(
			widget.NewFormItem("S3 endpoint", f.endpoint),
			widget.NewFormItem("Region", f.region),
		)))
	if f.editing != nil && f.editing.Custom {
		adv.Open(0)
	}
	return []*widget.FormItem{
		widget.NewFormItem("Name", f.name),
		widget.NewFormItem("Key ID", f.keyID),
		widget.NewFormItem("Application key", f.key),
		widget.NewFormItem("", f.hint),
		widget.NewFormItem("", adv),
	}
}

// build turns the form into an account, discovering the endpoint through
// authorize unless a custom one was typed. It blocks on the network.
func (f *accountForm) build(ctx context.Context, authorize func(context.Context, string, string) (store.Account, error), oldKey func() (string, error)) (store.Account, string, error) {
	keyID := strings.TrimSpace(f.keyID.Text)
	key := strings.TrimSpace(f.key.Text)
	if keyID == "" {
		return store.Account{}, "", errors.New("enter the application key ID")
	}
	if key == "" && f.editing != nil {
		k, err := oldKey()
		if err != nil {
			return store.Account{}, "", fmt.Errorf("the saved key could not be read, so enter it again: %w", err)
		}
		key = k
	}
	if key == "" {
		return store.Account{}, "", errors.New("enter the application key")
	}
	var acct store.Account
	if ep := strings.TrimSpace(f.endpoint.Text); ep != "" {
		u, err := store.CheckEndpoint(ep)
		if err != nil {
			return store.Account{}, "", err
		}
		region := strings.TrimSpace(f.region.Text)
		if region == "" {
			r, ok := store.RegionFromEndpoint(u.String())
			if !ok {
				return store.Account{}, "", errors.New("enter the region of that endpoint")
			}
			region = r
		}
		acct = store.Account{KeyID: keyID, Endpoint: u.String(), Region: region, Custom: true}
	} else {
		a, err := authorize(ctx, keyID, key)
		if err != nil {
			return store.Account{}, "", err
		}
		acct = a
	}
	acct.Name = strings.TrimSpace(f.name.Text)
	if acct.Name == "" {
		acct.Name = "B2 " + keyID[:min(len(keyID), 12)]
	}
	if f.editing != nil {
		acct.ID = f.editing.ID
		acct.Added = f.editing.Added
	}
	if acct.Added.IsZero() {
		acct.Added = time.Now()
	}
	return acct, key, nil
}

// showAddAccount opens the add form.
func (a *accountBar) showAddAccount() { a.showAccountForm(nil) }

func (a *accountBar) showAccountForm(editing *store.Account) {
	if a.book == nil {
		return
	}
	f := newAccountForm(editing)
	title := "Add a B2 account"
	if editing != nil {
		title = "Edit " + editing.Name
	}
	d := dialog.NewForm(title, "Save", "Cancel", f.items(), func(ok bool) {
		if ok {
			a.saveAsync(f)
		}
	}, a.dlg.win)
	d.Resize(fyne.NewSize(560, 360))
	a.dlg.present(d, d.Submit)
	a.dlg.win.Canvas().Focus(f.keyID)
}

// saveAsync checks the key with B2 and saves the account, with a progress
// dialog the person can cancel, then switches to it.
func (a *accountBar) saveAsync(f *accountForm) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	prog := dialog.NewCustomWithoutButtons("Checking the key with B2…",
		container.NewVBox(widget.NewProgressBarInfinite(),
			widget.NewButton("Cancel", cancel)), a.dlg.win)
	a.dlg.presentKeyed(prog, nil, cancel) // Escape cancels, as the button does
	book := a.book
	go func() {
		defer cancel()
		acct, key, err := f.build(ctx, a.authorize, func() (string, error) {
			if f.editing == nil {
				return "", errors.New("no saved key")
			}
			return book.Secret(f.editing.ID)
		})
		var warn error
		if err == nil {
			if f.editing != nil {
				err = book.Update(acct, key)
			} else {
				acct, err = book.Add(acct, key)
			}
			if errors.Is(err, store.ErrNoKeychain) {
				warn, err = err, nil
			}
		}
		msg := ""
		if err != nil {
			slog.Warn("save account failed", "err", err)
			msg = Sentence(err)
		}
		stopped := errors.Is(ctx.Err(), context.Canceled) // by the person, not the minute
		do(func() {
			prog.Hide()
			if err != nil {
				if !stopped {
					a.dlg.showError(errors.New(msg))
				}
				return
			}
			if warn != nil {
				a.addNotice(Sentence(warn))
			}
			a.reload()
			a.switchTo(acct, Location{})
		})
	}()
}

// showAccounts lists saved accounts with edit and remove.
func (a *accountBar) showAccounts() {
	if a.book == nil {
		return
	}
	var d dialog.Dialog
	rows := container.NewVBox()
	for _, acct := range a.book.List() {
		info := acct.KeyID + " · " + acct.Endpoint
		if acct.Source == store.Session {
			info += " · from the environment, not saved"
		}
		label := widget.NewLabel(acct.Name + "\n" + info)
		label.Truncation = fyne.TextTruncateEllipsis
		edit := widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), func() {
			d.Hide()
			a.showAccountForm(&acct)
		})
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
			d.Hide()
			a.confirmRemove(acct)
		})
		if acct.Source != store.Saved {
			edit.Disable()
			remove.Disable()
		}
		rows.Add(container.NewBorder(nil, nil, nil, container.NewHBox(withTip(edit, "Edit this account…"), withTip(remove, "Remove this account…")), label))
	}
	if len(rows.Objects) == 0 {
		rows.Add(widget.NewLabel("No B2 accounts yet."))
	}
	add := widget.NewButtonWithIcon("Add a B2 account", theme.ContentAddIcon(), func() {
		d.Hide()
		a.showAddAccount()
	})
	body, closeTips := newTipHost(container.NewBorder(nil, add, nil, nil, container.NewVScroll(rows)))
	d = dialog.NewCustom("Accounts", "Close", body, a.dlg.win)
	d.SetOnClosed(closeTips)
	d.Resize(fyne.NewSize(560, 360))
	a.dlg.present(d, d.Hide)
}

func (a *accountBar) confirmRemove(acct store.Account) {
	a.dlg.askCarefully("Remove "+acct.Name+"?",
		"Haul forgets this account and deletes its key from the system keychain. Nothing in B2 is touched.",
		func(ok bool) {
			if !ok {
				return
			}
			go func() {
				err := a.book.Remove(acct.ID)
				do(func() {
					if err != nil {
						a.dlg.showError(errors.New(Sentence(err)))
						return
					}
					a.reload()
					if a.current.ID == acct.ID {
						a.openStart("", Location{})
					}
				})
			}()
		})
}
