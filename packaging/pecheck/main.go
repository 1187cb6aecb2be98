// Command pecheck checks that a Windows executable is a 64-bit GUI program
// that carries an application icon, the way Explorer finds it: an
// RT_GROUP_ICON resource whose entries name RT_ICON resources that hold an
// image.
//
//	go run ./packaging/pecheck dist/haul.exe
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// Resource types, from winuser.h.
const (
	rtIcon      = 3
	rtGroupIcon = 14
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pecheck FILE.exe")
		os.Exit(2)
	}
	report, err := check(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pecheck:", err)
		os.Exit(1)
	}
	fmt.Print(report)
}

// check returns a few lines describing the executable's icon, or why it has
// none.
func check(path string) (string, error) {
	f, err := pe.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	opt, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok || f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		return "", errors.New("not a 64-bit x86 executable")
	}
	if opt.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		return "", fmt.Errorf("subsystem %d, want the GUI subsystem (a console would open beside the window)", opt.Subsystem)
	}
	sec := f.Section(".rsrc")
	if sec == nil {
		return "", errors.New("no .rsrc section: no resources at all")
	}
	data, err := sec.Data()
	if err != nil {
		return "", fmt.Errorf("read .rsrc: %w", err)
	}
	rs := resources{data: data, base: sec.VirtualAddress}
	groups, err := rs.ofType(rtGroupIcon)
	if err != nil {
		return "", fmt.Errorf("RT_GROUP_ICON: %w", err)
	}
	icons, err := rs.ofType(rtIcon)
	if err != nil {
		return "", fmt.Errorf("RT_ICON: %w", err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s: PE32+ x86-64 GUI executable, %d icon group(s), %d icon image(s)\n", path, len(groups), len(icons))
	for _, g := range groups {
		entries, err := groupEntries(g)
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			img, ok := icons[e.id]
			if !ok {
				return "", fmt.Errorf("icon group names RT_ICON %d, which is missing", e.id)
			}
			format := "bitmap"
			if bytes.HasPrefix(img, []byte("\x89PNG\r\n\x1a\n")) {
				format = "PNG"
			}
			fmt.Fprintf(&out, "  icon %d: %dx%d %s, %d bytes\n", e.id, e.size(e.width), e.size(e.height), format, len(img))
		}
	}
	return out.String(), nil
}

// resources reads the resource tree of a .rsrc section.
type resources struct {
	data []byte
	base uint32 // the section's virtual address: data entries hold RVAs
}

// ofType returns the data of every resource of type typ (all names, all
// languages), keyed by the resource's numeric ID.
func (r resources) ofType(typ uint32) (map[uint32][]byte, error) {
	types, err := r.dir(0)
	if err != nil {
		return nil, err
	}
	tdir, ok := types[typ]
	if !ok {
		return nil, errors.New("none in the executable")
	}
	names, err := r.dir(tdir)
	if err != nil {
		return nil, err
	}
	found := map[uint32][]byte{}
	for id, ndir := range names {
		langs, err := r.dir(ndir)
		if err != nil {
			return nil, err
		}
		for _, leaf := range langs {
			b, err := r.leaf(leaf)
			if err != nil {
				return nil, err
			}
			found[id] = b
		}
	}
	return found, nil
}

// dir reads the resource directory at off and maps each entry's ID (or
// name offset) to the offset of what it points at: a subdirectory, with the
// high bit cleared, or a data entry.
func (r resources) dir(off uint32) (map[uint32]uint32, error) {
	if uint64(off)+16 > uint64(len(r.data)) {
		return nil, errors.New("resource directory outside .rsrc")
	}
	n := uint32(binary.LittleEndian.Uint16(r.data[off+12:])) + uint32(binary.LittleEndian.Uint16(r.data[off+14:]))
	if uint64(off)+16+8*uint64(n) > uint64(len(r.data)) {
		return nil, errors.New("resource directory entries outside .rsrc")
	}
	m := make(map[uint32]uint32, n)
	for i := range n {
		e := r.data[off+16+8*i:]
		m[binary.LittleEndian.Uint32(e)] = binary.LittleEndian.Uint32(e[4:]) &^ (1 << 31)
	}
	return m, nil
}

// leaf returns the bytes a resource data entry at off describes.
func (r resources) leaf(off uint32) ([]byte, error) {
	if uint64(off)+16 > uint64(len(r.data)) {
		return nil, errors.New("resource data entry outside .rsrc")
	}
	rva := binary.LittleEndian.Uint32(r.data[off:])
	size := binary.LittleEndian.Uint32(r.data[off+4:])
	if rva < r.base || uint64(rva-r.base)+uint64(size) > uint64(len(r.data)) {
		return nil, errors.New("resource data outside .rsrc")
	}
	return r.data[rva-r.base : rva-r.base+size], nil
}

// groupEntry is one GRPICONDIRENTRY: an icon image's size and its RT_ICON ID.
type groupEntry struct {
	width, height uint8
	id            uint32
}

// size reads an icon dimension, where 0 stands for 256.
func (groupEntry) size(v uint8) int {
	if v == 0 {
		return 256
	}
	return int(v)
}

// groupEntries parses a GRPICONDIR: a 6-byte header (reserved, type 1 for
// icons, count) and count entries of 14 bytes.
func groupEntries(b []byte) ([]groupEntry, error) {
	if len(b) < 6 || binary.LittleEndian.Uint16(b[2:]) != 1 {
		return nil, errors.New("RT_GROUP_ICON is not an icon directory")
	}
	n := int(binary.LittleEndian.Uint16(b[4:]))
	if n == 0 || len(b) < 6+14*n {
		return nil, fmt.Errorf("icon directory of %d bytes holds no complete entry", len(b))
	}
	entries := make([]groupEntry, n)
	for i := range entries {
		e := b[6+14*i:]
		entries[i] = groupEntry{width: e[0], height: e[1], id: uint32(binary.LittleEndian.Uint16(e[12:]))}
	}
	return entries, nil
}
