package protocol_test

import (
	"testing"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/protocol"
)

// TestPrivateTipStatusWork: while its tip is withheld, a node's status
// claims the work of its last public block, not its tip's: a peer judging
// the claim against the headers it is served finds no false claim.
func TestPrivateTipStatusWork(t *testing.T) {
	n := newNode(t, protocol.Config{})
	a1 := n.h.NewBlock("a1", consensustest.GenesisName)
	a2 := n.h.NewBlock("a2", "a1")
	if _, err := n.core.SubmitBlock(n.now, a1); err != nil {
		t.Fatal(err)
	}
	if _, err := n.core.AcceptBlock(n.now, a2); err != nil {
		t.Fatal(err)
	}
	if !n.core.Private(a2.Hash()) || n.core.Private(a1.Hash()) {
		t.Fatalf("private: a1 %v a2 %v, want false true", n.core.Private(a1.Hash()), n.core.Private(a2.Hash()))
	}
	n.step(protocol.PeerConnected{Peer: "p1"})
	statusOf := func() protocol.Status {
		t.Helper()
		for _, a := range n.step(protocol.Received{From: "p1", Msg: protocol.GetStatus{ID: 7}}) {
			if s, ok := a.(protocol.Send); ok {
				if st, ok := s.Msg.(protocol.Status); ok {
					return st
				}
			}
		}
		t.Fatal("no status sent")
		return protocol.Status{}
	}
	want, _, _ := n.engine.Work(a1.Hash())
	if st := statusOf(); st.Tip != a1.Hash() || st.Work.Cmp(want) != 0 {
		t.Fatalf("status tip %s work %s, want a1's %s", st.Tip, st.Work, want)
	}
	n.core.Announce(a2)
	want, _, _ = n.engine.Work(a2.Hash())
	if st := statusOf(); st.Tip != a2.Hash() || st.Work.Cmp(want) != 0 {
		t.Fatalf("after announce: status tip %s work %s, want a2's %s", st.Tip, st.Work, want)
	}
}
