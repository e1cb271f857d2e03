package lab

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/sigverify"
	"github.com/devchain/devchain/consensus/store"
)

// Options are what a caller adds to a config for one run.
type Options struct {
	// Trace receives trace.jsonl; nil writes none.
	Trace io.Writer
	// TraceMessages adds a sent and a received line per message (large).
	TraceMessages bool
	// Progress, when set, is called every ProgressEvents events with the
	// run's state (the caller adds wall-clock figures, on stderr only).
	Progress       func(Progress)
	ProgressEvents uint64

	// oneEventAtATime turns the windows off (window.go): the tests compare
	// the two; parallelFrom, when set, is the tests' minParallelEvents.
	oneEventAtATime bool
	parallelFrom    int
}

// Progress is a snapshot of a run for a progress line.
type Progress struct {
	VirtualSeconds float64
	Events         uint64
	BlocksMined    int
	StopBlocks     int
	StopSeconds    float64
}

// genesisTime is the lab chain's genesis timestamp; virtual time 0.
const genesisTime = 1_700_000_000

// Random streams: each purpose draws from its own stream of the seed, so
// that, say, adding transactions does not change the topology.
const (
	streamTopology = iota + 1
	streamLatency
	streamMining
	streamTxs
	streamNodes // + node index
)

// Lab is one run: the simulated nodes, the network between them and the
// event queue. Run steps the nodes of a window on every core (window.go); runs
// of a sweep are separate Labs.
type Lab struct {
	cfg    *Config
	opt    Options
	seed   int64
	params *consensus.Params

	q   queue
	now int64 // virtual microseconds
	// serial is the lab's own cursor: events that are not one node's run
	// on it, one after the other.
	serial *cursor
	// window steps the nodes' own events on every core (nil: one by one).
	window *windowRunner
	tally  tally

	nodes []*simNode
	links []link
	edges []edge
	// edgeSlots[e] are edge e's entries in its nodes' neighbour lists.
	edgeSlots [][2]int32
	// active are the partitions in force (indexes into cfg.Partitions).
	active []int

	mining miningState
	wallet *walletState
	txRng  *rand.Rand
	// edgeState is the connection state of each edge.
	edgeState []edgeState

	blocks []*blockRec
	byHash map[chain.Hash]int32
	// mined holds what is the same for every node about each mined block
	// (its bytes, hash and txids): computed once, shared by every node's
	// engine and store as a signature cache is (blockBytes, blockIDs).
	mined map[*chain.Block]*minedBlock

	trace *tracer
	// pendingNetwork counts the partition and churn events still to come.
	pendingNetwork int
	// mainSet marks the final main chain's blocks (after the run).
	mainSet []bool
}

// blockRec is the lab's record of a mined block (not node state: the
// measurements are taken on it).
type blockRec struct {
	block    *chain.Block
	hash     chain.Hash
	parent   int32 // -1 for the genesis
	height   uint32
	miner    int // index in cfg.Miners, -1 for the genesis
	foundAt  int64
	heldBy   []bool
	heldAt   []int64 // times at which nodes came to hold it, in order
	reorgsTo int
	maxDepth int
}

type runStats struct {
	reorgs    int
	maxDepth  int
	depthHist map[int]int
	sent      uint64
	delivered uint64
	dropped   uint64
	bytes     uint64
	// duplicates are gossip messages the seen cache kept from the core.
	duplicates uint64
}

