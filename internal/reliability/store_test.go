package reliability

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/internal/e2e"
)

// These tests damage a stopped node's store files the way a disk, an
// operator or a kill does, and start `node run` on it. A damaged store is
// refused with one line naming what is damaged, and the refused start
// leaves every file of the datadir as it found it (Badger, left alone,
// cuts a short MANIFEST back, deletes the tables it does not list and
// truncates a value log at a bad entry, even when the open then fails).

// fileState is a file's size and SHA-256.
type fileState struct {
	size int64
	sum  string
}

// snapshotDir records every regular file under dir.
func snapshotDir(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	files := map[string]fileState{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = fileState{size: int64(len(data)), sum: hex.EncodeToString(sum[:8])}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// sameFiles fails the test with every difference between two snapshots.
func sameFiles(t *testing.T, what string, before, after map[string]fileState) {
	t.Helper()
	var diffs []string
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s deleted (was %d bytes)", name, b.size))
		case a != b:
			diffs = append(diffs, fmt.Sprintf("%s changed: %d -> %d bytes", name, b.size, a.size))
		}
	}
	for name, a := range after {
		if _, ok := before[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s created (%d bytes)", name, a.size))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("%s changed the datadir:\n  %s", what, strings.Join(diffs, "\n  "))
	}
}

// copyTree copies dir to a new directory (cp -a keeps holes and modes).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.RemoveAll(dst); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a: %v\n%s", err, out)
	}
}

// refusedStart runs `node run` on dir, which must exit 1 without a panic,
// with a "node run:" line containing every want; it returns that line.
func refusedStart(t *testing.T, dir string, extra []string, want ...string) string {
	t.Helper()
	args := append([]string{"run", "--datadir", dir, "--mdns=false", "--rpc", "127.0.0.1:0"}, extra...)
	start := time.Now()
	code, out := runNode(t, 60*time.Second, args...)
	line, ok := errorLine(out)
	if _, panicked := e2e.PanicIn(out); code != 1 || !ok || panicked {
		t.Fatalf("exit %d, want 1 with a one-line error:\n%s", code, out)
	}
	for _, w := range want {
		if !strings.Contains(line, w) {
			t.Fatalf("error line does not say %q:\n%s", w, out)
		}
	}
	t.Logf("refused in %v: %s", time.Since(start).Round(time.Millisecond), line)
	return line
}

// storeFile returns the path of the first file of the node's Badger
// directory with the given suffix, largest first.
func storeFile(t *testing.T, datadir, suffix string) string {
	t.Helper()
	entries, err := os.ReadDir(badgerDir(datadir))
	if err != nil {
		t.Fatal(err)
	}
	best, size := "", int64(-1)
	for _, e := range entries {
		info, _ := e.Info()
		if strings.HasSuffix(e.Name(), suffix) && info.Size() > size {
			best, size = filepath.Join(badgerDir(datadir), e.Name()), info.Size()
		}
	}
	if best == "" {
		t.Fatalf("no %s file in %s", suffix, badgerDir(datadir))
	}
	return best
}

// bigBlock mines a block holding a transaction of 1,800 outputs (about
// 72 kB, above the 64 KiB from which Badger keeps values in its value
// log), so that the store has a value log to damage.
func bigBlock(t *testing.T, n *e2e.Proc, in coin) {
	t.Helper()
	_, params := e2e.WriteGenesis(t, testGenesis())
	payees := make([]payee, 1800)
	for i := range payees {
		payees[i] = payee{"bob", 10_000}
	}
	payees[0].name = "carol"
	tx := pay(t, params, []coin{in}, 100_000, payees...)
	n.Must(nil, "sendrawtransaction", txHex(tx))
	n.Must(nil, "generatetoaddress", 1, addr("miner"))
}

