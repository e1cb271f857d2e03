package protocol

import (
	"errors"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/mempool"
)

// Defaults of Config's zero fields and the protocol's fixed figures.
const (
	DefaultStatusInterval = time.Second
	DefaultBanScore       = 100
	DefaultBanDuration    = 24 * time.Hour
	DefaultMaxPeerRecords = 4096

	// BlocksPerBatch and MaxBatchesInFlight shape block download: the
	// memory a sync holds is at most MaxBatchesInFlight batches of blocks.
	BlocksPerBatch     = 64
	MaxBatchesInFlight = 8
	// MaxSyncHeaders bounds the headers one sync holds before downloading
	// blocks (80 bytes each: 2.5 MB).
	MaxSyncHeaders = 16 * MaxHeadersPerMsg

	// Request deadlines (defaults of Config's fields of the same names): a
	// status or headers answer is small, a batch of blocks may be large.
	StatusTimeout  = 10 * time.Second
	HeadersTimeout = 15 * time.Second
	BlocksTimeout  = 30 * time.Second

	// A peer that missed a deadline is left alone for a backoff that
	// doubles while it keeps stalling.
	MinStallBackoff = 10 * time.Second
	MaxStallBackoff = 2 * time.Minute

	// MaxOrphanBlockBytes bounds the blocks from peers kept in the
	// engine's orphan pool until their parent arrives; a larger orphan is
	// fetched with its ancestors by sync instead.
	MaxOrphanBlockBytes = 64 << 10

	// StaleDepth: a gossiped block whose chain lies more than this many
	// tip blocks of work below the tip costs its sender points; a
	// shallower one is just dropped (honest peers a block or two behind
	// send those in races).
	StaleDepth = 6

	// StepTxBudget bounds the transactions of synced blocks one step hands
	// to the engine (at least one block per step): the node's lock is
	// held for one step, and its RPC and its peers' requests wait that
	// long at most.
	StepTxBudget = 2000
)

// Misbehaviour points. BanScore is 100 by default: 100 points is "no honest
// peer does this".
const (
	PointsInvalidBlock = 100 // a block that breaks a consensus rule
	PointsInvalidTx    = 10  // a transaction that breaks a rule
	PointsWrongGenesis = 100 // follows another chain
	PointsBadResponse  = 100 // headers that do not link, a block not asked for
	PointsFalseClaim   = 100 // claimed more work than its headers carry
	PointsUndelivered  = 100 // announced headers, then lacked their blocks
	PointsStaleBlock   = 20  // gossiped a block far below the tip's work
	PointsBadRequest   = 20  // a request out of the protocol's limits
	PointsUndecodable  = 50  // (drivers) a message that does not decode
	PointsFlood        = 2   // (drivers) a request over the rate limits
)

// Config configures a Core.
type Config struct {
	Params *consensus.Params
	// Engine and Pool are called synchronously, from Step and the Submit
	// methods only.
	Engine *consensus.Engine
	Pool   *mempool.Pool
	// Rand breaks ties (which peer to sync from); nil means a fixed seed.
	Rand *rand.Rand
	// Logger gets one line per decision about a peer; nil discards.
	Logger *slog.Logger

	// StatusInterval is how often every peer is asked for its status
	// (default DefaultStatusInterval); a peer is always asked when it
	// connects.
	StatusInterval time.Duration
	// ReportArrivals emits BlockArrived for every block from a peer.
	ReportArrivals bool
	// ReportResults emits BlockProcessed for every engine call that may
	// change the chain (a node's metrics count side and rejected blocks).
	ReportResults bool
	BanScore      int           // default DefaultBanScore
	BanDuration   time.Duration // default DefaultBanDuration
	// MaxPeerRecords bounds the table of scores, bans and stalls kept by
	// peer id across reconnects (default DefaultMaxPeerRecords).
	MaxPeerRecords int
	// StatusTimeout, HeadersTimeout and BlocksTimeout are the deadlines of
	// the core's requests (defaults: the constants of the same names). A
	// driver whose links are slow (a simulation with seconds of latency)
	// lengthens them, or every peer would be dropped as stalled.
	StatusTimeout  time.Duration
	HeadersTimeout time.Duration
	BlocksTimeout  time.Duration
}

