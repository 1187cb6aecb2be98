package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// AboutInfo is what the About dialog tells: Haul's version and the folders
// where it keeps things on this computer.
type AboutInfo struct {
	Version string
	// SettingsDir holds the accounts file (never the keys: those live in
	// the OS keychain).
	SettingsDir string
	// JournalDir holds the transfer journal that survives restarts.
	JournalDir string
}

// component is one part bundled into Haul's binary and its licence.
type component struct{ name, licence string }

// bundled is what Haul's binary is built from, with each part's licence.
// Keep it in step with go.mod's direct requirements and the larger
// indirect ones.
var bundled = []component{
	{"Go standard library", "BSD 3-Clause"},
	{"Fyne (fyne.io/fyne/v2)", "BSD 3-Clause"},
	{"Fyne systray (fyne.io/systray)", "Apache 2.0"},
	{"GLFW and its Go bindings (go-gl/glfw, go-gl/gl)", "zlib/libpng, MIT"},
	{"Go text shaping (go-text/typesetting, go-text/render)", "BSD 3-Clause"},
	{"Noto Sans fonts (in Fyne's theme)", "SIL Open Font License 1.1"},
	{"SVG rendering (srwiley/oksvg, srwiley/rasterx, fyne-io/oksvg)", "BSD 3-Clause"},
	{"AWS SDK for Go v2 and smithy-go", "Apache 2.0"},
	{"versitygw (the built-in sandbox server)", "Apache 2.0"},
	{"Fiber and fasthttp (used by versitygw)", "MIT"},
	{"go-keyring (zalando/go-keyring)", "MIT"},
	{"D-Bus for Go (godbus/dbus)", "BSD 2-Clause"},
	{"wincred (danieljoos/wincred)", "MIT"},
	{"go-humanize (dustin/go-humanize)", "MIT"},
	{"golang.org/x/sync, sys, text, net, crypto, image, time", "BSD 3-Clause"},
	{"klauspost/compress", "BSD 3-Clause, Apache 2.0"},
	{"google/uuid", "BSD 3-Clause"},
	{"BurntSushi/toml", "MIT"},
	{"goldmark (yuin/goldmark)", "MIT"},
}

// showAbout shows Haul's version, where it keeps its settings, journal and
// sandbox (each with a Copy button), and the licences of what it bundles.
func showAbout(dlg *dialogs, info AboutInfo, sandbox *SandboxInfo) {
	version := info.Version
	if version == "" {
		version = "unknown"
	}
	title := widget.NewLabelWithStyle("Haul "+version, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel("A desktop file browser for Backblaze B2.")

	places := widget.NewForm()
	place := func(label, dir, none string) {
		if dir == "" {
			places.Append(label, widget.NewLabel(none))
			return
		}
		shown := widget.NewLabel(dir)
		shown.Selectable = true
		shown.Truncation = fyne.TextTruncateEllipsis
		copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
			fyne.CurrentApp().Clipboard().SetContent(dir)
		})
		places.Append(label, container.NewBorder(nil, nil, nil, copyBtn, shown))
	}
	place("Settings", info.SettingsDir, "not known")
	place("Transfer journal", info.JournalDir, "not known")
	if a := fyne.CurrentApp(); a != nil && a.Storage().RootURI() != nil {
		place("Preferences", a.Storage().RootURI().Path(), "not known")
	}
	switch {
	case sandbox == nil:
		place("Sandbox", "", "not running")
	case sandbox.Persistent:
		place("Sandbox", sandbox.Dir, "")
	default:
		place("Sandbox (removed when Haul quits)", sandbox.Dir, "")
	}
	keys := widget.NewLabel("Application keys are kept in the system keychain, never in these folders.")
	keys.Wrapping = fyne.TextWrapWord

	licences := container.NewVBox()
	for _, c := range bundled {
		line := widget.NewLabel(c.name + " — " + c.licence)
		line.Wrapping = fyne.TextWrapWord
		licences.Add(line)
	}
	body := container.NewBorder(
		container.NewVBox(title, intro, widget.NewSeparator(), bold("Where Haul keeps things"), places, keys,
			widget.NewSeparator(), bold("What Haul bundles, and under which licence")),
		nil, nil, nil, container.NewVScroll(licences))
	d := dialog.NewCustom("About Haul", "Close", body, dlg.win)
	d.Resize(fyne.NewSize(760, 620))
	dlg.present(d, d.Hide)
}
