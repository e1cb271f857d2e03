package explorer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/devchain/devchain/rpcclient"
)

// initialDepth is how far below the highest tip the tree starts.
const initialDepth = 120

// maxWalk bounds the headers fetched to place one new block.
const maxWalk = 500

// What a node's refresher must ask its RPC again.
const (
	dirtyChain   uint32 = 1 << iota // chain tips, mining info, mempool
	dirtyPeers                      // peers, network info
	dirtyMempool                    // mempool size
)

// watcher follows one node: its event stream, and the RPC calls that fill
// in what an event announces.
type watcher struct {
	s      *Server
	i      int
	name   string
	client *rpcclient.Client

	dirty atomic.Uint32
	kick  chan struct{}
}

func newWatcher(s *Server, i int, n NodeConfig) *watcher {
	return &watcher{s: s, i: i, name: n.Name, client: n.Client, kick: make(chan struct{}, 1)}
}

func (w *watcher) call(ctx context.Context, method string, result any, params ...any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return w.client.Call(ctx, method, params, result)
}

// run keeps the node's event stream open, reconnecting with backoff, until
// ctx ends.
func (w *watcher) run(ctx context.Context) {
	go w.refresher(ctx)
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		connected, err := w.stream(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = 250 * time.Millisecond
		}
		w.s.model.updateNode(w.i, func(n *NodeState) {
			n.Online = false
			n.Error = err.Error()
		})
		w.s.log.Debug("node_events_lost", "node", w.name, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// stream subscribes to the node's events, brings the model up to date
// with the node (events may have been missed while the stream was down),
// and then applies each event. It reports whether the stream was opened.
func (w *watcher) stream(ctx context.Context) (bool, error) {
	events, err := w.client.Subscribe(ctx)
	if err != nil {
		return false, fmt.Errorf("explorer: %s: %w", w.name, err)
	}
	defer events.Close()
	if err := w.resync(ctx); err != nil {
		return true, err
	}
	w.s.model.updateNode(w.i, func(n *NodeState) { n.Online, n.Error = true, "" })
	for {
		ev, err := events.Next()
		if err != nil {
			return true, fmt.Errorf("explorer: %s: %w", w.name, err)
		}
		if err := w.handle(ctx, ev); err != nil {
			return true, err
		}
	}
}

// eventJSON is the data of a node's event.
type eventJSON struct {
	Hash       string `json:"hash"`
	Previous   string `json:"previousblockhash"`
	Time       int64  `json:"time"`
	TxID       string `json:"txid"`
	PeerID     string `json:"peerid"`
	Height     int64  `json:"height"`
	ReorgDepth int64  `json:"reorg_depth"`
}

func (w *watcher) handle(ctx context.Context, ev rpcclient.Event) error {
	var data eventJSON
	if err := ev.Decode(&data); err != nil {
		w.s.log.Warn("node_event_bad", "node", w.name, "event", ev.Name, "err", err)
		return nil
	}
	switch ev.Name {
	case "block_connected":
		if data.Previous == "" || w.s.model.has(data.Hash) {
			return w.ensureBlock(ctx, data.Hash)
		}
		if err := w.ensureBlock(ctx, data.Previous); err != nil {
			return err
		}
		w.s.model.addBlocks([]*Block{{Hash: data.Hash, Height: data.Height, Parent: data.Previous, Time: data.Time}})
	case "tip_changed":
		if err := w.ensureBlock(ctx, data.Hash); err != nil {
			return err
		}
		w.setTip(data.Hash, data.Height, data.ReorgDepth, time.Now().UnixMilli())
		w.markDirty(dirtyChain)
	case "tx_accepted":
		w.s.model.broadcast("tx", map[string]string{"node": w.name, "txid": data.TxID})
		w.markDirty(dirtyMempool)
	case "peer_connected", "peer_disconnected":
		w.markDirty(dirtyPeers)
	}
	return nil
}

// reorgJSON tells the browsers that a node left a branch.
type reorgJSON struct {
	Node  string `json:"node"`
	Depth int64  `json:"depth"`
	From  string `json:"from"`
	To    string `json:"to"`
	AtMS  int64  `json:"at_ms"`
}

func (w *watcher) setTip(hash string, height, reorgDepth, atMS int64) {
	old := w.s.model.node(w.i).Tip
	if old == hash {
		return
	}
	w.s.model.updateNode(w.i, func(n *NodeState) {
		n.Tip, n.Height, n.LastBlockMS = hash, height, atMS
	})
	if reorgDepth > 0 && old != "" {
		w.s.model.broadcast("reorg", reorgJSON{Node: w.name, Depth: reorgDepth, From: old, To: hash, AtMS: atMS})
		w.s.log.Info("node_reorg", "node", w.name, "depth", reorgDepth, "hash", hash)
	}
}

// headerJSON is the part of getblockheader the tree needs.
type headerJSON struct {
	Hash     string `json:"hash"`
	Height   int64  `json:"height"`
	Previous string `json:"previousblockhash"`
	Time     int64  `json:"time"`
}

// ensureBlock adds a block and the ancestors the model lacks, down to the
// floor, asking this node for their headers.
func (w *watcher) ensureBlock(ctx context.Context, hash string) error {
	if hash == "" || w.s.model.has(hash) {
		return nil
	}
	floor := w.s.model.getFloor()
	var chain []*Block
	for h := hash; h != "" && !w.s.model.has(h) && len(chain) < maxWalk; {
		var hdr headerJSON
		if err := w.call(ctx, "getblockheader", &hdr, h, true); err != nil {
			return fmt.Errorf("explorer: %s: getblockheader %s: %w", w.name, h, err)
		}
		chain = append(chain, &Block{Hash: hdr.Hash, Height: hdr.Height, Parent: hdr.Previous, Time: hdr.Time})
		if hdr.Height <= floor {
			break
		}
		h = hdr.Previous
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	w.s.model.addBlocks(chain)
	return nil
}

// resync reads everything the page shows of the node: done when its event
// stream (re)opens, since events may have been missed.
func (w *watcher) resync(ctx context.Context) error {
	var tips []ChainTip
	if err := w.call(ctx, "getchaintips", &tips); err != nil {
		return fmt.Errorf("explorer: %s: getchaintips: %w", w.name, err)
	}
	var active ChainTip
	for _, t := range tips {
		if t.Status == "active" {
			active = t
		}
	}
	w.s.model.setFloor(active.Height - initialDepth)
	if err := w.loadTips(ctx, tips); err != nil {
		return err
	}
	var hdr headerJSON
	if err := w.call(ctx, "getblockheader", &hdr, active.Hash, true); err != nil {
		return fmt.Errorf("explorer: %s: getblockheader: %w", w.name, err)
	}
	w.s.model.updateNode(w.i, func(n *NodeState) {
		if n.Tip != active.Hash {
			n.Tip, n.Height, n.LastBlockMS = active.Hash, active.Height, hdr.Time*1000
		}
	})
	if err := w.refreshPeers(ctx); err != nil {
		return err
	}
	return w.refreshChain(ctx)
}

// loadTips adds the branches of the node's chain tips above the floor and
// records which of them the node holds invalid.
func (w *watcher) loadTips(ctx context.Context, tips []ChainTip) error {
	floor := w.s.model.getFloor()
	invalid := map[string]bool{}
	for _, t := range tips {
		if t.Height < floor && t.Status != "active" {
			continue
		}
		if err := w.ensureBlock(ctx, t.Hash); err != nil {
			if t.Status == "active" {
				return err
			}
			continue // a headers-only or pruned side block: drawn when it comes
		}
		if t.Status == "invalid" {
			for _, h := range w.invalidPart(t) {
				invalid[h] = true
			}
		}
	}
	w.s.model.markInvalid(w.name, invalid)
	w.s.model.updateNode(w.i, func(n *NodeState) { n.Tips = tips })
	return nil
}

// invalidPart returns the blocks of an invalid branch the node rejects: from
// the block the explorer invalidated on it when that is in the branch,
// else the whole branch (getchaintips does not say where in a branch the
// invalid block is).
func (w *watcher) invalidPart(t ChainTip) []string {
	branch := w.s.model.branch(t.Hash, max(t.BranchLen, 1))
	marked := w.s.invalidated(w.name)
	for i, h := range branch {
		if marked[h] {
			return branch[:i+1]
		}
	}
	return branch
}

// refresher asks the node's RPC again for what events marked dirty,
// coalescing bursts of events into one round of calls.
func (w *watcher) refresher(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		}
		flags := w.dirty.Swap(0)
		var err error
		if flags&dirtyChain != 0 {
			var tips []ChainTip
			if err = w.call(ctx, "getchaintips", &tips); err == nil {
				err = w.loadTips(ctx, tips)
			}
			if err == nil {
				err = w.refreshChain(ctx)
			}
		} else if flags&dirtyMempool != 0 {
			err = w.refreshMempool(ctx)
		}
		if flags&dirtyPeers != 0 && err == nil {
			err = w.refreshPeers(ctx)
		}
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			w.s.log.Debug("node_refresh_failed", "node", w.name, "err", err)
		}
	}
}