// New builds a run from a checked config.
func New(cfg *Config, opt Options) (*Lab, error) {
	if err := cfg.Normalize(); err != nil {
		return nil, err
	}
	l := &Lab{
		cfg:    cfg,
		opt:    opt,
		seed:   cfg.SeedValue(),
		byHash: map[chain.Hash]int32{},

		mined: map[*chain.Block]*minedBlock{},
		trace: newTracer(opt.Trace),
	}
	l.tally.stats.depthHist = map[int]int{}
	l.serial = &cursor{l: l, direct: true, trace: l.trace, tally: &l.tally}
	if l.opt.ProgressEvents == 0 {
		l.opt.ProgressEvents = 1 << 20
	}
	var err error
	l.wallet = newWalletState(cfg)
	if l.params, err = labParams(cfg, l.wallet); err != nil {
		return nil, err
	}
	if l.edges, err = buildEdges(cfg, l.rng(streamTopology, 0)); err != nil {
		return nil, err
	}
	// One signature cache for every node: a verdict on a signature is not
	// node state, as a signature cache shared by a node's engine and
	// mempool is not. The engine forgets entries once a block used them
	// (Bitcoin Core's erase, to save memory); shared, that would make the
	// next node verify again, so the lab's cache keeps them.
	sigCache := sharedSigCache{sigverify.NewCache(0)}
	// Likewise one copy of each block's serialized bytes: they are the same
	// for every node that stores the block; which blocks a node stores stays
	// its own (sharedStore).
	shared := sharedStore{sigCache: sigCache, blocks: store.NewBlockBytes()}
	l.buildLinks()
	slack := l.requestSlack()
	l.nodes = make([]*simNode, cfg.Nodes)
	for i := range l.nodes {
		if l.nodes[i], err = newSimNode(l, i, shared, slack); err != nil {
			return nil, err
		}
	}
	l.attachLinks()
	l.window = newWindowRunner(l)
	genesis := &blockRec{block: l.params.GenesisBlock, hash: l.params.GenesisHash, parent: -1, miner: -1}
	l.addBlock(genesis)
	for i := range l.nodes {
		l.serial.held(0, i)
	}
	l.setupMiners()
	return l, nil
}

// rng returns the seeded stream for a purpose.
func (l *Lab) rng(stream, sub uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(l.seed), stream<<32|sub))
}

// labParams builds the lab chain: every block at the pow limit (a few
// hashes of real proof of work), no retarget, so block times come from the
// lab's exponential draws; the wallets' coins are genesis allocations.
func labParams(cfg *Config, w *walletState) (*consensus.Params, error) {
	spacing := int64(math.Max(1, math.Round(cfg.BlockIntervalS)))
	g := &chain.Genesis{
		ChainID:                "lab",
		AddressPrefix:          "lab",
		Timestamp:              genesisTime,
		Bits:                   0x207fffff,
		PowLimitBits:           0x207fffff,
		TargetSpacingSeconds:   spacing,
		RetargetIntervalBlocks: 0,
		MaxAdjustFactor:        4,
		InitialSubsidy:         50 * chain.UnitsPerCoin,
		HalvingIntervalBlocks:  0,
		CoinbaseMaturity:       100,
		MaxBlockBytes:          1_000_000,
		// Sub-second block intervals push timestamps past the clock
		// (each must exceed the median of the last 11): the lab's clock
		// is virtual, so the future limit is not what is measured.
		MaxFutureBlockSeconds: 1 << 30,
	}
	if w != nil {
		g.Alloc = w.allocs()
	}
	return consensus.NewParams(g)
}

// nodeKey is node i's key (its miner's payout and its wallet) and the
// key's address. Deriving it costs a scalar multiplication, so the lab
// derives it once, and only for a node that needs it.
func nodeKey(i int) (*btcec.PrivateKey, chain.Address) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	seed := sha256.Sum256(append([]byte("devchain/lab/key/"), b[:]...))
	k, pub := btcec.PrivKeyFromBytes(seed[:])
	return k, chain.AddressFromPubKey(pub)
}

// wall converts virtual microseconds to the nodes' clock.
func wall(tus int64) time.Time {
	return time.Unix(genesisTime, 0).Add(time.Duration(tus) * time.Microsecond)
}

func usOf(seconds float64) int64 { return int64(math.Round(seconds * 1e6)) }

func (l *Lab) addBlock(r *blockRec) int32 {
	id := int32(len(l.blocks))
	r.heldBy = make([]bool, l.cfg.Nodes)
	l.blocks = append(l.blocks, r)
	l.byHash[r.hash] = id
	if r.block != nil {
		l.mined[r.block] = &minedBlock{bytes: r.block.Serialize(), hash: r.hash, txids: r.block.TxIDs()}
	}
	return id
}

// minedBlock is the immutable facts of a mined block.
type minedBlock struct {
	bytes []byte
	hash  chain.Hash
	txids []chain.Hash
}

