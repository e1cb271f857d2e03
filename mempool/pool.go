package mempool

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// ChainView is what the pool needs of the active chain. The caller keeps it
// stable (under its own lock) for the length of a call; consensus.Engine
// implements it.
type ChainView interface {
	// UTXO returns the unspent output at op on the active chain.
	UTXO(op chain.OutPoint) (consensus.UTXO, bool, error)
	// Height returns the tip height: pool transactions would be mined in a
	// block at Height()+1, and coinbase maturity is judged at that height.
	Height() uint32
}

// Defaults for a zero Config field.
const (
	DefaultMaxBytes       = 64 << 20 // 64 MiB of transactions
	DefaultMinFeeRate     = 1        // units per byte
	DefaultMaxOrphans     = 100
	DefaultOrphanTTL      = 20 * time.Minute
	DefaultMaxTxBytes     = 100_000 // Bitcoin Core's standard size limit
	DefaultMaxAncestors   = 25      // Bitcoin Core's chain limits, counting the transaction itself
	DefaultMaxDescendants = 25
	DefaultMinFeeHalfLife = 12 * time.Hour
)

// blockOverhead is room a block needs besides its transactions' share of a
// pool transaction: header, count and a coinbase with a few outputs.
const blockOverhead = 1000

// Config configures a Pool. Zero fields take the defaults.
type Config struct {
	// Params are the chain's consensus parameters (required).
	Params *consensus.Params
	// MaxBytes bounds the sum of the pool's transaction sizes
	// (Transaction.SerializeSize); default 64 MiB.
	MaxBytes int64
	// MinFeeRate is the minimum fee rate in units per byte, Bitcoin Core's
	// minrelaytxfee; default 1, negative for none.
	MinFeeRate int64
	// MaxTxBytes is the largest transaction the pool takes ("tx-size");
	// default 100,000 bytes, and never more than a block can hold beside its
	// coinbase.
	MaxTxBytes int64
	// MaxAncestors and MaxDescendants bound chains of unconfirmed
	// transactions, counting the transaction itself ("too-long-mempool-chain");
	// default 25 each, as Bitcoin Core.
	MaxAncestors   int
	MaxDescendants int
	// MaxOrphans bounds the orphan pool's count (default 100) and
	// MaxOrphanBytes its total size (default MaxOrphans × MaxTxBytes).
	MaxOrphans     int
	MaxOrphanBytes int64
	// OrphanTTL is how long an orphan waits for its parents; default 20 min.
	OrphanTTL time.Duration
	// MinFeeHalfLife is the half-life of the rolling minimum fee rate raised
	// by evictions; default 12 hours.
	MinFeeHalfLife time.Duration
	// Logger receives admissions, rejections, evictions and reorg summaries;
	// nil discards.
	Logger *slog.Logger
	// SigCache, when set, receives the signatures of every transaction the
	// pool verifies (Bitcoin Core's signature cache): the engine finds them
	// there when a block confirms the transaction, and does not verify them
	// again. A signature the cache already holds is not verified again here.
	SigCache consensus.SigCache
	// SigVerifier verifies a transaction's signatures; nil verifies them
	// one after another on the calling goroutine.
	SigVerifier consensus.SigVerifier
}