func (w *watcher) markDirty(flags uint32) {
	w.dirty.Or(flags)
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// refreshChain reads the mining info and the mempool size.
func (w *watcher) refreshChain(ctx context.Context) error {
	var mi struct {
		Generate      bool    `json:"generate"`
		HashesPerSec  float64 `json:"hashespersec"`
		NetworkHashPS float64 `json:"networkhashps"`
	}
	if err := w.call(ctx, "getmininginfo", &mi); err != nil {
		return fmt.Errorf("explorer: %s: getmininginfo: %w", w.name, err)
	}
	var mp struct {
		Size int64 `json:"size"`
	}
	if err := w.call(ctx, "getmempoolinfo", &mp); err != nil {
		return fmt.Errorf("explorer: %s: getmempoolinfo: %w", w.name, err)
	}
	w.s.model.updateNode(w.i, func(n *NodeState) {
		n.Mining, n.HashPS, n.NetworkHashPS, n.Mempool = mi.Generate, mi.HashesPerSec, mi.NetworkHashPS, mp.Size
	})
	return nil
}

func (w *watcher) refreshMempool(ctx context.Context) error {
	var mp struct {
		Size int64 `json:"size"`
	}
	if err := w.call(ctx, "getmempoolinfo", &mp); err != nil {
		return fmt.Errorf("explorer: %s: getmempoolinfo: %w", w.name, err)
	}
	w.s.model.updateNode(w.i, func(n *NodeState) { n.Mempool = mp.Size })
	return nil
}

// refreshPeers reads the node's peer ids and whether its network is on.
func (w *watcher) refreshPeers(ctx context.Context) error {
	var ni struct {
		PeerID        string `json:"peerid"`
		NetworkActive bool   `json:"networkactive"`
	}
	if err := w.call(ctx, "getnetworkinfo", &ni); err != nil {
		return fmt.Errorf("explorer: %s: getnetworkinfo: %w", w.name, err)
	}
	var peers []struct {
		ID     json.RawMessage `json:"id"`
		PeerID string          `json:"peerid"`
	}
	if err := w.call(ctx, "getpeerinfo", &peers); err != nil {
		return fmt.Errorf("explorer: %s: getpeerinfo: %w", w.name, err)
	}
	ids := make([]string, 0, len(peers))
	for _, p := range peers {
		id := p.PeerID
		if id == "" {
			json.Unmarshal(p.ID, &id) // a node whose id is still the libp2p peer id
		}
		ids = append(ids, id)
	}
	w.s.model.updateNode(w.i, func(n *NodeState) {
		n.PeerID, n.NetworkActive, n.Peers = ni.PeerID, ni.NetworkActive, ids
	})
	return nil
}