// TestDamagedStoreRefused damages the store files of a stopped node one
// way at a time (issue 9, items 1 to 3): the MANIFEST deleted, cut to a
// few bytes or 4 bytes short, a table deleted, one bit flipped in the
// value log or in a stored transaction, the store rolled back to an older
// copy. Each start is refused with an error naming the damage, and
// changes no file. With the files put back, the node starts at the same
// tip and verifychain is true.
func TestDamagedStoreRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	genesis, params := e2e.WriteGenesis(t, testGenesis())
	dir := filepath.Join(t.TempDir(), "node")
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: dir, Genesis: genesis})
	n.Must(nil, "generatetoaddress", 10, addr("miner"))
	n.Stop()
	older := filepath.Join(t.TempDir(), "older")
	copyTree(t, badgerDir(dir), older) // the store at height 10
	n.Start()
	bigBlock(t, n, genesisCoin(params, "alice"))
	n.Must(nil, "generatetoaddress", 20, addr("miner"))
	tip := n.BestHash()
	n.Stop()
	pristine := filepath.Join(t.TempDir(), "pristine")
	copyTree(t, dir, pristine)

	var txBlock string // the big block: a transaction to damage
	n.Start()
	n.Must(&txBlock, "getblockhash", 11)
	n.Stop()
	copyTree(t, pristine, dir)

	cases := []struct {
		name   string
		damage func(t *testing.T)
		want   []string
	}{
		{"MANIFEST deleted", func(t *testing.T) {
			os.Remove(filepath.Join(badgerDir(dir), "MANIFEST"))
		}, []string{"MANIFEST is missing"}},
		{"MANIFEST cut to 5 bytes", func(t *testing.T) {
			os.Truncate(filepath.Join(badgerDir(dir), "MANIFEST"), 5)
		}, []string{"MANIFEST", "does not read"}},
		{"MANIFEST cut 4 bytes short", func(t *testing.T) {
			path := filepath.Join(badgerDir(dir), "MANIFEST")
			info, _ := os.Stat(path)
			os.Truncate(path, info.Size()-4)
		}, []string{"MANIFEST", "partial record"}},
		{"a table deleted", func(t *testing.T) {
			os.Remove(storeFile(t, dir, ".sst"))
		}, []string{".sst is missing"}},
		{"a bit flipped in the value log", func(t *testing.T) {
			flipBit(t, storeFile(t, dir, ".vlog"))
		}, []string{"corrupt"}},
		{"a bit flipped in a stored transaction", func(t *testing.T) {
			h, err := chain.ParseHash(txBlock)
			if err != nil {
				t.Fatal(err)
			}
			key := append([]byte{'b'}, h[:]...)
			withBadger(t, dir, func(db *badger.DB) error {
				return db.Update(func(txn *badger.Txn) error {
					item, err := txn.Get(key)
					if err != nil {
						return err
					}
					v, err := item.ValueCopy(nil)
					if err != nil {
						return err
					}
					v[len(v)-100] ^= 0x10 // inside the last output of the big transaction
					return txn.Set(key, v)
				})
			})
		}, []string{"Merkle root"}},
		{"the store rolled back to an older copy", func(t *testing.T) {
			mark, err := os.ReadFile(filepath.Join(badgerDir(dir), "FLUSHED"))
			if err != nil {
				t.Fatal(err)
			}
			copyTree(t, older, badgerDir(dir))
			os.WriteFile(filepath.Join(badgerDir(dir), "FLUSHED"), mark, 0o600)
		}, []string{"holds less than the node last flushed", "height 31"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer copyTree(t, pristine, dir)
			c.damage(t)
			before := snapshotDir(t, dir)
			refusedStart(t, dir, nil, c.want...)
			sameFiles(t, "the refused start", before, snapshotDir(t, dir))
		})
	}
	n.Start()
	if got := n.BestHash(); got != tip {
		t.Fatalf("tip %s after the damage was undone, want %s", got, tip)
	}
	mustVerify(t, n)
	n.Stop()
}

// flipBit flips one bit in the middle of a file's data.
func flipBit(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end := len(data)
	for end > 0 && data[end-1] == 0 {
		end-- // a value log left by a kill is preallocated: flip inside its data
	}
	data[end/2] ^= 0x04
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEmptyMemtableAfterKill: a kill can leave a 0-byte .mem file
// (dgraph-io/badger#2207), on which Badger's open fails ("Create a new
// file"), and sizes it, so that only the second start worked. The first
// start after the kill must work (issue 9, item 4).
func TestEmptyMemtableAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	genesis, _ := e2e.WriteGenesis(t, testGenesis())
	dir := t.TempDir()
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: dir, Genesis: genesis})
	n.Must(nil, "generatetoaddress", 25, addr("miner"))
	tip := n.BestHash()
	n.Kill()
	mems, _ := filepath.Glob(filepath.Join(badgerDir(dir), "*.mem"))
	sort.Strings(mems)
	next := 1
	if len(mems) > 0 {
		fmt.Sscanf(filepath.Base(mems[len(mems)-1]), "%05d.mem", &next)
		next++
	}
	empty := filepath.Join(badgerDir(dir), fmt.Sprintf("%05d.mem", next))
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := n.TryStart(); err != nil {
		t.Fatalf("first start after a kill with an empty %s: %v\n%s", filepath.Base(empty), err, n.Tail(20))
	}
	t.Logf("started in %v", time.Since(start).Round(time.Millisecond))
	if got := n.BestHash(); got != tip {
		t.Fatalf("tip %s after the kill, want %s", got, tip)
	}
	mustVerify(t, n)
	n.Stop()
}

