// Package bench runs the end-to-end performance figures of the bench command
// (cmd/bench): real `node run` processes of a node binary on loopback,
// driven only through their JSON-RPC, and optionally btcd processes side by
// side in the same run.
package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// Config chooses what Run measures.
type Config struct {
	// Exe is the node binary to run as `Exe run ...` (required).
	Exe string
	// Dir holds the datadirs; it is created and left for inspection.
	Dir string
	// Height is the chain height of the second per-block measurement.
	Height int
	// Chunk is the number of blocks per generatetoaddress call measured.
	Chunk int
	// Reps is how many calls of Chunk blocks each generate figure is the
	// median of.
	Reps int
	// SyncBlocks is the length of the empty chain a second node syncs, and
	// TxBlocks the number of 1,000-transaction blocks of the other sync.
	SyncBlocks int
	TxBlocks   int
	// Samples is the number of blocks and of transactions timed across the
	// 5-node line.
	Samples int
	// Btcd, when set, is a btcd binary run in regtest alongside for the
	// generate and 1,000-block sync figures.
	Btcd string
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// IdleWait is how long a node is left idle before its RSS is read
	// (default 5 s).
	IdleWait time.Duration
	// NodeArgs are added to every `Exe run` (e.g. --txindex=false
	// --addrindex=false to measure the node without its indexers).
	NodeArgs []string
	// Steps, when not empty, names the experiments to run (generate, sync,
	// transactions, propagation); the others are skipped.
	Steps []string
}

// StepNames are the experiments of a run, in order.
var StepNames = []string{"generate", "sync", "transactions", "propagation"}

// Quick and Full are the presets of `bench --quick` and `bench`.
func Quick() Config {
	return Config{Height: 10_000, Chunk: 1000, Reps: 3, SyncBlocks: 2000, TxBlocks: 2, Samples: 10}
}

// Full is the preset of `bench`.
func Full() Config {
	return Config{Height: 100_000, Chunk: 1000, Reps: 5, SyncBlocks: 20_000, TxBlocks: 10, Samples: 40}
}

// Result holds every figure of a run. Durations are in milliseconds.
type Result struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Config  struct {
		Height, Chunk, Reps, SyncBlocks, TxBlocks, Samples int
		Btcd                                               string   `json:",omitempty"`
		NodeArgs                                           []string `json:",omitempty"`
	} `json:"config"`

	// Generate: ms per empty block of generatetoaddress Chunk (median of
	// Reps calls) at a low height and at Height; Series is every call on
	// the way up, for the plot.
	GenerateLowMs  float64       `json:"generate_low_ms_per_block"`
	GenerateLowAt  int           `json:"generate_low_height"`
	GenerateHighMs float64       `json:"generate_high_ms_per_block"`
	GenerateHighAt int           `json:"generate_high_height"`
	Series         []SeriesPoint `json:"generate_series"`

	// Sync: blocks per second of a fresh node catching up from a peer, from
	// its RPC answering to its tip matching (1,000 empty blocks, SyncBlocks
	// empty blocks, TxBlocks blocks of 1,000 transactions).
	Sync1000BlocksPerSec    float64 `json:"sync_1000_blocks_per_s"`
	Sync1000FromStartPerSec float64 `json:"sync_1000_blocks_per_s_from_process_start"`
	SyncBlocksPerSec        float64 `json:"sync_empty_blocks_per_s"`
	SyncTxBlocksPerSec      float64 `json:"sync_1000tx_blocks_per_s"`
	SyncTxPerSec            float64 `json:"sync_1000tx_tx_per_s"`

	// Mempool admission through sendrawtransaction, one client, one
	// transaction per call.
	AdmissionTxPerSec float64 `json:"mempool_admission_tx_per_s"`

	// Propagation across a line of 5 nodes: from the RPC call on the first
	// to the last node having it.
	BlockPropMedianMs float64 `json:"block_propagation_median_ms"`
	BlockPropP90Ms    float64 `json:"block_propagation_p90_ms"`
	TxPropMedianMs    float64 `json:"tx_propagation_median_ms"`
	TxPropP90Ms       float64 `json:"tx_propagation_p90_ms"`

	// Memory: RSS of a fresh idle node, the mean over the idle 5-node line,
	// and the node that generated Height blocks, idle after a restart.
	IdleRSSMB       float64 `json:"idle_rss_mb"`
	LineMeanRSSMB   float64 `json:"line_mean_rss_mb"`
	HighIdleRSSMB   float64 `json:"high_chain_idle_rss_mb"`
	HighIdleAnonMB  float64 `json:"high_chain_idle_rss_anon_mb"`
	IdleAnonMB      float64 `json:"idle_rss_anon_mb"`
	HighActiveRSSMB float64 `json:"high_chain_after_generate_rss_mb"`

	// btcd side by side (0 when not run).
	BtcdGenerateMs          float64 `json:"btcd_generate_ms_per_block,omitempty"`
	BtcdSyncPerSec          float64 `json:"btcd_sync_1000_blocks_per_s,omitempty"`
	BtcdSyncFromStartPerSec float64 `json:"btcd_sync_1000_blocks_per_s_from_process_start,omitempty"`
	BtcdRSSMB               float64 `json:"btcd_rss_after_generate_mb,omitempty"`
	GenerateVsBtcd          float64 `json:"generate_cost_vs_btcd,omitempty"`
	Sync1000VsBtcd          float64 `json:"sync_1000_rate_vs_btcd,omitempty"`
	BtcdGenerateError       string  `json:"btcd_error,omitempty"`
}

