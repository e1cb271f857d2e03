package protocol_test

import (
	"testing"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/protocol"
)

// BenchmarkDuplicateAnnouncement measures the step a simulation pays most
// often: a peer announcing a block the node already holds (each block
// reaches a node from each of its peers). Eight peers are connected.
func BenchmarkDuplicateAnnouncement(b *testing.B) {
	n := newNode(b, protocol.Config{})
	blk := n.h.NewBlock("a1", consensustest.GenesisName)
	if _, err := n.core.SubmitBlock(n.now, blk); err != nil {
		b.Fatal(err)
	}
	for _, p := range []protocol.PeerID{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"} {
		n.step(protocol.PeerConnected{Peer: p})
	}
	n.core.Ready()
	ev := protocol.Received{From: "p3", Msg: protocol.NewBlock{Block: blk}}
	b.ReportAllocs()
	for b.Loop() {
		n.core.Step(n.now, ev)
		if n.core.HasReady() {
			b.Fatal("a duplicate announcement decided something")
		}
	}
}
