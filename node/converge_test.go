package node

import (
	"testing"
	"time"
)

// TestThreeNodesConverge: three nodes in a line each mine; every node
// ends on the same tip.
//
//	n0 <- n1 <- n2    (n1 dials n0, n2 dials n1)
func TestThreeNodesConverge(t *testing.T) {
	c := newCluster(t, testParams(t))
	c.add()
	c.add(0)
	c.add(1)
	c.waitPeers(c.nodes[1], 2)
	for round := 0; round < 3; round++ {
		for i := range c.nodes {
			c.mine(i, 2, "miner")
			c.waitConverged(10 * time.Second)
		}
	}
	tip := c.waitConverged(10 * time.Second)
	if tip.Height != 18 {
		t.Fatalf("tip height %d, want 18", tip.Height)
	}
	want := utxoDigest(t, c.nodes[0])
	for i, n := range c.nodes[1:] {
		if got := utxoDigest(t, n); got != want {
			t.Fatalf("node %d UTXO set %s, node 0 has %s", i+1, got, want)
		}
	}
}

// TestLateJoinerSyncs: a node started after 300 blocks fetches them all
// through the sync protocol (gossip of past blocks is long gone).
func TestLateJoinerSyncs(t *testing.T) {
	c := newCluster(t, testParams(t))
	c.add()
	c.mine(0, 300, "miner")
	late := c.add(0)
	tip := c.waitConverged(30 * time.Second)
	if tip.Height != 300 || late.Tip().Height != 300 {
		t.Fatalf("late node at %d, want 300", late.Tip().Height)
	}
}

// TestSyncFromSeveralPeers: a late node connected to two synced peers and
// one that is behind fetches batches from the synced ones (what the
// lagging one lacks is asked of the peer being synced with) and ends on
// the tip.
func TestSyncFromSeveralPeers(t *testing.T) {
	c := newCluster(t, testParams(t))
	c.add()
	c.mine(0, 700, "miner")
	c.add(0)
	c.waitConverged(30 * time.Second)
	c.add()             // behind
	c.mine(2, 5, "bob") // its own short chain: less work, never a source
	late := c.add(0, 1, 2)
	waitFor(t, 30*time.Second, "the late node to sync", func() bool {
		return late.Tip().Hash == c.nodes[0].Tip().Hash
	})
	c.waitConverged(30 * time.Second) // the lagging node syncs from the late one
}