// SeriesPoint is one generatetoaddress call: the height after it and its
// cost per block.
type SeriesPoint struct {
	Height     int     `json:"height"`
	MsPerBlock float64 `json:"ms_per_block"`
}

// benchKey owns the genesis allocations the transaction figures spend.
func benchKey() *btcec.PrivateKey {
	seed := sha256.Sum256([]byte("devchain node bench"))
	key, _ := btcec.PrivKeyFromBytes(seed[:])
	return key
}

const (
	benchPrefix  = "bench"
	allocAmount  = 10 * chain.UnitsPerCoin
	txFee        = 1000
	txsPerBlock  = 1000
	maxFutureSec = 1 << 30
)

// benchGenesis is regtest-like: no retarget, the easiest target, 1 MB
// blocks. max_future_block_seconds is huge because the chain runs ahead of
// the clock: each second of median time past takes 6 blocks, so 100,000
// blocks mined in seconds carry timestamps about 4.6 hours ahead, past a
// 2-hour limit (btcd and Bitcoin Core in regtest hit the same wall).
func benchGenesis(allocs int) *chain.Genesis {
	addr := chain.AddressFromPubKey(benchKey().PubKey()).Encode(benchPrefix)
	g := &chain.Genesis{
		ChainID:                "bench",
		AddressPrefix:          benchPrefix,
		Timestamp:              uint32(time.Now().Add(-time.Hour).Unix()),
		Bits:                   0x207fffff,
		PowLimitBits:           0x207fffff,
		TargetSpacingSeconds:   1,
		RetargetIntervalBlocks: 0,
		MaxAdjustFactor:        4,
		InitialSubsidy:         50 * chain.UnitsPerCoin,
		HalvingIntervalBlocks:  150,
		CoinbaseMaturity:       100,
		MaxBlockBytes:          1_000_000,
		MaxFutureBlockSeconds:  maxFutureSec,
	}
	for range allocs {
		g.Alloc = append(g.Alloc, chain.Alloc{Address: addr, Amount: allocAmount})
	}
	return g
}

// runner carries a run's state.
type runner struct {
	cfg     Config
	res     *Result
	genesis string // path of the genesis file of the empty-block figures
	txGen   string // path of the genesis file with the allocations the transaction figures spend
	params  *consensus.Params
	nodes   []*node
	btcds   []*btcd
	miner   string // address generatetoaddress pays
	nextTx  int    // next genesis allocation to spend
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, format+"\n", args...)
	}
}