func (c Config) withDefaults() Config {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	switch {
	case c.MinFeeRate == 0:
		c.MinFeeRate = DefaultMinFeeRate
	case c.MinFeeRate < 0:
		c.MinFeeRate = 0
	}
	if c.MaxTxBytes <= 0 {
		c.MaxTxBytes = DefaultMaxTxBytes
	}
	if limit := c.Params.MaxBlockBytes - blockOverhead; limit > 0 && c.MaxTxBytes > limit {
		c.MaxTxBytes = limit
	}
	if c.MaxAncestors <= 0 {
		c.MaxAncestors = DefaultMaxAncestors
	}
	if c.MaxDescendants <= 0 {
		c.MaxDescendants = DefaultMaxDescendants
	}
	if c.MaxOrphans <= 0 {
		c.MaxOrphans = DefaultMaxOrphans
	}
	if c.MaxOrphanBytes <= 0 {
		c.MaxOrphanBytes = int64(c.MaxOrphans) * c.MaxTxBytes
	}
	if c.OrphanTTL <= 0 {
		c.OrphanTTL = DefaultOrphanTTL
	}
	if c.MinFeeHalfLife <= 0 {
		c.MinFeeHalfLife = DefaultMinFeeHalfLife
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// Entry describes a pool transaction. Entries returned by the pool are
// copies taken at the time of the call; Tx is shared and must not be changed.
type Entry struct {
	Tx   *chain.Transaction
	TxID chain.Hash
	// Fee is inputs minus outputs, in units; Size is Tx.SerializeSize().
	Fee, Size int64
	// Time is when the transaction entered the pool (the now of the call).
	Time time.Time
	// Height is the chain height when it entered.
	Height uint32
	// Depends are the in-pool transactions it spends from, in input order;
	// SpentBy the in-pool transactions spending from it, in arrival order.
	Depends []chain.Hash
	SpentBy []chain.Hash
	// Ancestor and descendant package statistics, counting the transaction
	// itself, as Bitcoin Core's getrawmempool reports them.
	AncestorCount, AncestorSize, AncestorFees       int64
	DescendantCount, DescendantSize, DescendantFees int64
}

// FeeRate returns the entry's fee rate in units per byte, rounded down.
func (e *Entry) FeeRate() int64 { return rateFloor(e.Fee, e.Size) }

// Info summarises the pool, as getmempoolinfo.
type Info struct {
	Size     int   // transactions
	Bytes    int64 // sum of their sizes
	TotalFee int64 // sum of their fees
	MaxBytes int64
	// MinFeeRate is the effective minimum fee rate in units per byte: the
	// configured one, or higher for a while after evictions.
	MinFeeRate int64
	// MinRelayFeeRate is the configured minimum.
	MinRelayFeeRate int64
	Orphans         int   // transactions in the orphan pool
	OrphanBytes     int64 // their total size
}

// Pool is the memory pool of unconfirmed transactions. It is safe for
// concurrent use; it starts no goroutines and reads no clock (time is an
// argument), and never reads the chain except through the ChainView of the
// call.
type Pool struct {
	cfg Config
	log *slog.Logger

	mu         sync.RWMutex
	entries    map[chain.Hash]*txEntry
	spent      map[chain.OutPoint]*txEntry // outpoint -> the pool tx spending it
	evict      evictHeap
	cbSpenders map[*txEntry]struct{}
	bytes      int64
	totalFee   int64
	nextSeq    uint64

	rollingMin     int64 // units per byte; 0 when not raised
	rollingUpdated time.Time
	blockSinceBump bool

	orphans *orphanPool
	recent  *recentBlocks
}

// New returns an empty pool. cfg.Params is required.
func New(cfg Config) *Pool {
	if cfg.Params == nil {
		panic("mempool: Config.Params is required")
	}
	cfg = cfg.withDefaults()
	return &Pool{
		cfg:            cfg,
		log:            cfg.Logger,
		entries:        map[chain.Hash]*txEntry{},
		spent:          map[chain.OutPoint]*txEntry{},
		cbSpenders:     map[*txEntry]struct{}{},
		blockSinceBump: true,
		orphans:        newOrphanPool(cfg.MaxOrphans, cfg.MaxOrphanBytes, cfg.OrphanTTL),
		recent:         newRecentBlocks(),
	}
}

// tick does the time-driven upkeep due at now: the rolling minimum fee's
// decay and orphan expiry.
func (p *Pool) tick(now time.Time) {
	p.decayMinFee(now)
	for _, o := range p.orphans.expire(now) {
		p.log.Debug("orphan_expired", "txid", o.txid)
	}
}

// Accept validates tx against view and the pool and adds it. Its inputs may
// spend confirmed outputs or outputs of pool transactions. It then admits
// the orphans that tx made valid, recursively. It returns the entries added,
// tx first.
//
// A refusal is a *RejectError (see RejectCode). A transaction whose inputs
// are unknown is kept in the orphan pool and refused with RejectOrphan.
// Other errors are failures reading view and say nothing of tx.
func (p *Pool) Accept(tx *chain.Transaction, view ChainView, now time.Time) ([]*Entry, error) {
	txid := tx.TxID()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tick(now)
	if p.orphans.has(txid) {
		return nil, missingInputs(RejectOrphan, txid, "already in the orphan pool, waiting for its parents")
	}
	e, err := p.admit(tx, txid, view, now, admitOptions{})
	if err != nil {
		var re *RejectError
		if errors.As(err, &re) && re.Code == RejectOrphan {
			kept, evicted := p.orphans.add(tx, txid, now)
			for _, ev := range evicted {
				p.log.Debug("orphan_evicted", "txid", ev.txid)
			}
			p.log.Debug("orphan_added", "txid", txid, "kept", kept, "orphans", p.orphans.len())
		} else {
			p.log.Debug("tx_rejected", "txid", txid, "err", err)
		}
		return nil, err
	}
	added := append([]*txEntry{e}, p.adoptOrphans([]chain.Hash{txid}, view, now)...)
	// An orphan's admission may evict for room, even a sibling added here.
	added = slices.DeleteFunc(added, func(x *txEntry) bool { return p.entries[x.txid] != x })
	return snapshots(added), nil
}

// Check is testmempoolaccept: the judgement Accept would make, without
// changing the pool. It returns the fee. A RejectOrphan from Check means
// Accept would keep the transaction as an orphan; Check keeps nothing.
func (p *Pool) Check(tx *chain.Transaction, view ChainView) (fee int64, err error) {
	txid := tx.TxID()
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.check(tx, txid, view, admitOptions{})
	if err != nil {
		return 0, err
	}
	return c.fee, nil
}

// Get returns the pool entry of txid.
func (p *Pool) Get(txid chain.Hash) (*Entry, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	e, ok := p.entries[txid]
	if !ok {
		return nil, false
	}
	return e.snapshot(), true
}

// Has reports whether txid is in the pool (not counting orphans).
func (p *Pool) Has(txid chain.Hash) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	_, ok := p.entries[txid]
	return ok
}

// HasOrphan reports whether txid waits in the orphan pool.
func (p *Pool) HasOrphan(txid chain.Hash) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.orphans.has(txid)
}

