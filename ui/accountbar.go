package ui

import (
	"context"
	"fmt"
	"log/slog"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/haul-app/haul/store"
)

// accountBar is the top of the window: the account switcher, the sandbox
// banner and start-up notices, and the dialogs that add, edit and remove
// accounts. It connects to the account chosen and hands the client and
// transfer queue to the window through onConnected. It belongs to the Fyne
// goroutine.
type accountBar struct {
	dlg      *dialogs
	book     AccountBook // nil when there is no store of accounts
	sandbox  *SandboxInfo
	connect  func(ctx context.Context, acct store.Account) (Remote, error)
	queueFor func(acct store.Account) (Queue, error)
	// authorize discovers an account's endpoint and limits from its key.
	authorize func(ctx context.Context, keyID, key string) (store.Account, error)

	accounts []store.Account
	current  store.Account
	gen      int // bumped per switch; late connections are dropped

	choose    *widget.Select
	banner    *widget.Label
	bannerBox *fyne.Container
	notice    *widget.Label
	actions   *fyne.Container // buttons beside the switcher
	content   fyne.CanvasObject

	// onSwitching is told that another account was chosen: whatever shows
	// the old one's data must let go of it now.
	onSwitching func(a store.Account)
	// onConnected hands over the chosen account's client and queue (nil
	// when there are no transfers) and where to open: loc, or the only
	// bucket the key may see, or the sandbox's bucket.
	onConnected func(a store.Account, r Remote, q Queue, loc Location)
	// onFailed says that the chosen account could not be opened.
	onFailed func(msg string)
}

func newAccountBar(dlg *dialogs, d Deps) *accountBar {
	a := &accountBar{dlg: dlg, book: d.Accounts, sandbox: d.Sandbox, connect: d.Connect, queueFor: d.OpenQueue, authorize: d.Authorize}
	a.choose = widget.NewSelect(nil, a.chooseLabel)
	a.choose.PlaceHolder = "No account"
	manage := widget.NewButtonWithIcon("Accounts…", theme.AccountIcon(), a.showAccounts)
	a.banner = widget.NewLabel("")
	a.banner.Wrapping = fyne.TextWrapWord
	a.banner.Importance = widget.MediumImportance
	addBtn := widget.NewButtonWithIcon("Add a B2 account", theme.ContentAddIcon(), a.showAddAccount)
	a.bannerBox = container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), addBtn, a.banner)
	a.bannerBox.Hide()
	a.notice = widget.NewLabel("")
	a.notice.Wrapping = fyne.TextWrapWord
	a.notice.Importance = widget.WarningImportance
	a.notice.Hide()
	a.actions = container.NewHBox(manage)
	a.content = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel("Account"), a.actions, a.choose),
		a.bannerBox, a.notice,
	)
	for _, n := range d.Notices {
		a.addNotice(n)
	}
	a.reload()
	return a
}

// addAction puts a button before "Accounts…".
func (a *accountBar) addAction(o fyne.CanvasObject) {
	a.actions.Objects = append([]fyne.CanvasObject{o}, a.actions.Objects...)
	a.actions.Refresh()
}

// addNotice adds a line to the notices under the switcher.
func (a *accountBar) addNotice(msg string) {
	if a.notice.Text != "" {
		msg = a.notice.Text + "\n" + msg
	}
	a.notice.SetText(msg)
	a.notice.Show()
}

// reload fills the switcher: the sandbox, the environment's session
// account, then saved accounts.
func (a *accountBar) reload() {
	a.accounts = a.accounts[:0]
	if a.sandbox != nil {
		a.accounts = append(a.accounts, a.sandbox.Account)
	}
	if a.book != nil {
		a.accounts = append(a.accounts, a.book.List()...)
	}
	names := make([]string, len(a.accounts))
	for i, acct := range a.accounts {
		names[i] = accountLabel(acct)
	}
	a.choose.SetOptions(names)
}

func accountLabel(a store.Account) string {
	switch a.Source {
	case store.SandboxSource:
		return "Sandbox (on this computer)"
	case store.Session:
		return a.Name + " (this session only)"
	}
	return a.Name
}