// Run measures every figure and returns them. The processes it starts are
// stopped before it returns.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Exe == "" {
		return nil, errors.New("bench: no node binary (Config.Exe)")
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	if cfg.IdleWait <= 0 {
		cfg.IdleWait = 5 * time.Second
	}
	r := &runner{cfg: cfg, res: &Result{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine()}}
	r.res.Config.Height, r.res.Config.Chunk, r.res.Config.Reps = cfg.Height, cfg.Chunk, cfg.Reps
	r.res.Config.SyncBlocks, r.res.Config.TxBlocks, r.res.Config.Samples = cfg.SyncBlocks, cfg.TxBlocks, cfg.Samples
	r.res.Config.Btcd = cfg.Btcd
	r.res.Config.NodeArgs = cfg.NodeArgs
	defer r.stopAll()

	// Two chains: one without allocations for the empty-block figures (a
	// node's start is then as quick as btcd's regtest), one allocating the
	// outputs the transaction figures spend.
	var err error
	if r.genesis, err = writeGenesis(cfg.Dir, "genesis.json", benchGenesis(0)); err != nil {
		return nil, err
	}
	g := benchGenesis(cfg.TxBlocks*txsPerBlock + cfg.Samples)
	if r.txGen, err = writeGenesis(cfg.Dir, "genesis-tx.json", g); err != nil {
		return nil, err
	}
	if r.params, err = consensus.NewParams(g); err != nil {
		return nil, err
	}
	r.miner = chain.AddressFromPubKey(benchKey().PubKey()).Encode(benchPrefix)

	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"generate", r.generate},
		{"sync", r.syncEmpty},
		{"transactions", r.syncTx},
		{"propagation", r.propagation},
	}
	for _, s := range steps {
		if len(cfg.Steps) > 0 && !slices.Contains(cfg.Steps, s.name) {
			continue
		}
		r.logf("== %s", s.name)
		if err := s.fn(ctx); err != nil {
			return r.res, fmt.Errorf("bench %s: %w", s.name, err)
		}
		r.stopAll()
	}
	return r.res, nil
}

