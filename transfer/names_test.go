package transfer

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haul-app/haul/store"
)

func TestSafeLocalPath(t *testing.T) {
	root := filepath.Join(t.TempDir(), "dest")
	tests := []struct {
		key  string
		want string // relative to root, "/"-separated; "" = refused
	}{
		{"a.txt", "a.txt"},
		{"dir/sub/a.txt", "dir/sub/a.txt"},
		{"ünï cödé/日本語 + x.txt", "ünï cödé/日本語 + x.txt"},
		{".hidden", ".hidden"},
		{"...", "..."},
		{"a..b", "a..b"},
		{`back\slash`, `back\slash`}, // an ordinary character off Windows
		{`..\x`, `..\x`},
		{"con.txt", "con.txt"},
		{"", ""},
		{"../x", ""},
		{"a/../../b", ""},
		{"a/..", ""},
		{"./a", ""},
		{"/etc/x", ""},
		{"C:\\x", ""},
		{"c:/x", ""},
		{"C:x", "C:x"},
		{"C:", ""},
		{`dir/C:\x`, ""},
		{"dir/a:b", "dir/a:b"},
		{"x\x00y", ""},
		{"tab\there", ""},
		{"esc\x1b", ""},
		{"del\x7f", ""},
		{"a//b", ""},
		{"folder/", ""},
		{"bad\xffutf8", ""},
		{strings.Repeat("n", 256), ""},
		{strings.Repeat("n", 255), strings.Repeat("n", 255)},
	}
	for _, tt := range tests {
		got, err := SafeLocalPath(root, tt.key)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("SafeLocalPath(%q) = %q, want it refused", tt.key, got)
		case tt.want != "" && err != nil:
			t.Errorf("SafeLocalPath(%q): %v, want %q", tt.key, err, tt.want)
		case tt.want != "" && got != filepath.Join(root, filepath.FromSlash(tt.want)):
			t.Errorf("SafeLocalPath(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestWindowsNames(t *testing.T) {
	tests := []struct{ key, want string }{
		{"a.txt", "a.txt"},
		{"con.txt", "con_.txt"},
		{"CON", "CON_"},
		{"dir/Nul.tar.gz", "dir/Nul_.tar.gz"},
		{"com1", "com1_"},
		{"LPT9.log", "LPT9_.log"},
		{"COM¹.txt", "COM¹_.txt"},
		{"conin$", "conin$_"},
		{"console.txt", "console.txt"},
		{"com10", "com10"},
		{"a<b>c:d\"e|f?g*h", "a_b_c_d_e_f_g_h"},
		{`back\slash`, "back_slash"},
		{`..\..\x`, ".._.._x"},
		{"trailing.", "trailing_"},
		{"trailing ", "trailing_"},
		{"dots and spaces. .", "dots and spaces___"},
		{"dir./file", "dir_/file"},
		{"ünï:cödé", "ünï_cödé"},
		{"C:x", "C_x"},
	}
	for _, tt := range tests {
		segs, err := localNames("windows", tt.key)
		if err != nil {
			t.Errorf("windows %q: %v", tt.key, err)
			continue
		}
		if got := strings.Join(segs, "/"); got != tt.want {
			t.Errorf("windows %q = %q, want %q", tt.key, got, tt.want)
		}
	}
	for _, key := range []string{"../x", "C:\\x", "a/./b", "x\x00y", "/abs"} {
		if segs, err := localNames("windows", key); err == nil {
			t.Errorf("windows %q = %q, want it refused", key, segs)
		}
	}
}

// FuzzSafeLocalPath checks that a mapped key never leaves root, on this
// system's rules and on Windows', and that Windows names are legal.
func FuzzSafeLocalPath(f *testing.F) {
	for _, k := range []string{"a", "../x", "a/../../b", "/etc/x", `C:\x`, "x\x00y", "con.txt", "a/b/", "..", "dir/ .", `\\server\share`} {
		f.Add(k)
	}
	root := filepath.Join(f.TempDir(), "dest")
	f.Fuzz(func(t *testing.T, key string) {
		for _, goos := range []string{"linux", "windows"} {
			p, err := safeLocalPath(goos, root, key)
			if err != nil {
				continue
			}
			rel, err := filepath.Rel(root, filepath.Clean(p))
			up := rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
			if err != nil || rel == "." || up || filepath.IsAbs(rel) {
				t.Fatalf("%s: %q maps to %q, outside %q", goos, key, p, root)
			}
			if goos != "windows" {
				continue
			}
			for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
				if strings.ContainsAny(seg, `<>:"|?*\`) || strings.HasSuffix(seg, ".") || strings.HasSuffix(seg, " ") {
					t.Fatalf("windows: %q maps to the illegal name %q", key, seg)
				}
				stem, _, _ := strings.Cut(seg, ".")
				if isReservedDevice(strings.TrimRight(stem, " ")) {
					t.Fatalf("windows: %q maps to the device name %q", key, seg)
				}
			}
		}
	})
}

// hostileLister is the real server's listing with hostile keys added, as a
// bucket written by other tools might hold (versitygw keeps a posix tree
// and cannot store them).
type hostileLister struct {
	*store.Client
	extra []string
}

func (h hostileLister) List(ctx context.Context, in store.ListInput) (store.Page, error) {
	page, err := h.Client.List(ctx, in)
	if err == nil && in.Token == "" {
		for _, k := range h.extra {
			page.Objects = append(page.Objects, store.Object{Key: in.Prefix + k, Size: 1})
		}
	}
	return page, err
}

// TestHostileNamesOnDownload plans a folder download with keys that try to
// escape the target folder: each is rejected, the rest download, and
// nothing appears outside the target folder.
func TestHostileNamesOnDownload(t *testing.T) {
	e := newEnv(t)
	q := e.queue(t, testOptions(t))
	src := t.TempDir()
	good := []string{"in/a.txt", "in/sub/b c+d.txt", "in/con.txt", "in/x:y.txt", "in/trailing dot."}
	for i, k := range good {
		local := filepath.Join(src, "f"+string(rune('0'+i)))
		writeRandom(t, local, 100, uint64(40+i))
		upload(t, q, e.bucket, local, k)
	}
	hostile := []string{"../x", "/etc/x", "a/../../b", `C:\x`, "x\x00y", "ctl\x01", "d//e", "..", "sub/../../../z"}
	r := hostileLister{Client: e.c, extra: hostile}
	parent := t.TempDir()
	dest := filepath.Join(parent, "dest")
	reqs, rejected, err := PlanDownload(context.Background(), r, e.bucket, "in/", dest)
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != len(hostile) {
		t.Errorf("rejected %d keys, want the %d hostile ones: %+v", len(rejected), len(hostile), rejected)
	}
	for _, rj := range rejected {
		if rj.Reason == "" {
			t.Errorf("%q rejected without a reason", rj.Name)
		}
	}
	if len(reqs) != len(good) {
		t.Fatalf("planned %d downloads, want %d: %+v", len(reqs), len(good), reqs)
	}
	for _, req := range reqs {
		id, err := q.AddDownload(req)
		if err != nil {
			t.Fatal(err)
		}
		waitDone(t, q, id)
	}
	_ = filepath.WalkDir(parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		if p != parent && p != dest && !strings.HasPrefix(p, dest+string(filepath.Separator)) {
			t.Errorf("written outside the target folder: %s", p)
		}
		return nil
	})
	for _, k := range good {
		if _, err := os.Stat(filepath.Join(dest, filepath.FromSlash(k))); err != nil {
			t.Errorf("%q not downloaded: %v", k, err)
		}
	}
}

// TestHostileKeyInFolder plans a folder download in which some keys cannot
// be local files: each is refused alone, with its reason, and its
// neighbours are planned and downloaded.
func TestHostileKeyInFolder(t *testing.T) {
	m := newMemRemote()
	good := []string{"docs/a.txt", "docs/sub/b.txt", "docs/" + strings.Repeat("n", 255)}
	for i, k := range good {
		m.put(k, []byte(strings.Repeat("x", 10+i)))
	}
	hostile := map[string]string{
		"docs/a\x01b.txt": "control character U+0001",
		"docs/tab\there":  "control character U+0009",
		"docs/" + strings.Repeat("n", 300) + ".txt":   "too long for the disk",
		"docs/sub/" + strings.Repeat("é", 128) + "/c": "too long for the disk",
		"docs/../../x":     `".." folder name`,
		"docs//etc/passwd": "empty folder name",
	}
	for k := range hostile {
		m.put(k, []byte("bad"))
	}
	dest := t.TempDir()
	reqs, rejected, err := PlanDownload(context.Background(), m, "b", "docs/", dest)
	if err != nil {
		t.Fatalf("PlanDownload: %v", err)
	}
	if len(rejected) != len(hostile) {
		t.Errorf("refused %d keys, want the %d hostile ones: %+v", len(rejected), len(hostile), rejected)
	}
	for _, rj := range rejected {
		want, ok := hostile[rj.Name]
		if !ok || !strings.Contains(rj.Reason, want) {
			t.Errorf("refused %q because %q; want a reason with %q", rj.Name, rj.Reason, want)
		}
	}
	if len(reqs) != len(good) {
		t.Fatalf("planned %d downloads, want %d: %+v", len(reqs), len(good), reqs)
	}
	q, warning, err := NewQueue(m, testOptions(t))
	if err != nil || warning != nil {
		t.Fatalf("NewQueue: %v (warning %v)", err, warning)
	}
	defer q.Close()
	for _, req := range reqs {
		id, err := q.AddDownload(req)
		must(t, err)
		waitDone(t, q, id)
	}
	var files []string
	_ = filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		must(t, err)
		if !d.IsDir() {
			rel, _ := filepath.Rel(dest, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(files)
	slices.Sort(good)
	if !slices.Equal(files, good) {
		t.Errorf("files in the target folder %q, want %q", files, good)
	}
}
