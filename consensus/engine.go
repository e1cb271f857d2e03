package consensus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus/store"
)

// ErrWrongChain is returned when a store holds another chain than the
// genesis the engine was given.
var ErrWrongChain = errors.New("consensus: datadir belongs to another chain")

// ErrUnknownBlock is returned for a hash the block index does not hold.
var ErrUnknownBlock = errors.New("consensus: block not found")

// Config configures an Engine.
type Config struct {
	Params *Params
	Store  store.Store
	// Logger receives tip changes, reorgs and rejected blocks; nil discards.
	Logger *slog.Logger
	// MaxOrphans bounds the orphan pool (default 100 blocks).
	MaxOrphans int
	// SigVerifier verifies the signatures of the blocks being connected, a
	// block's at once; nil verifies them one after another on the calling
	// goroutine. A node injects a parallel one (package sigverify): the
	// engine itself starts no goroutines, and any verifier gives the same
	// verdicts.
	SigVerifier SigVerifier
	// SigCache, when set, holds signatures verified before (the mempool
	// adds those of the transactions it accepts); a block's signatures found
	// there are not verified again. Verdicts are the same without it.
	SigCache SigCache
	// Indexers keep the optional indexes (indexer.go). Nil means
	// DefaultIndexers(); an empty, non-nil slice keeps none. A datadir's
	// indexes are only correct if every engine on it kept the same ones.
	Indexers []Indexer
	// BlockBytes, when set, returns b.Serialize(), possibly a copy shared
	// with other engines (the fork laboratory serializes each mined block
	// once for its hundreds of nodes). The engine and its store only read
	// the bytes. Nil: b.Serialize().
	BlockBytes func(b *chain.Block) []byte
	// BlockIDs, when set, returns b.Hash() and b.TxIDs(), possibly
	// remembered from an earlier call for the same block, which must then
	// not have changed since (the fork laboratory hands one *chain.Block
	// to hundreds of engines and hashes it once). The engine only reads
	// the txids. Nil: hashed here.
	BlockIDs func(b *chain.Block) (hash chain.Hash, txids []chain.Hash)
	// BlockNumbers, when set, numbers the hashes of the block index (a
	// table shared by many engines, index.go). Nil: the store's numbers
	// when it has them (store.Memory), else the index is a map.
	BlockNumbers BlockNumbers
}

// Engine is the consensus state machine: it takes blocks and headers and the
// current time, validates them, keeps the block index, follows the valid
// chain with the most work and writes every connect and disconnect to its
// store as one atomic update.
//
// An Engine starts no goroutines and reads no clock; it is not safe for
// concurrent use. Callers serialise access (the node holds a mutex).
type Engine struct {
	params   *Params
	store    store.Store
	log      *slog.Logger
	halted   error // halt.go: the store failure after which nothing changes
	indexers []Indexer
	// blockBytes is Config.BlockBytes (nil: serialize here).
	blockBytes func(*chain.Block) []byte
	// blockIDs is Config.BlockIDs (nil: hash here).
	blockIDs func(*chain.Block) (chain.Hash, []chain.Hash)
	index    blockIndex   // index.go
	main     []*blockNode // the active chain, by height
	// tipNode is main's last block, beside index: asking for the tip
	// reads no slice's end (a cold line per block in a simulation).
	tipNode *blockNode
	// mainTimes are the timestamps of main's blocks, side by side: the
	// median time past of a main-chain block reads one cache line, not
	// eleven scattered nodes.
	mainTimes []uint32
	// candidates are the blocks that may become the tip, each marked by
	// its candidate flag: usually the tip and the block extending it, so a
	// short slice (no map insert, delete and walk per block).
	candidates []*blockNode
	orphans    orphanPool // by value: an empty pool costs no pointer chase
	// rejected are hashes refused for good that the index does not hold,
	// so their orphans and late children are refused too.
	rejected *recentRejects
	nextSeq  uint64
	// bestHeaderHeight is the greatest height of any header in the index.
	bestHeaderHeight uint32
	// call holds the blocks given or read during one call (callblocks.go),
	// emptied when it returns.
	call callBlocks

	nodeChunk []blockNode // the next block nodes to hand out (blockindex.go)
	// absent, when absentValid, is a hash HaveBlock just found missing
	// from the index (cleared when a node joins it): the block a node
	// asks about, then gives, is looked up once.
	absent         chain.Hash
	absentValid    bool
	connectScratch connectScratch
	changes        changes // refilled by every connect and disconnect

	sigVerifier SigVerifier
	sigCache    SigCache
	sigChecks   []SigCheck // reused between connects
	sigOwners   []sigOwner
}

