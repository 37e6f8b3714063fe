package repocheck

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxTracked is the largest file git may track.
const maxTracked = 2 << 20

// binaryMagic are the first bytes of executables: ELF, Mach-O (32 and 64
// bit, both orders, and universal) and PE (MZ).
var binaryMagic = [][]byte{
	[]byte("\x7fELF"),
	{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe}, {0xca, 0xfe, 0xba, 0xbe},
	[]byte("MZ"),
}

// problem says what is wrong with a tracked file of size bytes starting
// with head, or "".
func problem(size int64, head []byte) string {
	for _, m := range binaryMagic {
		if bytes.HasPrefix(head, m) {
			return "an executable binary"
		}
	}
	if size > maxTracked {
		return fmt.Sprintf("%d bytes, over the %d-byte limit", size, maxTracked)
	}
	return ""
}

func TestNoBuildOutputsTracked(t *testing.T) {
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): nothing is tracked", err)
	}
	dir := strings.TrimSpace(string(root))
	out, err := exec.Command("git", "-C", dir, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 100 {
		t.Fatalf("git ls-files listed %d files; want the whole repository", len(files))
	}
	for _, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet committed
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		st, err := f.Stat()
		head := make([]byte, 4)
		n, _ := io.ReadFull(f, head)
		f.Close()
		if err != nil || st.IsDir() {
			continue
		}
		if p := problem(st.Size(), head[:n]); p != "" {
			t.Errorf("%s is tracked but is %s: build outputs, binaries and downloaded servers belong in .gitignore", name, p)
		}
	}
}

// TestProblemCatchesBinaries: the check itself tells a built binary and an
// oversized file from source.
func TestProblemCatchesBinaries(t *testing.T) {
	for _, tt := range []struct {
		size int64
		head string
		bad  bool
	}{
		{1 << 10, "\x7fELF", true},
		{1 << 10, "\xcf\xfa\xed\xfe", true},
		{1 << 10, "MZ\x90\x00", true},
		{3 << 20, "// s", true},
		{1 << 20, "pack", false},
		{0, "", false},
	} {
		if got := problem(tt.size, []byte(tt.head)) != ""; got != tt.bad {
			t.Errorf("problem(%d, %q) flagged = %v, want %v", tt.size, tt.head, got, tt.bad)
		}
	}
}
