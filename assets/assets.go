// Package assets holds Haul's bundled resources.
package assets

import (
	_ "embed"
)

// IconSVG is Haul's application icon: a crate hauled up on a rope, with an
// upload arrow, in SVG.
//
//go:embed icon.svg
var IconSVG []byte

// TrayPNG is the icon in PNG at 64×64 pixels, for the system tray, which
// reads no SVG (made from icon.svg with rsvg-convert -w 64 -h 64).
//
//go:embed tray.png
var TrayPNG []byte
