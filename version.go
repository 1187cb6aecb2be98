package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"strings"
)

// version overrides the version read from FyneApp.toml when a build sets
// it: go build -ldflags "-X main.version=1.2.3".
var version string

// fyneAppTOML is the app's metadata file, embedded so that a plain
// `go build` knows the version that the packages carry.
//
//go:embed FyneApp.toml
var fyneAppTOML []byte

// appVersion returns Haul's version: the one set at build time, else the
// Version of FyneApp.toml's [Details], else "unknown".
func appVersion() string {
	if version != "" {
		return version
	}
	if v := detailsVersion(fyneAppTOML); v != "" {
		return v
	}
	return "unknown"
}

// detailsVersion reads `Version = "..."` from the [Details] table of a
// FyneApp.toml. The file is ours and simple, so a line scan is enough and
// spares main a TOML parser.
func detailsVersion(toml []byte) string {
	inDetails := false
	sc := bufio.NewScanner(bytes.NewReader(toml))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inDetails = line == "[Details]"
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !inDetails || !ok || strings.TrimSpace(key) != "Version" {
			continue
		}
		value = strings.TrimSpace(value)
		if i := strings.Index(value, "#"); i >= 0 && strings.Count(value[:i], `"`)%2 == 0 {
			value = strings.TrimSpace(value[:i])
		}
		return strings.Trim(value, `"'`)
	}
	return ""
}
