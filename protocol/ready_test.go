package protocol_test

import (
	"testing"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/protocol"
)

// AppendReady hands over the same actions as Ready, after what dst held,
// and the slice it returns is the driver's: the core's next actions, made
// in the buffer the core keeps, do not change it.
func TestAppendReady(t *testing.T) {
	n := newNode(t, protocol.Config{})
	n.core.Step(n.now, protocol.PeerConnected{Peer: "p1"})
	acts := n.core.AppendReady(nil)
	if len(acts) != 1 || acts[0].(protocol.Send).To != "p1" || n.core.HasReady() {
		t.Fatalf("after a connection: %#v", acts)
	}

	a1 := n.h.NewBlock("a1", consensustest.GenesisName)
	n.core.Step(n.now, protocol.Received{From: "p1", Msg: protocol.NewBlock{Block: a1}})
	acts = n.core.AppendReady(acts)
	if len(acts) != 3 || acts[0].(protocol.Send).To != "p1" {
		t.Fatalf("dst was not kept: %#v", acts)
	}
	tip, ok2 := acts[1].(protocol.TipChanged)
	relay, ok := acts[2].(protocol.Publish)
	if !ok || !ok2 || relay.From != "p1" || tip.Hash != a1.Hash() || len(tip.Connected) != 1 {
		t.Fatalf("a block from a peer: %#v", acts[1:])
	}

	a2 := n.h.NewBlock("a2", "a1")
	n.core.Step(n.now, protocol.Received{From: "p1", Msg: protocol.NewBlock{Block: a2}})
	next := n.core.AppendReady(nil)
	if tip := acts[1].(protocol.TipChanged); tip.Hash != a1.Hash() || len(tip.Connected) != 1 || tip.Connected[0] != a1 {
		t.Fatal("the core's next actions changed what it had handed over")
	}
	if len(next) != 2 || next[0].(protocol.TipChanged).Hash != a2.Hash() {
		t.Fatalf("the next block: %#v", next)
	}

}
