package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/internal/e2e"
)

// TestRunTiny runs every experiment of `bench` at toy sizes against
// the built binary: the processes start, talk and stop, and every figure
// comes out positive.
func TestRunTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	cfg := Config{
		Exe: filepath.Join(e2e.Binaries(t), "node"), Dir: t.TempDir(),
		Height: 3000, Chunk: 200, Reps: 2, SyncBlocks: 300, TxBlocks: 1, Samples: 2, IdleWait: 200 * time.Millisecond,
	}
	var log bytes.Buffer
	cfg.Log = &log
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for name, v := range map[string]float64{
		"generate low": res.GenerateLowMs, "generate high": res.GenerateHighMs, "sync 1000": res.Sync1000BlocksPerSec,
		"sync": res.SyncBlocksPerSec, "sync tx": res.SyncTxPerSec, "admission": res.AdmissionTxPerSec,
		"block propagation": res.BlockPropMedianMs, "tx propagation": res.TxPropMedianMs, "idle rss": res.IdleRSSMB,
	} {
		if v <= 0 {
			t.Errorf("%s: %v", name, v)
		}
	}
	if res.GenerateHighAt < cfg.Height {
		t.Errorf("high measurement at height %d, want %d", res.GenerateHighAt, cfg.Height)
	}
}

// TestReport: the table names every figure and the plot is well-formed SVG.
func TestReport(t *testing.T) {
	r := &Result{GenerateLowMs: 0.05, GenerateLowAt: 1000, GenerateHighMs: 0.06, GenerateHighAt: 100_000,
		BtcdGenerateMs: 0.2, GenerateVsBtcd: 0.25, Sync1000BlocksPerSec: 10000, BtcdSyncPerSec: 4000,
		Series: []SeriesPoint{{2000, 0.05}, {50_000, 0.055}, {100_000, 0.06}}}
	var table bytes.Buffer
	if err := WriteTable(&table, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"generatetoaddress", "btcd generate", "sync", "propagation", "RSS"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var svg bytes.Buffer
	if err := WriteSVG(&svg, r, "a <title> & more"); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&svg)
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG does not parse: %v", err)
			}
			break
		}
	}
}

// NodeArgs reach `node run`: with the indexers off (bench --indexers=false)
// the node keeps no transaction index, so getrawtransaction of a mined
// coinbase fails, and it succeeds on a node started without them.
func TestNodeArgsTurnIndexersOff(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	exe, dir := filepath.Join(e2e.Binaries(t), "node"), t.TempDir()
	genesis, err := writeGenesis(dir, "genesis.json", benchGenesis(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	miner := chain.AddressFromPubKey(benchKey().PubKey()).Encode(benchPrefix)
	for _, tc := range []struct {
		name    string
		args    []string
		indexed bool
	}{
		{"indexers", nil, true},
		{"noindexers", []string{"--txindex=false", "--addrindex=false"}, false},
	} {
		n, err := startNode(ctx, exe, dir, tc.name, genesis, tc.args)
		if err != nil {
			t.Fatal(err)
		}
		var hashes []string
		if err := n.call(ctx, &hashes, "generatetoaddress", 1, miner); err != nil {
			t.Fatal(err)
		}
		var blk struct{ Tx []string }
		if err := n.call(ctx, &blk, "getblock", hashes[0], 1); err != nil || len(blk.Tx) == 0 {
			t.Fatalf("%s: getblock: %v %v", tc.name, blk, err)
		}
		var raw string
		err = n.call(ctx, &raw, "getrawtransaction", blk.Tx[0])
		n.stop()
		if indexed := err == nil; indexed != tc.indexed {
			t.Errorf("%s: getrawtransaction of the coinbase: %v, want indexed %v", tc.name, err, tc.indexed)
		}
	}
}
