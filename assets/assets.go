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