// Entries returns every pool transaction in arrival order.
func (p *Pool) Entries() []*Entry {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return snapshots(p.inArrivalOrder())
}

// TxIDs returns the txids of the pool transactions in arrival order
// (getrawmempool).
func (p *Pool) TxIDs() []chain.Hash {
	p.mu.RLock()
	defer p.mu.RUnlock()
	es := p.inArrivalOrder()
	ids := make([]chain.Hash, len(es))
	for i, e := range es {
		ids[i] = e.txid
	}
	return ids
}

// inArrivalOrder returns the pool's entries, oldest first. The caller holds
// p.mu.
func (p *Pool) inArrivalOrder() []*txEntry {
	es := make([]*txEntry, 0, len(p.entries))
	for _, e := range p.entries {
		es = append(es, e)
	}
	slices.SortFunc(es, cmpSeq)
	return es
}

// SpentBy returns the pool transaction that spends op.
func (p *Pool) SpentBy(op chain.OutPoint) (chain.Hash, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	e, ok := p.spent[op]
	if !ok {
		return chain.Hash{}, false
	}
	return e.txid, true
}

// Output returns output op.Index of a pool transaction, for callers that
// look at unconfirmed outputs (gettxout with include_mempool).
func (p *Pool) Output(op chain.OutPoint) (chain.TxOut, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	e, ok := p.entries[op.TxID]
	if !ok || int(op.Index) >= len(e.tx.Outputs) {
		return chain.TxOut{}, false
	}
	return e.tx.Outputs[op.Index], true
}

// Info summarises the pool.
func (p *Pool) Info() Info {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return Info{
		Size:            len(p.entries),
		Bytes:           p.bytes,
		TotalFee:        p.totalFee,
		MaxBytes:        p.cfg.MaxBytes,
		MinFeeRate:      p.minFeeRate(),
		MinRelayFeeRate: p.cfg.MinFeeRate,
		Orphans:         p.orphans.len(),
		OrphanBytes:     p.orphans.bytes,
	}
}
