package reliability

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/internal/e2e"
)

// badgerDir is where `node run` keeps its Badger store in a datadir.
func badgerDir(datadir string) string { return filepath.Join(datadir, "chain") }

// withBadger opens a stopped node's Badger store directly.
func withBadger(t *testing.T, datadir string, fn func(db *badger.DB) error) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(badgerDir(datadir)).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = fn(db)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// firstKey returns the first key under prefix.
func firstKey(t *testing.T, datadir string, prefix []byte) []byte {
	t.Helper()
	var key []byte
	withBadger(t, datadir, func(db *badger.DB) error {
		return db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			it.Rewind()
			if it.Valid() {
				key = it.Item().KeyCopy(nil)
			}
			return nil
		})
	})
	if key == nil {
		t.Fatalf("no key under prefix %q", prefix)
	}
	return key
}

// hashKey is a store key made of a prefix byte and a block hash.
func hashKey(prefix byte, display string) func(t *testing.T, datadir string) []byte {
	return func(t *testing.T, _ string) []byte {
		h, err := chain.ParseHash(display)
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte{prefix}, h[:]...)
	}
}

func prefixKey(prefix ...byte) func(t *testing.T, datadir string) []byte {
	return func(t *testing.T, datadir string) []byte { return firstKey(t, datadir, prefix) }
}

// TestCorruptDatadirRefused damages one stored value at a time, directly
// in Badger while the node is stopped: garbage of the same length (which
// defeats length checks), a truncated value, an empty one. `node run` must
// refuse to start with a one-line error that says the datadir is corrupt
// and what is damaged: no panic, no stack trace. Each value is put back
// afterwards and the node must start again with verifychain true.
func TestCorruptDatadirRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	genesis, params := e2e.WriteGenesis(t, testGenesis())
	dir := t.TempDir()
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: dir, Genesis: genesis})
	n.Must(nil, "generatetoaddress", 12, addr("miner"))
	tx := pay(t, params, []coin{genesisCoin(params, "alice")}, 1000, payee{"carol", 10 * chain.UnitsPerCoin}, payee{"alice", 0})
	n.Must(nil, "sendrawtransaction", txHex(tx))
	n.Must(nil, "generatetoaddress", 2, addr("miner"))
	tip := n.BestHash()
	var verified bool
	n.Must(&verified, "verifychain")
	if !verified {
		t.Fatal("verifychain false before any damage")
	}
	n.Stop()

	type damage struct {
		name   string
		mutate func(v []byte) []byte
	}
	damages := []damage{
		{"garbage", func(v []byte) []byte {
			g := make([]byte, len(v))
			rand.Read(g)
			for bytes.Equal(g, v) {
				rand.Read(g)
			}
			return g
		}},
		{"truncated", func(v []byte) []byte { return v[:len(v)/2] }},
		{"empty", func(v []byte) []byte { return []byte{} }},
	}
	targets := []struct {
		name string
		key  func(t *testing.T, datadir string) []byte
	}{
		{"block record", hashKey('i', tip)},
		{"block", hashKey('b', tip)},
		{"undo record", prefixKey('u')},
		{"utxo", prefixKey('o')},
		{"address index", prefixKey('a')},
		{"address history", prefixKey('h')},
		{"transaction index", prefixKey('x')},
		{"tip", func(*testing.T, string) []byte { return []byte("mt") }},
		{"genesis hash", func(*testing.T, string) []byte { return []byte("mg") }},
		{"schema", func(*testing.T, string) []byte { return []byte("ms") }},
	}
	for _, target := range targets {
		for _, d := range damages {
			t.Run(target.name+"/"+d.name, func(t *testing.T) {
				key := target.key(t, dir)
				var original []byte
				withBadger(t, dir, func(db *badger.DB) error {
					return db.Update(func(txn *badger.Txn) error {
						item, err := txn.Get(key)
						if err != nil {
							return fmt.Errorf("get %x: %w", key, err)
						}
						if original, err = item.ValueCopy(nil); err != nil {
							return err
						}
						return txn.Set(key, d.mutate(bytes.Clone(original)))
					})
				})
				defer withBadger(t, dir, func(db *badger.DB) error {
					return db.Update(func(txn *badger.Txn) error { return txn.Set(key, original) })
				})
				p := e2e.NewProc(t, e2e.ProcConfig{Dir: dir, StartTimeout: 20 * time.Second})
				err := p.TryStart()
				if err == nil {
					var ok bool
					verr := p.Call(&ok, "verifychain")
					p.Kill()
					t.Fatalf("node started on a datadir with a damaged %s (verifychain %v, %v)\n%s", target.name, ok, verr, p.Tail(20))
				}
				code, exited := p.Wait(10 * time.Second)
				out := p.Log()
				if !exited || code == 0 {
					t.Fatalf("node did not fail (exited %v, code %d): %v\n%s", exited, code, err, out)
				}
				if trace, ok := e2e.PanicIn(out); ok {
					t.Fatalf("node panicked on a damaged %s:\n%s", target.name, trace)
				}
				msg, ok := errorLine(out)
				if !ok || !(strings.Contains(msg, "corrupt") || strings.Contains(msg, "schema")) {
					t.Fatalf("no one-line error saying the datadir is corrupt:\n%s", out)
				}
				t.Logf("%s", msg)
			})
		}
	}
	p := e2e.StartProc(t, e2e.ProcConfig{Dir: dir})
	var ok bool
	p.Must(&ok, "verifychain")
	if !ok || p.BestHash() != tip {
		t.Fatalf("after repair: verifychain %v, tip %s, want %s", ok, p.BestHash(), tip)
	}
	p.Stop()
}

// errorLine returns the first "node run: " line of a log.
func errorLine(log string) (string, bool) {
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "node run: ") {
			return line, true
		}
	}
	return "", false
}

// TestDamagedDatadirFiles damages the other files of a datadir: a garbage
// identity key or a garbage copy of genesis.json stop `node run` with a
// one-line error naming the file; a garbage mempool.dat, rpc.url or
// .cookie is replaced and the node starts.
func TestDamagedDatadirFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	genesis, _ := e2e.WriteGenesis(t, testGenesis())
	dir := t.TempDir()
	n := e2e.StartProc(t, e2e.ProcConfig{Dir: dir, Genesis: genesis})
	n.Must(nil, "generatetoaddress", 3, addr("miner"))
	tip := n.BestHash()
	n.Stop()
	refused := []struct{ file, want string }{
		{"p2p.key", "identity key"},
		{"genesis.json", "genesis"},
	}
	for _, tc := range refused {
		path := filepath.Join(dir, tc.file)
		original, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, junk := range [][]byte{[]byte("garbage"), {}, original[:len(original)/2]} {
			os.WriteFile(path, junk, 0o600)
			code, out := runNode(t, 20*time.Second, "run", "--datadir", dir, "--mdns=false")
			line, ok := errorLine(out)
			if _, panicked := e2e.PanicIn(out); code != 1 || !ok || !strings.Contains(line, tc.want) || panicked {
				t.Errorf("%s of %d bytes: exit %d, want 1 and an error naming the %s:\n%s", tc.file, len(junk), code, tc.want, out)
			}
		}
		os.WriteFile(path, original, 0o600)
	}
	for _, f := range []string{"mempool.dat", "rpc.url", ".cookie"} {
		os.WriteFile(filepath.Join(dir, f), []byte("\xff\x00garbage"), 0o600)
	}
	n.Start()
	if got := n.BestHash(); got != tip {
		t.Fatalf("tip %s after restart, want %s", got, tip)
	}
	mustVerify(t, n)
	n.Stop()
}
