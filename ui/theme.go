package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Preference keys of the appearance. Both apply at once when chosen and
// at start (ApplyAppearance).
const (
	// PrefVariant is the colour scheme: "system", "light" or "dark".
	PrefVariant = "appearance.variant"
	// PrefDensity is how tightly rows and controls are packed: "compact"
	// (the default) or "comfortable" (Fyne's own sizes).
	PrefDensity = "appearance.density"
)

// Values of PrefVariant and PrefDensity.
const (
	variantSystem      = "system"
	variantLight       = "light"
	variantDark        = "dark"
	densityCompact     = "compact"
	densityComfortable = "comfortable"
)

// appearance is what the person chose: a colour scheme and a density.
type appearance struct {
	variant string // variantSystem, variantLight or variantDark
	density string // densityCompact or densityComfortable
}

// loadAppearance reads the saved appearance; anything missing or unknown
// reads as the default, the system's colours at compact density.
func loadAppearance(p fyne.Preferences) appearance {
	ap := appearance{variant: p.StringWithFallback(PrefVariant, variantSystem), density: p.StringWithFallback(PrefDensity, densityCompact)}
	switch ap.variant {
	case variantSystem, variantLight, variantDark:
	default:
		ap.variant = variantSystem
	}
	if ap.density != densityComfortable {
		ap.density = densityCompact
	}
	return ap
}

// save writes the appearance to p.
func (ap appearance) save(p fyne.Preferences) {
	p.SetString(PrefVariant, ap.variant)
	p.SetString(PrefDensity, ap.density)
}

// theme is Haul's theme for this appearance.
func (ap appearance) theme() fyne.Theme {
	t := &haulTheme{base: theme.DefaultTheme()}
	switch ap.variant {
	case variantLight:
		t.forced, t.variant = true, theme.VariantLight
	case variantDark:
		t.forced, t.variant = true, theme.VariantDark
	}
	if ap.density == densityCompact {
		t.sizes = compactSizes
	}
	return t
}

// ApplyAppearance gives the app the theme the person chose (or the default:
// the system's colours, compact). Main calls it once at start, on the Fyne
// goroutine or before the app runs; the appearance dialog calls it again
// on every change.
func ApplyAppearance(a fyne.App) {
	a.Settings().SetTheme(loadAppearance(a.Preferences()).theme())
}

// compactSizes are the sizes that differ from Fyne's in the compact
// density. A row of the folder table is the text's line height (16.3 px at
// 12) plus the inner padding above and below, and the padding between
// rows: 22.3 px apart here, 40 in Fyne's sizes (its header's sort icon
// sets the height there). A 1440×900 window with the sandbox's banner
// shows 31 whole rows instead of 14. Controls shrink alike: a button is
// 20 px high.
var compactSizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:           12,
	theme.SizeNameCaptionText:    10,
	theme.SizeNameHeadingText:    18,
	theme.SizeNameSubHeadingText: 15,
	theme.SizeNameInnerPadding:   2,
	theme.SizeNamePadding:        2,
	theme.SizeNameLineSpacing:    2,
	theme.SizeNameInlineIcon:     16,
	theme.SizeNameScrollBar:      10,
	theme.SizeNameInputRadius:    3,
}

// haulTheme is Fyne's default theme with Haul's density and, when the
// person chose one, a fixed colour scheme instead of the system's.
type haulTheme struct {
	base    fyne.Theme
	forced  bool              // variant wins over the system's
	variant fyne.ThemeVariant // when forced
	sizes   map[fyne.ThemeSizeName]float32
}

var _ fyne.Theme = (*haulTheme)(nil)

// Color is the base theme's colour in the chosen variant, or the system's.
func (t *haulTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.forced {
		v = t.variant
	}
	return t.base.Color(n, v)
}

// Font is the base theme's.
func (t *haulTheme) Font(s fyne.TextStyle) fyne.Resource { return t.base.Font(s) }

// Icon is the base theme's.
func (t *haulTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

// Size is the density's size, or the base theme's.
func (t *haulTheme) Size(n fyne.ThemeSizeName) float32 {
	if s, ok := t.sizes[n]; ok {
		return s
	}
	return t.base.Size(n)
}

// choice is one option of a radio group and the preference value it saves.
type choice struct{ label, value string }

var (
	variantChoices = []choice{{"Follow the system", variantSystem}, {"Light", variantLight}, {"Dark", variantDark}}
	densityChoices = []choice{{"Compact", densityCompact}, {"Comfortable", densityComfortable}}
)

// radioFor is a radio group of choices with value selected; onPick is told
// the value picked.
func radioFor(choices []choice, value string, onPick func(value string)) *widget.RadioGroup {
	labels := make([]string, len(choices))
	for i, c := range choices {
		labels[i] = c.label
	}
	r := widget.NewRadioGroup(labels, nil)
	r.Required = true
	for _, c := range choices {
		if c.value == value {
			r.Selected = c.label
		}
	}
	r.OnChanged = func(label string) {
		for _, c := range choices {
			if c.label == label {
				onPick(c.value)
			}
		}
	}
	return r
}

// showAppearance lets the person choose the colours (the system's, light
// or dark) and the density; each choice is saved and applied at once.
func showAppearance(dl *dialogs) {
	a := fyne.CurrentApp()
	ap := loadAppearance(a.Preferences())
	apply := func() {
		ap.save(a.Preferences())
		ApplyAppearance(a)
	}
	colours := radioFor(variantChoices, ap.variant, func(v string) { ap.variant = v; apply() })
	density := radioFor(densityChoices, ap.density, func(v string) { ap.density = v; apply() })
	note := widget.NewLabel("Compact shows about twice as many files at once.")
	form := widget.NewForm(
		widget.NewFormItem("Colours", colours),
		widget.NewFormItem("Density", density),
	)
	d := dialog.NewCustom("Appearance", "Close", container.NewVBox(form, note), dl.win)
	dl.present(d, d.Hide)
}