// Core is the protocol state machine of one node. It is not safe for
// concurrent use.
type Core struct {
	cfg     Config
	engine  *consensus.Engine
	pool    *mempool.Pool
	rng     *rand.Rand
	log     *slog.Logger
	now     time.Time
	outbox  []Action
	nextID  RequestID
	peers   map[PeerID]*peer   // connected
	records map[PeerID]*record // scores, bans, stalls: by id, across reconnects
	pending map[RequestID]*request
	sync    *syncSession
	// lastPoll is when every peer was last asked for its status.
	lastPoll time.Time
	// budget is what is left of the step's StepTxBudget.
	budget int
	// earliest is no later than the earliest deadline of the pending
	// requests: ticks before it need not look at them.
	earliest time.Time
	// syncCheck: something that can start a sync changed (a status
	// arrived, a sync ended) since maybeStartSync last looked.
	syncCheck bool
	// private are the blocks AcceptBlock withheld and Announce has not
	// released: not named in Status, not served (a withholding miner's
	// branch stays its own until it publishes it).
	private map[chain.Hash]struct{}
}

// New returns a core on an opened engine and mempool.
func New(cfg Config) (*Core, error) {
	if cfg.Params == nil || cfg.Engine == nil || cfg.Pool == nil {
		return nil, errors.New("protocol: Params, Engine and Pool are required")
	}
	if cfg.StatusInterval <= 0 {
		cfg.StatusInterval = DefaultStatusInterval
	}
	if cfg.BanScore <= 0 {
		cfg.BanScore = DefaultBanScore
	}
	if cfg.BanDuration <= 0 {
		cfg.BanDuration = DefaultBanDuration
	}
	if cfg.MaxPeerRecords <= 0 {
		cfg.MaxPeerRecords = DefaultMaxPeerRecords
	}
	if cfg.StatusTimeout <= 0 {
		cfg.StatusTimeout = StatusTimeout
	}
	if cfg.HeadersTimeout <= 0 {
		cfg.HeadersTimeout = HeadersTimeout
	}
	if cfg.BlocksTimeout <= 0 {
		cfg.BlocksTimeout = BlocksTimeout
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Core{
		cfg:     cfg,
		engine:  cfg.Engine,
		pool:    cfg.Pool,
		rng:     cfg.Rand,
		log:     cfg.Logger,
		peers:   map[PeerID]*peer{},
		records: map[PeerID]*record{},
		pending: map[RequestID]*request{},
		private: map[chain.Hash]struct{}{},
	}, nil
}

// Step feeds one event to the core at time now.
func (c *Core) Step(now time.Time, ev Event) {
	c.now = now
	c.budget = StepTxBudget
	switch ev := ev.(type) {
	case PeerConnected:
		c.connected(ev)
	case PeerDisconnected:
		c.disconnected(ev.Peer)
	case Received:
		if c.peers[ev.From] != nil {
			c.receive(ev.From, ev.Msg)
		}
	case RequestFailed:
		c.requestFailed(ev)
	case Misbehaved:
		c.penalise(ev.Peer, ev.Points, ev.Reason)
	case Tick:
	}
	c.tick()
	if c.Busy() && c.budget > 0 {
		c.connectBatches()
	}
	if c.syncCheck {
		c.maybeStartSync()
	}
}

// Ready returns the actions decided since the last call, in order, and
// forgets them.
func (c *Core) Ready() []Action {
	out := c.outbox
	c.outbox = nil
	return out
}

// AppendReady is Ready for a driver that reuses one slice: it appends the
// actions decided since the last call to dst, in order, forgets them, and
// returns the extended slice. The core keeps its own buffer for the next
// actions, so a driver that passes its slice back (dst[:0]) once it has
// carried them out allocates nothing for them per step. dst shares no
// memory with the core.
func (c *Core) AppendReady(dst []Action) []Action {
	dst = append(dst, c.outbox...)
	clear(c.outbox) // the blocks and messages are the driver's now
	c.outbox = c.outbox[:0]
	return dst
}

// HasReady reports whether actions are waiting.
func (c *Core) HasReady() bool { return len(c.outbox) > 0 }

func (c *Core) emit(a Action) {
	if c.outbox == nil {
		// A gossiped block makes two actions (its relay, the tip's move):
		// one allocation for the step's actions instead of a growing slice.
		c.outbox = make([]Action, 0, outboxCap)
	}
	c.outbox = append(c.outbox, a)
}

// outboxCap is the room the actions of a step start with.
const outboxCap = 4

func (c *Core) send(to PeerID, m Message) { c.emit(Send{To: to, Msg: m}) }

// Engine returns the engine the core drives, for queries under the
// caller's own serialisation.
func (c *Core) Engine() *consensus.Engine { return c.engine }

// SubmitBlock takes a block of local origin (mined here, or given by RPC) at
// time now. It is published when it ended on the active chain, or on a
// branch with as much work (a competing tip): the same rule by which peers
// take gossiped blocks, so a side block submitted by hand is stored here
// and costs this node nothing with its peers.
func (c *Core) SubmitBlock(now time.Time, b *chain.Block) (*consensus.Result, error) {
	c.now = now
	res, err := c.processBlock(b)
	if err == nil && c.competes(res) {
		c.emit(Publish{Msg: NewBlock{Block: b}})
	}
	return res, err
}

// competes reports whether a block the engine took has at least the
// tip's work.
func (c *Core) competes(res *consensus.Result) bool {
	switch res.Status {
	case consensus.StatusMainChain:
		return true
	case consensus.StatusSideChain:
		work, _, ok := c.engine.Work(res.Hash)
		tipWork, _ := c.engine.TipWork()
		return ok && work.Cmp(tipWork) >= 0
	}
	return false
}

// SubmitTx admits a transaction of local origin to the mempool at time now;
// it and the orphans it unlocked are published.
func (c *Core) SubmitTx(now time.Time, tx *chain.Transaction) ([]*mempool.Entry, error) {
	c.now = now
	entries, err := c.pool.Accept(tx, c.engine, now)
	if err != nil {
		return nil, err
	}
	c.emit(TxsAccepted{Entries: entries})
	for _, e := range entries {
		c.emit(Publish{Msg: NewTx{Tx: e.Tx}})
	}
	return entries, nil
}

// ChangeChain runs a change of the engine made outside the protocol
// (invalidateblock, reconsiderblock) so that the mempool and the miner hear
// of it as of any other.
func (c *Core) ChangeChain(now time.Time, change func(e *consensus.Engine) (*consensus.Result, error)) (*consensus.Result, error) {
	c.now = now
	res, err := change(c.engine)
	c.processed(res, err)
	c.chainMoved(res)
	c.syncCheck = true // the tip may have lost work: a peer may now have more
	return res, err
}

// processBlock hands a block to the engine and tells the mempool and the
// miner when the active chain moved.
func (c *Core) processBlock(b *chain.Block) (*consensus.Result, error) {
	res, err := c.engine.ProcessBlock(b, c.now)
	c.processed(res, err)
	c.chainMoved(res)
	return res, err
}

// processed reports an engine outcome when asked to (Config.ReportResults).
func (c *Core) processed(res *consensus.Result, err error) {
	if c.cfg.ReportResults {
		c.emit(BlockProcessed{Result: res, Err: err})
	}
}

func (c *Core) chainMoved(res *consensus.Result) {
	if res == nil || (len(res.Connected) == 0 && len(res.Disconnected) == 0) {
		return
	}
	c.pool.BlocksChanged(res.Disconnected, res.Connected, c.engine, c.now)
	height := c.engine.Height()
	hash, _ := c.engine.MainChainHash(height)
	tip := struct {
		Hash   chain.Hash
		Height uint32
	}{hash, height}
	previous := c.tipBefore(res)
	// Blocks connected one after another in one step (a sync batch) are
	// one move of the tip: the miner needs one new template, not 64.
	if n := len(c.outbox); n > 0 && len(res.Disconnected) == 0 {
		if last, ok := c.outbox[n-1].(TipChanged); ok {
			last.Hash, last.Height = tip.Hash, tip.Height
			// Once copied (its first append: it starts capped at its
			// length, below) the slice is the core's and nothing else
			// holds it until Ready: appending in place keeps a batch's
			// merge linear.
			last.Connected = append(last.Connected, res.Connected...)
			c.outbox[n-1] = last
			return
		}
	}
	// The engine made res.Connected for this result; capped at its length,
	// any later append (the merge above) copies it before writing.
	connected := res.Connected[:len(res.Connected):len(res.Connected)]
	c.emit(TipChanged{Previous: previous, Hash: tip.Hash, Height: tip.Height, Connected: connected, Disconnected: res.Disconnected})
}

// tipBefore is the tip before a change: the first block disconnected, or
// the parent of the first connected.
func (c *Core) tipBefore(res *consensus.Result) chain.Hash {
	if len(res.Disconnected) > 0 {
		return res.Disconnected[0].Hash()
	}
	return res.Connected[0].Header.PrevBlock
}

// AcceptBlock gives a block of local origin to the engine without
// publishing it: a withholding miner's (selfish mining) private block.
// Until Announce publishes it, the block is private: a Status names the
// last public block of the active chain below it, and GetHeaders and
// GetBlocks answers stop before it, so peers learn of it only when it is
// announced. (A block SubmitBlock publishes on top of a private one would
// reveal it: a withholding miner builds with AcceptBlock.)
func (c *Core) AcceptBlock(now time.Time, b *chain.Block) (*consensus.Result, error) {
	c.now = now
	res, err := c.processBlock(b)
	if err == nil && (res.Status == consensus.StatusMainChain || res.Status == consensus.StatusSideChain) {
		c.private[res.Hash] = struct{}{}
	}
	return res, err
}

// Announce publishes a block the node holds (one AcceptBlock withheld),
// which is then public.
func (c *Core) Announce(b *chain.Block) {
	delete(c.private, b.Hash())
	c.emit(Publish{Msg: NewBlock{Block: b}})
}

// Private reports whether a block is withheld (AcceptBlock'ed and not yet
// announced).
func (c *Core) Private(hash chain.Hash) bool {
	_, ok := c.private[hash]
	return ok
}

// Rebroadcast publishes a transaction still in the mempool again (a
// wallet's rebroadcast); it reports whether the pool holds it.
func (c *Core) Rebroadcast(txid chain.Hash) bool {
	e, ok := c.pool.Get(txid)
	if ok {
		c.emit(Publish{Msg: NewTx{Tx: e.Tx}})
	}
	return ok
}

// NextDeadline is the earliest time the core has something to do without
// an event: a request's deadline or the next status poll. A driver that
// does not tick periodically (a simulation) wakes the core with a Tick
// then; false means nothing is pending.
func (c *Core) NextDeadline() (time.Time, bool) {
	if c.Busy() {
		return c.now, true
	}
	var next time.Time
	if len(c.pending) > 0 {
		next = c.earliest // never later than the earliest deadline; perhaps earlier
	}
	if len(c.peers) > 0 {
		if poll := c.lastPoll.Add(c.cfg.StatusInterval); next.IsZero() || poll.Before(next) {
			next = poll
		}
	}
	return next, !next.IsZero()
}

// status describes the active tip, or the last public block below it when
// the tip is private.
func (c *Core) status(id RequestID) Status {
	height := c.engine.Height()
	hash, _ := c.engine.MainChainHash(height)
	for c.Private(hash) && height > 0 {
		height--
		hash, _ = c.engine.MainChainHash(height)
	}
	work, _, _ := c.engine.Work(hash)
	return Status{ID: id, Genesis: c.cfg.Params.GenesisHash, Tip: hash, Height: height, Work: new(big.Int).Set(work)}
}

// tick polls statuses and enforces deadlines.
func (c *Core) tick() {
	if len(c.pending) > 0 && !c.now.Before(c.earliest) {
		// Some deadline may have passed: look, and note the next one.
		c.earliest = time.Time{}
		for _, id := range sortedKeys(c.pending) {
			r := c.pending[id]
			if r == nil {
				continue
			}
			if !c.now.Before(r.deadline) {
				c.stalled(r)
			} else if c.earliest.IsZero() || r.deadline.Before(c.earliest) {
				c.earliest = r.deadline
			}
		}
	}
	if c.now.Sub(c.lastPoll) >= c.cfg.StatusInterval {
		c.lastPoll = c.now
		for _, id := range c.peerIDs() {
			c.askStatus(id)
		}
	}
}
