package protocol_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/protocol"
)

// node is a core on a fresh engine, with a harness to build blocks.
type node struct {
	h      *consensustest.Harness
	engine *consensus.Engine
	core   *protocol.Core
	now    time.Time
}

func newNode(t testing.TB, cfg protocol.Config) *node {
	h := consensustest.New(t, consensustest.Options{})
	engine, err := consensus.New(consensus.Config{Params: h.Params, Store: store.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params, cfg.Engine, cfg.Pool = h.Params, engine, mempool.New(mempool.Config{Params: h.Params})
	core, err := protocol.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &node{h: h, engine: engine, core: core,
		now: time.Unix(int64(h.Params.GenesisBlock.Header.Timestamp), 0).Add(time.Hour)}
}

func (n *node) step(ev protocol.Event) []protocol.Action {
	n.core.Step(n.now, ev)
	return n.core.Ready()
}

// TestSideBranchFloodBounded (issue 9, item 8): a peer publishing valid
// children of genesis at the pow limit, far below the tip's work, makes
// the node store nothing, relay nothing, and is banned after
// BanScore/PointsStaleBlock of them; later ones, from a banned peer, are
// not even looked at. The bound for one peer: disk 0, relay 0, memory one
// decoded block at a time (and the engine's orphan pool, below).
func TestSideBranchFloodBounded(t *testing.T) {
	n := newNode(t, protocol.Config{})
	parent := consensustest.GenesisName
	for i := 1; i <= 10; i++ {
		name := fmt.Sprintf("a%d", i)
		n.h.NewBlock(name, parent)
		if _, err := n.core.SubmitBlock(n.now, n.h.Block(name)); err != nil {
			t.Fatal(err)
		}
		parent = name
	}
	n.core.Ready()
	n.step(protocol.PeerConnected{Peer: "flood"})
	const blocks = 1000
	penalties, relays := 0, 0
	for i := range blocks {
		b := n.h.NewBlock(fmt.Sprintf("side%d", i), consensustest.GenesisName, consensustest.CoinbaseExtra(-int64(i+1)))
		for _, a := range n.step(protocol.Received{From: "flood", Msg: protocol.NewBlock{Block: b}}) {
			switch a.(type) {
			case protocol.Penalised:
				penalties++
			case protocol.Publish:
				relays++
			}
		}
		if _, stored := n.engine.BlockInfo(b.Hash()); stored {
			t.Fatalf("side block %d stored", i)
		}
	}
	if want := protocol.DefaultBanScore / protocol.PointsStaleBlock; penalties != want {
		t.Errorf("%d penalties, want %d (then banned)", penalties, want)
	}
	if relays != 0 {
		t.Errorf("%d side blocks relayed", relays)
	}
	if !n.core.Banned("flood", n.now) {
		t.Error("the flooding peer is not banned")
	}
	if n.engine.Orphans() != 0 || len(n.engine.ChainTips()) != 1 {
		t.Errorf("%d orphans, %d chain tips: the flood left traces", n.engine.Orphans(), len(n.engine.ChainTips()))
	}
}

// TestOrphanFloodBounded: blocks whose parents are unknown wait in the
// engine's orphan pool, which holds at most 100 of at most
// MaxOrphanBlockBytes each, whoever sends them; one sync is started.
func TestOrphanFloodBounded(t *testing.T) {
	n := newNode(t, protocol.Config{})
	n.step(protocol.PeerConnected{Peer: "p"})
	parent := consensustest.GenesisName
	syncs := 0
	for i := 1; i <= 300; i++ {
		name := fmt.Sprintf("b%d", i)
		b := n.h.NewBlock(name, parent)
		parent = name
		if i == 1 {
			continue // the missing parent
		}
		for _, a := range n.step(protocol.Received{From: "p", Msg: protocol.NewBlock{Block: b}}) {
			if s, ok := a.(protocol.Send); ok && s.Msg.Kind() == "get-headers" {
				syncs++
			}
		}
	}
	if got := n.engine.Orphans(); got > 100 {
		t.Errorf("%d orphans kept, bound 100", got)
	}
	if syncs != 1 {
		t.Errorf("%d syncs started, want 1", syncs)
	}
}

// TestPeerRecordsBounded (issue 9, item 10): scores and bans are kept by
// peer id across reconnects in a bounded table; when it is full the least
// harmful record goes, so a banned peer stays banned however many others
// come and go.
func TestPeerRecordsBounded(t *testing.T) {
	n := newNode(t, protocol.Config{MaxPeerRecords: 3})
	n.step(protocol.PeerConnected{Peer: "mallory"})
	n.step(protocol.Misbehaved{Peer: "mallory", Points: protocol.DefaultBanScore, Reason: "test"})
	n.step(protocol.PeerConnected{Peer: "eve"})
	n.step(protocol.Misbehaved{Peer: "eve", Points: 60, Reason: "test"})
	n.step(protocol.PeerDisconnected{Peer: "eve"})
	for i := range 50 {
		p := protocol.PeerID(fmt.Sprintf("honest%d", i))
		n.step(protocol.PeerConnected{Peer: p})
		n.step(protocol.PeerDisconnected{Peer: p})
		n.now = n.now.Add(time.Second)
	}
	if !n.core.Banned("mallory", n.now) {
		t.Error("mallory's ban was forgotten")
	}
	if got := n.core.Score("eve"); got != 60 {
		t.Errorf("eve's score %d, want 60 kept", got)
	}
	acts := n.step(protocol.PeerConnected{Peer: "mallory"})
	if len(acts) != 1 || acts[0].(protocol.Disconnect).Reason != "banned" {
		t.Errorf("mallory reconnecting: %v", acts)
	}
}

// TestArrivalsAndDeadlines: what a simulation driver relies on.
func TestArrivalsAndDeadlines(t *testing.T) {
	n := newNode(t, protocol.Config{ReportArrivals: true, StatusInterval: time.Minute})
	if _, ok := n.core.NextDeadline(); ok {
		t.Error("a deadline with no peer")
	}
	acts := n.step(protocol.PeerConnected{Peer: "p"})
	next, ok := n.core.NextDeadline()
	if !ok || !next.Equal(n.now.Add(protocol.StatusTimeout)) {
		t.Errorf("next deadline %v, want the status request's", next.Sub(n.now))
	}
	if n.core.HasReady() || len(acts) != 1 || protocol.Size(acts[0].(protocol.Send).Msg) != 1 {
		t.Errorf("connect: %v", acts)
	}
	b := n.h.NewBlock("a1", consensustest.GenesisName)
	acts = n.step(protocol.Received{From: "p", Msg: protocol.NewBlock{Block: b}})
	var arrived *protocol.BlockArrived
	for _, a := range acts {
		if ba, ok := a.(protocol.BlockArrived); ok {
			arrived = &ba
		}
	}
	if arrived == nil || arrived.Hash != b.Hash() || arrived.Status != consensus.StatusMainChain {
		t.Errorf("arrival: %+v", arrived)
	}
	for _, m := range []protocol.Message{
		protocol.NewBlock{Block: b}, protocol.NewTx{Tx: b.Transactions[0]},
		protocol.GetHeaders{Locator: n.engine.Locator()}, protocol.GetBlocks{Hashes: []chain.Hash{b.Hash()}},
		protocol.Blocks{Blocks: nil}, protocol.Headers{},
	} {
		if req, err := protocol.EncodeRequest(m); err == nil && len(req) != protocol.Size(m) {
			t.Errorf("%s: size %d, encoded %d", m.Kind(), protocol.Size(m), len(req))
		}
		if nb, ok := m.(protocol.NewBlock); ok && protocol.Size(m) != len(nb.Block.Serialize()) {
			t.Errorf("block size %d", protocol.Size(m))
		}
	}
	st := protocol.Status{Work: n.engine.Tip().ChainWork}
	if protocol.Size(st) != len(protocol.EncodeStatus(st)) {
		t.Errorf("status size %d, encoded %d", protocol.Size(st), len(protocol.EncodeStatus(st)))
	}
	if n.core.Engine() != n.engine {
		t.Error("Engine() is not the engine given")
	}
}