// Status says where ProcessBlock put a block.
type Status int

// Block outcomes.
const (
	StatusMainChain Status = iota + 1 // on the active chain after the call
	StatusSideChain                   // stored on a branch with no more work than the active one
	StatusOrphan                      // parent unknown: kept in the orphan pool
	StatusDuplicate                   // already known
)

func (s Status) String() string {
	switch s {
	case StatusMainChain:
		return "main-chain"
	case StatusSideChain:
		return "side-chain"
	case StatusOrphan:
		return "orphan"
	case StatusDuplicate:
		return "duplicate"
	}
	return "rejected"
}

// Result reports what a call did to the chain. It is returned even with an
// error: a branch can be partly connected before one of its blocks fails.
type Result struct {
	Hash   chain.Hash
	Status Status // zero when the block was rejected
	// MissingParent, for an orphan, is the oldest unknown ancestor's hash:
	// the block to fetch.
	MissingParent chain.Hash
	// Disconnected are the blocks that left the active chain, tip first;
	// Connected the blocks that joined it, oldest first. Together they take
	// the active chain from the tip before the call to the tip after it.
	Disconnected []*chain.Block
	Connected    []*chain.Block
	// Orphans are the outcomes of orphans adopted because this block was
	// their missing parent.
	Orphans []OrphanOutcome

	// connected backs Connected for the usual call that connects one
	// block: one allocation (the Result) instead of two.
	connected [1]*chain.Block
	// node is the block's index entry once accepted (else nil).
	node *blockNode
}

// OrphanOutcome is what became of an orphan whose parent arrived.
type OrphanOutcome struct {
	Hash   chain.Hash
	Status Status
	Err    error
}