// blockBytes is every node's consensus.Config.BlockBytes: a block the lab
// mined (and carries by pointer to every node) is serialized once; a block a
// node decoded from a sync answer is serialized by that node.
func (l *Lab) blockBytes(b *chain.Block) []byte {
	if m, ok := l.mined[b]; ok {
		return m.bytes
	}
	return b.Serialize()
}

// blockIDs is every node's consensus.Config.BlockIDs, as blockBytes.
func (l *Lab) blockIDs(b *chain.Block) (chain.Hash, []chain.Hash) {
	if m, ok := l.mined[b]; ok {
		return m.hash, m.txids
	}
	return b.Hash(), b.TxIDs()
}

// hashOf is b's hash, as blockBytes.
func (l *Lab) hashOf(b *chain.Block) chain.Hash {
	if m, ok := l.mined[b]; ok {
		return m.hash
	}
	return b.Hash()
}

// Run runs the simulation to its end: mining until stop, then the network
// drains until no message is in flight.
func (l *Lab) Run() (*Result, error) {
	l.schedule()
	var reported uint64
	for !l.finished() {
		if l.window != nil && l.window.ready() && l.window.run() {
			// a window of one-node events ran
		} else if l.q.len() > 0 {
			e := l.q.pop()
			l.now = e.t
			l.serial.now = e.t
			l.tally.events++
			if err := l.handle(e); err != nil {
				return nil, err
			}
		} else {
			break
		}
		if l.opt.Progress != nil && l.tally.events/l.opt.ProgressEvents != reported {
			reported = l.tally.events / l.opt.ProgressEvents
			l.opt.Progress(Progress{VirtualSeconds: float64(l.now) / 1e6, Events: l.tally.events, BlocksMined: l.mining.mined,
				StopBlocks: l.cfg.Stop.Blocks, StopSeconds: l.cfg.Stop.VirtualSeconds})
		}
	}
	if err := l.trace.flush(); err != nil {
		return nil, fmt.Errorf("lab: write trace: %w", err)
	}
	return l.result()
}

// enqueue queues an event: a one-node event of a windowed run goes to
// the window runner's slots, numbered by the queue all the same.
func (l *Lab) enqueue(e event) {
	if l.window == nil || !e.kind.oneNode() {
		l.q.push(e)
		return
	}
	e.seq = l.q.nextSeq()
	l.window.b.push(e)
}

// finished reports whether the run is over: mining stopped, nothing in
// flight and no partition or churn change still to come.
func (l *Lab) finished() bool {
	return l.mining.stopped && l.tally.inFlight == 0 && l.pendingNetwork == 0
}

func (l *Lab) handle(e event) error {
	switch e.kind {
	case evDeliver:
		l.serial.deliver(e)
	case evWake:
		l.serial.wake(e)
	case evMine:
		return l.mine(e)
	case evPartition:
		l.pendingNetwork--
		l.startPartition(int(e.link))
	case evHeal:
		l.pendingNetwork--
		l.healPartition(int(e.link))
	case evChurn:
		l.pendingNetwork--
		l.churn(int(e.link))
	case evTx:
		return l.sendTx(e)
	case evStop:
		l.stopMining()
	case evRedial:
		l.redial(int(e.link))
	case evDrop:
		l.dropConnection(e)
	case evBan:
		l.banConnection(e)
	}
	return nil
}

// schedule puts the config's timed events on the queue.
func (l *Lab) schedule() {
	for i, p := range l.cfg.Partitions {
		l.q.push(event{t: usOf(p.AtS), kind: evPartition, link: int32(i)})
		l.pendingNetwork++
		if p.HealS != nil {
			l.q.push(event{t: usOf(*p.HealS), kind: evHeal, link: int32(i)})
			l.pendingNetwork++
		}
	}
	for i, c := range l.cfg.Churn {
		l.q.push(event{t: usOf(c.AtS), kind: evChurn, link: int32(i)})
		l.pendingNetwork++
	}
	l.connectInitial()
	l.scheduleMining()
	l.scheduleTx()
}

// sharedSigCache is a signature cache whose entries a block connect does
// not erase (the cache's own bound still evicts).
type sharedSigCache struct{ *sigverify.Cache }

// Remove keeps the entry: another node will check the same signature.
func (sharedSigCache) Remove(*consensus.SigCheck) {}
