package p2p

import (
	"context"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/protocol"
)

// scriptedCore stands in for the protocol core: it records the events the
// driver gives it and answers with scripted actions.
type scriptedCore struct {
	mu     sync.Mutex
	events []protocol.Event
	react  func(ev protocol.Event) []protocol.Action
}

func (c *scriptedCore) Step(ev protocol.Event) []protocol.Action {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, tick := ev.(protocol.Tick); !tick {
		c.events = append(c.events, ev)
	}
	if c.react == nil {
		return nil
	}
	return c.react(ev)
}

func (c *scriptedCore) Peers() []protocol.PeerInfo { return nil }
func (c *scriptedCore) Busy() bool                 { return false }

func (c *scriptedCore) find(match func(protocol.Event) bool) (protocol.Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range c.events {
		if match(ev) {
			return ev, true
		}
	}
	return nil, false
}

func waitEvent(t *testing.T, c *scriptedCore, what string, match func(protocol.Event) bool) protocol.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ev, ok := c.find(match); ok {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDriverCarriesRequests: the driver tells the core of a connection,
// runs the core's request on a stream, has the other side's core answer
// it, and hands the answer back with the request's id; the wire bytes in
// between are protocol's.
func TestDriverCarriesRequests(t *testing.T) {
	params, err := consensus.NewParams(consensustest.TestGenesis())
	if err != nil {
		t.Fatal(err)
	}
	tip := chain.Hash{7}
	server := &scriptedCore{react: func(ev protocol.Event) []protocol.Action {
		if r, ok := ev.(protocol.Received); ok {
			if req, ok := r.Msg.(protocol.GetStatus); ok {
				return []protocol.Action{protocol.Send{To: r.From, Msg: protocol.Status{
					ID: req.ID, Genesis: params.GenesisHash, Tip: tip, Height: 3, Work: big.NewInt(99)}}}
			}
		}
		return nil
	}}
	client := &scriptedCore{}
	client.react = func(ev protocol.Event) []protocol.Action {
		if c, ok := ev.(protocol.PeerConnected); ok {
			return []protocol.Action{protocol.Send{To: c.Peer, Msg: protocol.GetStatus{ID: 41}}}
		}
		return nil
	}
	newHost := func(core Protocol) *Host {
		h, err := New(Config{Params: params, Protocol: core, TickInterval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		return h
	}
	a, b := newHost(client), newHost(server)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.AddNode(ctx, b.Addrs()[0], "onetry"); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, client, "the status answer", func(ev protocol.Event) bool {
		r, ok := ev.(protocol.Received)
		return ok && r.Msg.Kind() == "status"
	})
	got := ev.(protocol.Received)
	st := got.Msg.(protocol.Status)
	if got.From != toCore(b.ID()) || st.ID != 41 || st.Tip != tip || st.Height != 3 || st.Work.Int64() != 99 {
		t.Errorf("answer %+v from %s", st, got.From)
	}
	waitEvent(t, server, "the request", func(ev protocol.Event) bool {
		r, ok := ev.(protocol.Received)
		return ok && r.From == toCore(a.ID()) && r.Msg.Kind() == "get-status"
	})

	// A block published by the core reaches the other core's validator,
	// which reads its verdict from the core's actions.
	deadline := time.Now().Add(10 * time.Second)
	for len(a.blocks.ListPeers()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no peer on the block topic")
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.Execute([]protocol.Action{protocol.Publish{Msg: protocol.NewBlock{Block: params.GenesisBlock}}})
	waitEvent(t, server, "the gossiped block", func(ev protocol.Event) bool {
		r, ok := ev.(protocol.Received)
		return ok && r.Msg.Kind() == "block" && r.Msg.(protocol.NewBlock).Block.Hash() == params.GenesisHash
	})

	// A ban from the core closes the connection and the gater refuses
	// the peer until the ban ends.
	a.Execute([]protocol.Action{protocol.Ban{Peer: toCore(b.ID()), Until: time.Now().Add(time.Hour)}})
	waitEvent(t, client, "the disconnection", func(ev protocol.Event) bool {
		d, ok := ev.(protocol.PeerDisconnected)
		return ok && d.Peer == toCore(b.ID())
	})
	if err := a.AddNode(ctx, b.Addrs()[0], "onetry"); err == nil {
		t.Error("a banned peer was dialled")
	}
	if fromCore("not a peer id") != "" {
		t.Error("a bad peer id decoded")
	}
}