func writeGenesis(dir, name string, g *chain.Genesis) (string, error) {
	data, err := json.MarshalIndent(g, "", " ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, data, 0o644)
}

func (r *runner) start(ctx context.Context, name string, peers ...string) (*node, error) {
	return r.startOn(ctx, r.genesis, name, peers...)
}

func (r *runner) startOn(ctx context.Context, genesis, name string, peers ...string) (*node, error) {
	n, err := startNode(ctx, r.cfg.Exe, r.cfg.Dir, name, genesis, r.cfg.NodeArgs, peers...)
	if err != nil {
		return nil, err
	}
	r.nodes = append(r.nodes, n)
	return n, nil
}

func (r *runner) startBtcd(ctx context.Context, name, connect string) (*btcd, error) {
	b, err := startBtcd(ctx, r.cfg.Btcd, r.cfg.Dir, name, connect)
	if err != nil {
		return nil, err
	}
	r.btcds = append(r.btcds, b)
	return b, nil
}

func (r *runner) stopAll() {
	var wg sync.WaitGroup
	for _, n := range r.nodes {
		wg.Add(1)
		go func() { defer wg.Done(); n.stop() }()
	}
	for _, b := range r.btcds {
		wg.Add(1)
		go func() { defer wg.Done(); b.stop() }()
	}
	wg.Wait()
	r.nodes, r.btcds = nil, nil
}

// generateChunk times one generatetoaddress call of count blocks.
func (r *runner) generateChunk(ctx context.Context, n *node, count int) (float64, error) {
	var hashes []string
	start := time.Now()
	if err := n.call(ctx, &hashes, "generatetoaddress", count, r.miner); err != nil {
		return 0, err
	}
	if len(hashes) != count {
		return 0, fmt.Errorf("generatetoaddress %d returned %d hashes", count, len(hashes))
	}
	return ms(time.Since(start)) / float64(count), nil
}

func (r *runner) btcdChunk(ctx context.Context, b *btcd, count int) (float64, error) {
	var hashes []string
	start := time.Now()
	if err := b.call(ctx, &hashes, "generate", count); err != nil {
		return 0, err
	}
	return ms(time.Since(start)) / float64(count), nil
}

// generate measures generatetoaddress per empty block at a low height and
// at cfg.Height (btcd's generate at the low height, interleaved call by
// call), then the sync of 1,000 blocks by a second node of each.
func (r *runner) generate(ctx context.Context) error {
	cfg := r.cfg
	n, err := r.start(ctx, "gen")
	if err != nil {
		return err
	}
	var b *btcd
	if cfg.Btcd != "" {
		if b, err = r.startBtcd(ctx, "btcd-gen", ""); err != nil {
			return err
		}
	}
	// Warm up to height 1,000 (the low measurement starts there), then
	// alternate calls of ours and btcd's.
	if _, err := r.generateChunk(ctx, n, 1000); err != nil {
		return err
	}
	if b != nil {
		if _, err := r.btcdChunk(ctx, b, 1000); err != nil {
			return err
		}
	}
	var ours, theirs []float64
	for range cfg.Reps {
		v, err := r.generateChunk(ctx, n, cfg.Chunk)
		if err != nil {
			return err
		}
		ours = append(ours, v)
		h, _ := n.height(ctx)
		r.res.Series = append(r.res.Series, SeriesPoint{h, v})
		if b != nil {
			v, err := r.btcdChunk(ctx, b, cfg.Chunk)
			if err != nil {
				return err
			}
			theirs = append(theirs, v)
		}
	}
	r.res.GenerateLowMs = median(ours)
	r.res.GenerateLowAt = 1000
	r.logf("generatetoaddress at height 1,000: %.4f ms/block (calls of %d: %.4f)", r.res.GenerateLowMs, cfg.Chunk, ours)
	if b != nil {
		r.res.BtcdGenerateMs = median(theirs)
		r.res.GenerateVsBtcd = r.res.GenerateLowMs / r.res.BtcdGenerateMs
		r.res.BtcdRSSMB = mb(b.rss())
		r.logf("btcd generate at height 1,000: %.4f ms/block (%.4f); ours/btcd %.2f", r.res.BtcdGenerateMs, theirs, r.res.GenerateVsBtcd)
	}
	if err := r.sync1000(ctx); err != nil {
		return err
	}

	// Climb to cfg.Height, recording every call for the plot.
	step := max(cfg.Chunk, cfg.Height/20)
	for {
		h, err := n.height(ctx)
		if err != nil {
			return err
		}
		if h >= cfg.Height-cfg.Reps*cfg.Chunk {
			break
		}
		count := min(step, cfg.Height-cfg.Reps*cfg.Chunk-h)
		v, err := r.generateChunk(ctx, n, count)
		if err != nil {
			return err
		}
		r.res.Series = append(r.res.Series, SeriesPoint{h + count, v})
	}
	var high []float64
	for range cfg.Reps {
		v, err := r.generateChunk(ctx, n, cfg.Chunk)
		if err != nil {
			return err
		}
		high = append(high, v)
		h, _ := n.height(ctx)
		r.res.Series = append(r.res.Series, SeriesPoint{h, v})
	}
	r.res.GenerateHighMs = median(high)
	r.res.GenerateHighAt, _ = n.height(ctx)
	r.res.HighActiveRSSMB = mb(n.rss())
	r.logf("generatetoaddress at height %d: %.4f ms/block (%.4f)", r.res.GenerateHighAt, r.res.GenerateHighMs, high)

	// The long chain, restarted and idle.
	n.stop()
	r.nodes = slices.DeleteFunc(r.nodes, func(x *node) bool { return x == n })
	n, err = restartNode(ctx, cfg.Exe, n, cfg.NodeArgs)
	if err != nil {
		return err
	}
	r.nodes = append(r.nodes, n)
	time.Sleep(r.cfg.IdleWait)
	r.res.HighIdleRSSMB, r.res.HighIdleAnonMB = mb(n.rss()), mb(n.rssAnon())
	r.logf("RSS: %.0f MB after generating, %.0f MB (%.0f MB not file pages) restarted and idle at height %d",
		r.res.HighActiveRSSMB, r.res.HighIdleRSSMB, r.res.HighIdleAnonMB, r.res.GenerateHighAt)
	return nil
}

// sync1000 times a fresh node syncing 1,000 blocks from a node holding
// exactly that many, and a fresh btcd doing the same from a btcd, their
// syncs alternated Reps times (the medians are reported): one sync lasts a
// fraction of a second, and the load of a shared machine shifts between
// two of them.
func (r *runner) sync1000(ctx context.Context) error {
	src, err := r.start(ctx, "sync1000-src")
	if err != nil {
		return err
	}
	if _, err := r.generateChunk(ctx, src, 1000); err != nil {
		return err
	}
	var bsrc *btcd
	if r.cfg.Btcd != "" {
		if bsrc, err = r.startBtcd(ctx, "btcd-sync-src", ""); err != nil {
			return err
		}
		if _, err := r.btcdChunk(ctx, bsrc, 1000); err != nil {
			return err
		}
	}
	var ours, oursStart, theirs, theirsStart []float64
	for i := range max(r.cfg.Reps, 1) {
		if bsrc != nil {
			rate, fromStart, err := r.btcdSync(ctx, bsrc, fmt.Sprintf("btcd-sync-%d", i))
			if err != nil {
				return err
			}
			theirs, theirsStart = append(theirs, rate), append(theirsStart, fromStart)
			r.btcds[len(r.btcds)-1].stop()
			r.btcds = r.btcds[:len(r.btcds)-1]
		}
		rate, fromStart, err := r.timeSync(ctx, src, r.genesis, fmt.Sprintf("sync1000-%d", i))
		if err != nil {
			return err
		}
		ours, oursStart = append(ours, rate), append(oursStart, fromStart)
		r.nodes[len(r.nodes)-1].stop()
		r.nodes = r.nodes[:len(r.nodes)-1]
	}
	r.res.Sync1000BlocksPerSec, r.res.Sync1000FromStartPerSec = median(ours), median(oursStart)
	r.logf("sync of 1,000 empty blocks: %.0f blocks/s (%.0f)", r.res.Sync1000BlocksPerSec, ours)
	if bsrc != nil {
		r.res.BtcdSyncPerSec, r.res.BtcdSyncFromStartPerSec = median(theirs), median(theirsStart)
		r.res.Sync1000VsBtcd = r.res.Sync1000BlocksPerSec / r.res.BtcdSyncPerSec
		r.logf("btcd sync of 1,000 empty blocks: %.0f blocks/s (%.0f); ours/btcd %.2f", r.res.BtcdSyncPerSec, theirs, r.res.Sync1000VsBtcd)
	}
	return nil
}

// btcdSync starts a btcd connected to src and times its catch-up, from its
// RPC answering and from its start.
func (r *runner) btcdSync(ctx context.Context, src *btcd, name string) (rate, fromStart float64, err error) {
	target, err := src.height(ctx)
	if err != nil {
		return 0, 0, err
	}
	launched := time.Now()
	b, err := r.startBtcd(ctx, name, fmt.Sprintf("127.0.0.1:%d", src.p2pPort))
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	from, err := b.height(ctx)
	if err != nil {
		return 0, 0, err
	}
	for {
		h, err := b.height(ctx)
		if err != nil {
			return 0, 0, err
		}
		if h >= target {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return 0, 0, fmt.Errorf("btcd sync stuck at %d of %d", h, target)
		}
		time.Sleep(time.Millisecond)
	}
	rate = float64(target-from) / time.Since(start).Seconds()
	fromStart = float64(target) / time.Since(launched).Seconds()
	r.logf("%s: %d blocks, %.0f blocks/s from its RPC answering (%d blocks then), %.0f blocks/s from its start",
		name, target, rate, from, fromStart)
	return rate, fromStart, nil
}

// timeSync starts a fresh node peered with src and returns the blocks per
// second it syncs, from its RPC answering to its tip being src's.
func (r *runner) timeSync(ctx context.Context, src *node, genesis, name string) (rate, fromStart float64, err error) {
	target, err := src.bestHash(ctx)
	if err != nil {
		return 0, 0, err
	}
	targetHeight, err := src.height(ctx)
	if err != nil {
		return 0, 0, err
	}
	launched := time.Now()
	n, err := r.startOn(ctx, genesis, name, src.p2pAddr)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	from, err := n.height(ctx)
	if err != nil {
		return 0, 0, err
	}
	for {
		h, err := n.bestHash(ctx)
		if err != nil {
			return 0, 0, err
		}
		if h == target {
			break
		}
		if time.Since(start) > 10*time.Minute {
			height, _ := n.height(ctx)
			return 0, 0, fmt.Errorf("%s: sync stuck at height %d of %d", name, height, targetHeight)
		}
		time.Sleep(time.Millisecond)
	}
	rate = float64(targetHeight-from) / time.Since(start).Seconds()
	if from > targetHeight/2 { // mostly synced before its RPC answered: count from its start
		rate = float64(targetHeight) / time.Since(launched).Seconds()
	}
	fromStart = float64(targetHeight) / time.Since(launched).Seconds()
	r.logf("%s: %d blocks, %.0f blocks/s from its RPC answering (%d blocks then), %.0f blocks/s from its start",
		name, targetHeight, rate, from, fromStart)
	return rate, fromStart, nil
}

// syncEmpty times a fresh node syncing SyncBlocks empty blocks.
func (r *runner) syncEmpty(ctx context.Context) error {
	src, err := r.start(ctx, "sync-src")
	if err != nil {
		return err
	}
	for left := r.cfg.SyncBlocks; left > 0; left -= 10_000 {
		if _, err := r.generateChunk(ctx, src, min(left, 10_000)); err != nil {
			return err
		}
	}
	if r.res.SyncBlocksPerSec, _, err = r.timeSync(ctx, src, r.genesis, "sync"); err != nil {
		return err
	}
	r.logf("sync of %d empty blocks: %.0f blocks/s", r.cfg.SyncBlocks, r.res.SyncBlocksPerSec)
	return nil
}

// spend returns a signed transaction spending the next genesis allocation
// back to the bench key.
func (r *runner) spend() (*chain.Transaction, error) {
	if r.nextTx >= len(r.params.Genesis.Alloc) {
		return nil, errors.New("out of genesis allocations")
	}
	key := benchKey()
	addr := chain.AddressFromPubKey(key.PubKey())
	op := chain.OutPoint{TxID: r.params.GenesisBlock.Transactions[0].TxID(), Index: uint32(r.nextTx)}
	r.nextTx++
	tx := &chain.Transaction{Version: 1, Inputs: []chain.TxIn{{PrevOut: op}},
		Outputs: []chain.TxOut{{Amount: allocAmount - txFee, Address: addr}}}
	spent := []chain.TxOut{{Amount: allocAmount, Address: addr}}
	if err := chain.SignTransaction(tx, spent, []*btcec.PrivateKey{key}, r.params.GenesisHash); err != nil {
		return nil, err
	}
	return tx, nil
}

// syncTx fills TxBlocks blocks of 1,000 transactions each, submitted with
// sendrawtransaction (the admission rate), then times a fresh node syncing
// them.
func (r *runner) syncTx(ctx context.Context) error {
	src, err := r.startOn(ctx, r.txGen, "tx-src")
	if err != nil {
		return err
	}
	var admit time.Duration
	for range r.cfg.TxBlocks {
		hexes := make([]string, txsPerBlock)
		for i := range hexes {
			tx, err := r.spend()
			if err != nil {
				return err
			}
			hexes[i] = hex.EncodeToString(tx.Serialize())
		}
		start := time.Now()
		for _, h := range hexes {
			if err := src.call(ctx, nil, "sendrawtransaction", h); err != nil {
				return err
			}
		}
		admit += time.Since(start)
		var hashes []string
		if err := src.call(ctx, &hashes, "generatetoaddress", 1, r.miner); err != nil {
			return err
		}
		var blk struct {
			NTx int `json:"nTx"`
		}
		if err := src.call(ctx, &blk, "getblock", hashes[0], 1); err != nil {
			return err
		}
		if blk.NTx != txsPerBlock+1 {
			return fmt.Errorf("block of %d transactions, want %d", blk.NTx, txsPerBlock+1)
		}
	}
	r.res.AdmissionTxPerSec = float64(r.cfg.TxBlocks*txsPerBlock) / admit.Seconds()
	r.logf("mempool admission (sendrawtransaction, one client): %.0f tx/s", r.res.AdmissionTxPerSec)
	rate, _, err := r.timeSync(ctx, src, r.txGen, "tx-sync")
	if err != nil {
		return err
	}
	r.res.SyncTxBlocksPerSec = rate
	r.res.SyncTxPerSec = rate * txsPerBlock
	r.logf("sync of %d blocks of 1,000 transactions: %.1f blocks/s, %.0f tx/s", r.cfg.TxBlocks, rate, r.res.SyncTxPerSec)
	return nil
}

// propagation times blocks and transactions across a line of 5 nodes.
func (r *runner) propagation(ctx context.Context) error {
	const count = 5
	var line []*node
	for i := range count {
		var peers []string
		if i > 0 {
			peers = []string{line[i-1].p2pAddr}
		}
		n, err := r.startOn(ctx, r.txGen, fmt.Sprintf("line%d", i), peers...)
		if err != nil {
			return err
		}
		line = append(line, n)
	}
	// Connected and agreeing on a first block.
	if _, err := r.generateChunk(ctx, line[0], 1); err != nil {
		return err
	}
	if err := waitAll(ctx, line[1:], 60*time.Second, func(n *node) (bool, error) {
		h, err := n.height(ctx)
		return h >= 1, err
	}); err != nil {
		return fmt.Errorf("line does not converge: %w", err)
	}
	time.Sleep(2 * time.Second) // let the gossip mesh form (heartbeat 1 s)
	var blocks, txs []float64
	for range r.cfg.Samples {
		start := time.Now()
		var hashes []string
		if err := line[0].call(ctx, &hashes, "generatetoaddress", 1, r.miner); err != nil {
			return err
		}
		if err := waitAll(ctx, line[1:], 30*time.Second, func(n *node) (bool, error) {
			h, err := n.bestHash(ctx)
			return h == hashes[0], err
		}); err != nil {
			return fmt.Errorf("block propagation: %w", err)
		}
		blocks = append(blocks, ms(time.Since(start)))
	}
	for range r.cfg.Samples {
		tx, err := r.spend()
		if err != nil {
			return err
		}
		txid := tx.TxID().String()
		start := time.Now()
		if err := line[0].call(ctx, nil, "sendrawtransaction", hex.EncodeToString(tx.Serialize())); err != nil {
			return err
		}
		if err := waitAll(ctx, line[1:], 30*time.Second, func(n *node) (bool, error) {
			return n.call(ctx, nil, "getrawtransaction", txid) == nil, nil
		}); err != nil {
			return fmt.Errorf("transaction propagation: %w", err)
		}
		txs = append(txs, ms(time.Since(start)))
	}
	r.res.BlockPropMedianMs, r.res.BlockPropP90Ms = median(blocks), percentile(blocks, 0.9)
	r.res.TxPropMedianMs, r.res.TxPropP90Ms = median(txs), percentile(txs, 0.9)
	r.logf("block propagation over 5 nodes: median %.2f ms, p90 %.2f ms", r.res.BlockPropMedianMs, r.res.BlockPropP90Ms)
	r.logf("transaction propagation over 5 nodes: median %.2f ms, p90 %.2f ms", r.res.TxPropMedianMs, r.res.TxPropP90Ms)

	time.Sleep(r.cfg.IdleWait)
	var sum float64
	for _, n := range line {
		sum += mb(n.rss())
	}
	r.res.LineMeanRSSMB = sum / count
	fresh, err := r.start(ctx, "idle")
	if err != nil {
		return err
	}
	time.Sleep(r.cfg.IdleWait)
	r.res.IdleRSSMB, r.res.IdleAnonMB = mb(fresh.rss()), mb(fresh.rssAnon())
	r.logf("RSS: fresh idle node %.0f MB; 5-node line idle, mean %.0f MB", r.res.IdleRSSMB, r.res.LineMeanRSSMB)
	return nil
}

// waitAll polls every node concurrently until cond holds for each.
func waitAll(ctx context.Context, nodes []*node, timeout time.Duration, cond func(*node) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errs := make(chan error, len(nodes))
	for _, n := range nodes {
		go func() {
			for {
				ok, err := cond(n)
				if err == nil && ok {
					errs <- nil
					return
				}
				if ctx.Err() != nil {
					errs <- fmt.Errorf("%s: %w (last error: %v)", n.name, ctx.Err(), err)
					return
				}
				time.Sleep(100 * time.Microsecond)
			}
		}()
	}
	var first error
	for range nodes {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func median(xs []float64) float64 { return percentile(xs, 0.5) }

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// machine describes the CPU and Go version the run is on.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range splitLines(string(data)) {
			if name, ok := cutField(line, "model name"); ok {
				model = name
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d vCPU, %s", model, numCPU(), goVersion())
}