// TestRefusedStartWritesNothing: with the datadir's genesis copy deleted,
// a start with another --genesis is refused (the store is of another
// chain) and writes nothing, no genesis copy either; a start with the
// right genesis then works (issue 9, item 6).
func TestRefusedStartWritesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	genesis, _ := e2e.WriteGenesis(t, testGenesis())
	g := testGenesis()
	g.ChainID = "other"
	wrong, _ := e2e.WriteGenesis(t, g)
	dir := t.TempDir()
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: dir, Genesis: genesis})
	n.Must(nil, "generatetoaddress", 5, addr("miner"))
	tip := n.BestHash()
	n.Stop()
	if err := os.Remove(filepath.Join(dir, "genesis.json")); err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, dir)
	refusedStart(t, dir, []string{"--genesis", wrong}, "another chain")
	sameFiles(t, "the refused start", before, snapshotDir(t, dir))
	n.Start()
	if got := n.BestHash(); got != tip {
		t.Fatalf("tip %s, want %s", got, tip)
	}
	if _, err := os.Stat(filepath.Join(dir, "genesis.json")); err != nil {
		t.Fatalf("no genesis copy after a successful start: %v", err)
	}
	mustVerify(t, n)
	n.Stop()
}

// mountSmallDisk mounts a tmpfs of size bytes at a new directory, for the
// disk-full test; the test is skipped, saying why, where mounting is
// impossible (not root, no tmpfs).
func mountSmallDisk(t *testing.T, size int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// freeSpace is the space left on dir's file system.
func freeSpace(t *testing.T, dir string) int64 {
	t.Helper()
	out, err := exec.Command("df", "--output=avail", "-B1", dir).Output()
	if err != nil {
		t.Fatal(err)
	}
	var free int64
	fields := strings.Fields(string(out))
	fmt.Sscan(fields[len(fields)-1], &free)
	return free
}

// fill writes a file that leaves about left bytes free on dir's disk.
func fill(t *testing.T, dir string, left int64) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for n := freeSpace(t, dir) - left; n > 0; n -= int64(len(chunk)) {
		if _, err := f.Write(chunk[:min(int64(len(chunk)), n)]); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestDiskFull fills the disk of a running node below its free-space floor
// (64 MiB) and mines: the node stops the chain and exits with a one-line
// disk-full error, instead of dying of a SIGBUS in Badger's memory-mapped
// files. A start on the full disk is refused the same way and writes
// nothing; once space is freed the node starts at the same tip and
// verifychain is true (issue 9, items 5 and 7).
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	disk := mountSmallDisk(t, 256<<20)
	genesis, _ := e2e.WriteGenesis(t, testGenesis())
	dir := filepath.Join(disk, "node")
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: dir, Genesis: genesis})
	n.Must(nil, "generatetoaddress", 5, addr("miner"))
	tip := n.BestHash()
	filler := fill(t, disk, 40<<20)
	t.Logf("disk filled: %d MiB free", freeSpace(t, disk)>>20)
	start := time.Now()
	err := n.Call(nil, "generatetoaddress", 1, addr("miner"))
	code, exited := n.Wait(30 * time.Second)
	out := n.Log()
	if !exited || code != 1 {
		t.Fatalf("node on a full disk: exited %v with %d, want exit 1 (generatetoaddress: %v)\n%s", exited, code, err, n.Tail(30))
	}
	if trace, ok := e2e.PanicIn(out); ok || strings.Contains(out, "SIGBUS") {
		t.Fatalf("node crashed on a full disk:\n%s", trace)
	}
	line, ok := errorLine(out)
	if !ok || !strings.Contains(line, "disk full") {
		t.Fatalf("no one-line disk-full error:\n%s", n.Tail(30))
	}
	t.Logf("stopped in %v (generatetoaddress: %v): %s", time.Since(start).Round(time.Millisecond), err, line)

	before := snapshotDir(t, dir)
	refusedStart(t, dir, nil, "disk full")
	sameFiles(t, "the start on a full disk", before, snapshotDir(t, dir))

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	n.Start()
	if got := n.BestHash(); got != tip {
		t.Fatalf("tip %s after the disk was freed, want %s", got, tip)
	}
	mustVerify(t, n)
	n.Must(nil, "generatetoaddress", 1, addr("miner"))
	n.Stop()
}

// TestIndexesOff runs a node without the optional indexes
// (--txindex=false --addrindex=false): it mines and verifies its chain,
// getaddresshistory says the index is off, and a later start asking for
// the indexes on that datadir is refused, writing nothing (issue 11,
// item 4).
func TestIndexesOff(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	genesis, _ := e2e.WriteGenesis(t, testGenesis())
	dir := t.TempDir()
	off := []string{"--txindex=false", "--addrindex=false"}
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: dir, Genesis: genesis, Args: off})
	n.Must(nil, "generatetoaddress", 5, addr("miner"))
	mustVerify(t, n)
	err := n.Call(nil, "getaddresshistory", addr("miner"))
	if err == nil || !strings.Contains(err.Error(), "index") {
		t.Fatalf("getaddresshistory without the index: %v, want an error saying the index is off", err)
	}
	n.Stop()
	before := snapshotDir(t, dir)
	refusedStart(t, dir, nil, "keeps the indexes", "--txindex")
	sameFiles(t, "the refused start", before, snapshotDir(t, dir))
	n.Start()
	if h := n.Height(); h != 5 {
		t.Fatalf("height %d after restart, want 5", h)
	}
	n.Stop()
}