// New opens the chain in cfg.Store: an empty store is initialised with the
// genesis block, a store of another genesis is refused with ErrWrongChain,
// and a reorg interrupted by a crash is finished.
func New(cfg Config) (*Engine, error) {
	e := &Engine{
		params:      cfg.Params,
		store:       cfg.Store,
		log:         cfg.Logger,
		orphans:     *newOrphanPool(cfg.MaxOrphans),
		rejected:    newRecentRejects(),
		call:        newCallBlocks(),
		sigVerifier: cfg.SigVerifier,
		sigCache:    cfg.SigCache,
		indexers:    cfg.Indexers,
		blockBytes:  cfg.BlockBytes,
		blockIDs:    cfg.BlockIDs,
	}
	if e.indexers == nil {
		e.indexers = DefaultIndexers()
	}
	numbers := cfg.BlockNumbers
	if ns, ok := cfg.Store.(numberedStore); ok && numbers == nil {
		if t := ns.BlockNumbers(); t != nil {
			numbers = t
		}
	}
	e.index = newBlockIndex(numbers)
	if e.sigVerifier == nil {
		e.sigVerifier = SequentialVerifier{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	genesis, ok, err := e.store.Genesis()
	if err != nil {
		return nil, err
	}
	if ok && genesis != e.params.GenesisHash {
		return nil, fmt.Errorf("%w: it holds genesis %s, genesis.json gives %s", ErrWrongChain, genesis, e.params.GenesisHash)
	}
	if !ok {
		if err := e.initGenesis(); err != nil {
			return nil, err
		}
	}
	if err := e.loadIndex(); err != nil {
		return nil, err
	}
	defer e.clearCache()
	if _, err := e.activateBestChain(); err != nil {
		return nil, err
	}
	return e, nil
}

// initGenesis writes the genesis block and its allocations.
func (e *Engine) initGenesis() error {
	g := e.params.GenesisBlock
	node := e.newBlockNode(g.Header, e.params.GenesisHash, nil)
	node.status = store.StatusHaveData | store.StatusValid
	if err := e.store.PutBlock(node.record(), g.Serialize()); err != nil {
		return err
	}
	defer e.changes.release()
	changes, err := e.blockChanges(g, node, false)
	if err != nil {
		return fmt.Errorf("consensus: genesis block: %w", err)
	}
	update := e.connectUpdate(changes, node)
	update.Genesis = &node.hash
	return e.store.Apply(update)
}

// loadIndex rebuilds the block index and the active chain from the store.
func (e *Engine) loadIndex() error {
	var recs []store.BlockRecord
	if err := e.store.ForEachRecord(func(r store.BlockRecord) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		return fmt.Errorf("consensus: load block index: %w", err)
	}
	slices.SortFunc(recs, func(a, b store.BlockRecord) int { return int(a.Height) - int(b.Height) })
	for _, r := range recs {
		if r.Height == 0 && r.Header.Hash() != e.params.GenesisHash {
			return fmt.Errorf("consensus: load block index: %w: block %s recorded at height 0 is not the genesis block", store.ErrCorrupt, r.Header.Hash())
		}
		var parent *blockNode
		if r.Height > 0 {
			parent = e.index.get(r.Header.PrevBlock)
			if parent == nil {
				return fmt.Errorf("consensus: load block index: %w: block %s at height %d has no parent record", store.ErrCorrupt, r.Header.Hash(), r.Height)
			}
		}
		n := e.newBlockNode(r.Header, r.Header.Hash(), parent)
		if n.height != r.Height {
			return fmt.Errorf("consensus: load block index: %w: block %s recorded at height %d, parent gives %d", store.ErrCorrupt, n.hash, r.Height, n.height)
		}
		n.status = r.Status
		n.seq = 1
		e.addNode(n)
	}
	tipHash, err := e.store.Tip()
	if err != nil {
		return err
	}
	tip := e.index.get(tipHash)
	if tip == nil {
		return fmt.Errorf("consensus: load block index: %w: tip %s is not in the index", store.ErrCorrupt, tipHash)
	}
	e.main = make([]*blockNode, tip.height+1)
	e.tipNode = tip
	e.mainTimes = make([]uint32, tip.height+1)
	for n := tip; n != nil; n = n.parent {
		e.main[n.height] = n
		e.mainTimes[n.height] = n.header.Timestamp
		n.seq = 0
	}
	e.nextSeq = 2
	for _, r := range recs {
		n := e.index.get(r.Header.Hash())
		n.haveChain = n.status.Has(store.StatusHaveData) && (n.parent == nil || n.parent.haveChain)
	}
	e.rebuildCandidates()
	return nil
}

// lookup is e.index.get(hash), without the map for a hash HaveBlock or lookup
// just found missing (remembered until a node joins the index).
func (e *Engine) lookup(hash chain.Hash) *blockNode {
	if e.absentValid && e.absent == hash {
		return nil
	}
	n := e.index.get(hash)
	if n == nil {
		e.absent, e.absentValid = hash, true
	}
	return n
}

// find is lookup(hash) for a block whose header names prev as its previous
// block. Every indexed block but the genesis is linked under its parent
// (addNode), so a child of the tip is among the tip's children: usually
// none, and no map look-up.
func (e *Engine) find(hash, prev chain.Hash) *blockNode {
	tip := e.tip()
	if tip.hash != prev {
		return e.lookup(hash)
	}
	for c := tip.firstChild; c != nil; c = c.nextSibling {
		if c.hash == hash {
			return c
		}
	}
	return nil
}

// addNode links n into the index under its parent.
func (e *Engine) addNode(n *blockNode) {
	e.index.put(n)
	e.absentValid = false
	if n.parent != nil {
		n.parent.addChild(n)
	}
	if n.height > e.bestHeaderHeight {
		e.bestHeaderHeight = n.height
	}
}

// ProcessBlock validates b at time now and adds it to the chain: to the
// active chain (possibly through a reorg), to a side branch, or to the
// orphan pool. A block that breaks a rule is rejected with a *RuleError; a
// store failure is returned wrapped and is never a verdict on the block.
func (e *Engine) ProcessBlock(b *chain.Block, now time.Time) (*Result, error) {
	hash, txids := e.ids(b)
	if err := e.haltedErr(); err != nil {
		return &Result{Hash: hash}, err
	}
	defer e.clearCache()
	before := e.tip()
	res := &Result{Hash: hash}
	err := e.processBlock(b, txids, now, res)
	if err == nil && res.Status != StatusOrphan && res.Status != StatusDuplicate {
		err = e.adoptOrphans(res.Hash, now, res)
	}
	if invalidForGood(err) {
		e.refuseForGood(res.Hash, res)
	}
	if ferr := e.flushBlocks(); err == nil {
		err = ferr
	}
	if ferr := e.fillReorg(res, before); err == nil {
		err = ferr
	}
	if res.Status == StatusMainChain || res.Status == StatusSideChain {
		res.Status = e.placement(res.node)
	}
	e.logResult(res, before, err)
	return res, e.noteFailure(err)
}

// processBlock accepts one block (hash res.Hash, txids when already
// known, else nil); failures of blocks it connects on the way are reported
// through the block's own error when they concern it.
func (e *Engine) processBlock(b *chain.Block, txids []chain.Hash, now time.Time, res *Result) error {
	hash := res.Hash
	known := e.find(hash, b.Header.PrevBlock) // nil, or the header's node
	if n := known; n != nil {
		if n.failed() {
			return ruleError(ErrKnownInvalid, "block %s is known invalid", hash)
		}
		if n.status.Has(store.StatusHaveData) {
			res.Status = StatusDuplicate
			return nil
		}
	}
	if e.orphans.has(hash) {
		prev := b.Header.PrevBlock
		if e.index.get(prev) == nil && !e.rejected.has(prev) {
			res.Status = StatusOrphan
			res.MissingParent = e.orphans.root(hash)
			return nil
		}
		// The parent arrived without adopting it (as a header) or was
		// refused: judge the block now.
		e.orphans.remove(hash)
	}
	if err := CheckHashProofOfWork(hash, b.Header.Bits, e.params.PowLimit); err != nil {
		return err
	}
	if txids == nil {
		txids = b.TxIDs()
	}
	sanityErr := checkBlockSanity(b, txids, e.params)
	if re, ok := errors.AsType[*RuleError](sanityErr); ok && re.Code.mutation() {
		return sanityErr
	}
	parent := e.tip()
	if parent.hash != b.Header.PrevBlock { // the usual block extends the tip: no look-up
		parent = e.index.get(b.Header.PrevBlock)
	}
	if parent == nil {
		if sanityErr != nil {
			return sanityErr
		}
		if e.rejected.has(b.Header.PrevBlock) {
			return ruleError(ErrInvalidAncestor, "parent %s is invalid", b.Header.PrevBlock)
		}
		e.orphans.add(b, hash, now)
		res.Status = StatusOrphan
		res.MissingParent = e.orphans.root(hash)
		return nil
	}
	if parent.failed() {
		return ruleError(ErrInvalidAncestor, "parent %s is invalid", parent.hash)
	}
	if err := e.checkHeaderContext(&b.Header, parent, now); err != nil {
		return err
	}
	node := known
	if node == nil {
		node = e.newBlockNode(b.Header, hash, parent)
	}
	if sanityErr == nil {
		sanityErr = checkBlockContext(b, node.height)
	}
	if sanityErr != nil {
		return e.rejectHeaderValidBlock(node, sanityErr)
	}
	node.status |= store.StatusHaveData
	node.seq = e.nextSeq
	e.nextSeq++
	if known == nil {
		e.addNode(node)
	}
	e.call.given(hash, b, txids, node, e.serialize(b))
	res.node = node
	e.updateHaveChain(node)
	res.Status = StatusSideChain
	failures, err := e.activateBestChain()
	if err != nil {
		return err
	}
	return e.verdict(node, failures)
}

// rejectHeaderValidBlock records a block whose header is fine but whose
// transactions break a rule: the header commits to those transactions, so
// the hash is invalid for good, and so are headers already received on it.
func (e *Engine) rejectHeaderValidBlock(node *blockNode, err error) error {
	if e.index.get(node.hash) == nil {
		e.addNode(node)
	}
	if perr := e.markFailed(node, store.StatusFailed); perr != nil {
		return perr
	}
	return err
}

// verdict returns the error that concerns node after an activation: its own
// rule failure, or the failure of an ancestor on its branch.
func (e *Engine) verdict(node *blockNode, failures []failure) error {
	for _, f := range failures {
		if f.node == node {
			return f.err
		}
	}
	if node.failed() {
		for _, f := range failures {
			if node.ancestor(f.node.height) == f.node {
				return ruleError(ErrInvalidAncestor, "ancestor %s at height %d is invalid: %v", f.node.hash, f.node.height, f.err)
			}
		}
		return ruleError(ErrInvalidAncestor, "block %s descends from an invalid block", node.hash)
	}
	return nil
}

// adoptOrphans processes the orphans waiting for parent, and theirs in turn.
// Orphans descending from one found invalid are dropped as invalid too.
func (e *Engine) adoptOrphans(parent chain.Hash, now time.Time, res *Result) error {
	queue := []chain.Hash{parent}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, b := range e.orphans.takeChildren(p) {
			hash, txids := e.ids(b)
			child := &Result{Hash: hash}
			err := e.processBlock(b, txids, now, child)
			if _, rule := errors.AsType[*RuleError](err); err != nil && !rule {
				return err
			}
			res.Orphans = append(res.Orphans, OrphanOutcome{Hash: child.Hash, Status: child.Status, Err: err})
			switch {
			case err == nil:
				queue = append(queue, child.Hash)
			case invalidForGood(err):
				e.refuseForGood(child.Hash, res)
			default:
				e.dropOrphanDescendants(child.Hash, res)
			}
		}
	}
	for i := range res.Orphans {
		if o := &res.Orphans[i]; o.Err == nil {
			o.Status = e.placement(e.index.get(o.Hash))
		}
	}
	return nil
}

// invalidForGood reports whether err says that the block hash itself is
// invalid, whatever copy of it arrives later: a rule error other than a body
// that does not match its header (a mutation), a timestamp only too new for
// the clock now, or a missing parent.
func invalidForGood(err error) bool {
	re, ok := errors.AsType[*RuleError](err)
	if !ok {
		return false
	}
	switch re.Code {
	case ErrTimeTooNew, ErrPrevBlockMissing:
		return false
	}
	return !re.Code.mutation()
}

// refuseForGood records that hash is invalid for good, when the index does
// not say so already, and drops the orphans building on it as invalid:
// however the invalid block arrived, its children do not wait for it.
func (e *Engine) refuseForGood(hash chain.Hash, res *Result) {
	if n := e.index.get(hash); n == nil || !n.failed() {
		e.rejected.add(hash)
	}
	e.dropOrphanDescendants(hash, res)
}

// dropOrphanDescendants removes the orphans building on an invalid block,
// remembering them as refused.
func (e *Engine) dropOrphanDescendants(invalid chain.Hash, res *Result) {
	queue := []chain.Hash{invalid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, b := range e.orphans.takeChildren(p) {
			hash := b.Hash()
			err := ruleError(ErrInvalidAncestor, "parent %s is invalid", p)
			res.Orphans = append(res.Orphans, OrphanOutcome{Hash: hash, Err: err})
			e.rejected.add(hash)
			queue = append(queue, hash)
		}
	}
}

// placement says whether an accepted block ended on the active chain.
func (e *Engine) placement(n *blockNode) Status {
	if n != nil && e.onMainChain(n) {
		return StatusMainChain
	}
	return StatusSideChain
}

// ProcessHeader adds a header without its block (headers-first sync). The
// parent must be known. It returns true when the header is new.
func (e *Engine) ProcessHeader(h *chain.BlockHeader, now time.Time) (isNew bool, err error) {
	if err := e.haltedErr(); err != nil {
		return false, err
	}
	defer func() { err = e.noteFailure(err) }()
	added, err := e.processHeader(h, now)
	if invalidForGood(err) {
		e.refuseForGood(h.Hash(), &Result{})
	}
	return added, err
}

func (e *Engine) processHeader(h *chain.BlockHeader, now time.Time) (bool, error) {
	hash := h.Hash()
	if n := e.index.get(hash); n != nil {
		if n.failed() {
			return false, ruleError(ErrKnownInvalid, "block %s is known invalid", hash)
		}
		return false, nil
	}
	if err := CheckProofOfWork(h, e.params.PowLimit); err != nil {
		return false, err
	}
	parent := e.index.get(h.PrevBlock)
	if parent == nil {
		if e.rejected.has(h.PrevBlock) {
			return false, ruleError(ErrInvalidAncestor, "parent %s is invalid", h.PrevBlock)
		}
		return false, ruleError(ErrPrevBlockMissing, "parent %s of header %s is unknown", h.PrevBlock, hash)
	}
	if parent.failed() {
		return false, ruleError(ErrInvalidAncestor, "parent %s is invalid", parent.hash)
	}
	if err := e.checkHeaderContext(h, parent, now); err != nil {
		return false, err
	}
	node := e.newBlockNode(*h, hash, parent)
	if err := e.store.PutRecords([]store.BlockRecord{node.record()}); err != nil {
		return false, err
	}
	e.addNode(node)
	return true, nil
}

func (e *Engine) tip() *blockNode { return e.tipNode }

func (e *Engine) onMainChain(n *blockNode) bool {
	return int(n.height) < len(e.main) && e.main[n.height] == n
}

func (e *Engine) clearCache() { e.call.clear() }

// flushBlocks stores the blocks of this call that no connect wrote, with
// their index records as they stand now.
func (e *Engine) flushBlocks() error {
	var err error
	e.call.each(func(c *callBlock) {
		if c.unsaved != nil && err == nil {
			err = e.store.PutBlock(c.unsaved.record(), c.data)
		}
		c.unsaved, c.data = nil, nil
	})
	return err
}

// fillReorg sets res.Disconnected and res.Connected from the tip before the
// call to the tip now.
func (e *Engine) fillReorg(res *Result, before *blockNode) error {
	after := e.tip()
	if after == before {
		return nil
	}
	fork := findFork(before, after)
	if after.parent == fork {
		res.Connected = res.connected[:0]
	}
	for n := before; n != fork; n = n.parent {
		b, err := e.loadBlock(n)
		if err != nil {
			return err
		}
		res.Disconnected = append(res.Disconnected, b)
	}
	for n := after; n != fork; n = n.parent {
		b, err := e.loadBlock(n)
		if err != nil {
			return err
		}
		res.Connected = append(res.Connected, b)
	}
	slices.Reverse(res.Connected)
	return nil
}

func (e *Engine) logResult(res *Result, before *blockNode, err error) {
	if err != nil {
		e.log.Info("block_rejected", "hash", res.Hash, "err", err)
	}
	after := e.tip()
	if after == before {
		return
	}
	if len(res.Disconnected) > 0 {
		e.log.Info("reorg", "depth", len(res.Disconnected), "old_tip", before.hash, "new_tip", after.hash, "height", after.height)
	}
	// Enabled first: the arguments of a call cost allocations even when
	// the handler drops the record, once per block in a simulation.
	if e.log.Enabled(context.Background(), slog.LevelDebug) {
		e.log.Debug("tip_changed", "hash", after.hash, "height", after.height)
	}
}

// ids returns b's hash and, through Config.BlockIDs, its txids (nil
// without the hook: computed when needed).
func (e *Engine) ids(b *chain.Block) (chain.Hash, []chain.Hash) {
	if e.blockIDs != nil {
		return e.blockIDs(b)
	}
	return b.Hash(), nil
}

// serialize returns b's serialization, through Config.BlockBytes when set.
func (e *Engine) serialize(b *chain.Block) []byte {
	if e.blockBytes != nil {
		return e.blockBytes(b)
	}
	return b.Serialize()
}