// openStart chooses the first account and location: id and loc when given
// (the command line's), else the last used, else the environment's or
// saved ones before the sandbox.
func (a *accountBar) openStart(id string, loc Location) {
	if a.book != nil && id == "" {
		lastID, lastLoc := a.book.Last()
		id = lastID
		if loc.Bucket == "" {
			if l, err := ParseLocation(lastLoc); err == nil {
				loc = l
			}
		}
	}
	idx := -1
	for i, acct := range a.accounts {
		if acct.ID == id {
			idx = i
		}
	}
	if idx < 0 {
		for i, acct := range a.accounts {
			if acct.Source != store.SandboxSource {
				idx = i
				break
			}
		}
	}
	if idx < 0 && len(a.accounts) > 0 {
		idx = 0
	}
	if idx < 0 {
		a.banner.SetText("No account yet. Add a B2 application key to browse your buckets.")
		a.bannerBox.Show()
		return
	}
	a.switchTo(a.accounts[idx], loc)
}

func (a *accountBar) chooseLabel(label string) {
	for _, acct := range a.accounts {
		if accountLabel(acct) == label && acct.ID != a.current.ID {
			a.switchTo(acct, Location{})
			return
		}
	}
}

// switchTo connects to an account off the Fyne goroutine (the keychain may
// take a while to answer) and then hands it over with loc.
func (a *accountBar) switchTo(acct store.Account, loc Location) {
	a.current = acct
	a.gen++
	gen := a.gen
	a.choose.SetSelected(accountLabel(acct))
	a.showBanner(acct)
	a.onSwitching(acct)
	go func() {
		r, err := a.connect(context.Background(), acct)
		msg := ""
		if err != nil {
			slog.Warn("connect failed", "account", acct.ID, "err", err)
			msg = Sentence(err)
		}
		var q Queue
		var qerr error
		if err == nil && a.queueFor != nil {
			q, qerr = a.queueFor(acct)
			if qerr != nil {
				slog.Warn("transfer queue", "account", acct.ID, "err", qerr)
			}
		}
		do(func() {
			if a.gen != gen {
				return
			}
			if err != nil {
				a.onFailed(fmt.Sprintf("Could not open %s: %s", acct.Name, msg))
				return
			}
			if qerr != nil {
				a.addNotice("Transfers: " + Sentence(qerr))
			}
			a.onConnected(acct, r, q, a.firstPlace(acct, loc))
		})
	}()
}

// firstPlace is where an account opens: loc, else the only bucket its key
// may see, else the sandbox's bucket.
func (a *accountBar) firstPlace(acct store.Account, loc Location) Location {
	switch restricted := restrictedBucket(acct); {
	case loc.Bucket != "":
	case restricted != "":
		loc = Location{Bucket: restricted}
	case acct.Source == store.SandboxSource && a.sandbox != nil:
		loc = Location{Bucket: a.sandbox.Bucket}
	}
	return loc
}

// restrictedBucket is the one bucket an account's key may see when it
// cannot list the others, or "".
func restrictedBucket(a store.Account) string {
	if a.Restriction != nil && a.Restriction.Bucket != "" && !a.Restriction.Can("listAllBucketNames") {
		return a.Restriction.Bucket
	}
	return ""
}

func (a *accountBar) showBanner(acct store.Account) {
	if acct.Source != store.SandboxSource || a.sandbox == nil {
		a.bannerBox.Hide()
		return
	}
	where := "in a temporary folder that is removed when Haul quits"
	if a.sandbox.Persistent {
		where = "in " + tildeHome(a.sandbox.Dir) + " and is kept between runs"
	}
	a.banner.SetText("Sandbox: a local S3 server running inside Haul, not B2. Its data lives " + where + ".")
	a.bannerBox.Show()
}

// remember saves where the current account was last, for the next start.
func (a *accountBar) remember(loc Location) {
	if a.book == nil || a.current.Source != store.Saved {
		return
	}
	book, acct, where := a.book, a.current.ID, loc.Folder().String()
	go func() {
		if err := book.SetLast(acct, where); err != nil {
			slog.Warn("remember location", "err", err)
		}
	}()
}
