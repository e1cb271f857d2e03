package node

import (
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
)

// partitionCluster starts three fully connected nodes.
func partitionCluster(t *testing.T) *cluster {
	c := newCluster(t, testParams(t))
	c.add()
	c.add(0)
	c.add(0, 1)
	for _, n := range c.nodes {
		c.waitPeers(n, 2)
	}
	return c
}

// isolate cuts node i off with its own API (setnetworkactive false).
func (c *cluster) isolate(i int) {
	c.t.Helper()
	c.nodes[i].Host().SetNetworkActive(false)
	waitFor(c.t, 10*time.Second, "the partition", func() bool {
		for j, n := range c.nodes {
			want := len(c.nodes) - 2
			if j == i {
				want = 0
			}
			if n.Host().ConnectionCount() != want {
				return false
			}
		}
		return true
	})
}

func (c *cluster) heal(i int) {
	c.nodes[i].Host().SetNetworkActive(true)
}

// TestPartitionHeals: two nodes and one mine on both sides of a partition;
// after it heals every node is on the branch with the most work, with the
// same UTXO set.
//
//	      /- a1 a2 a3              n0, n1 (majority)
//	g .. x
//	      \- b1 b2 b3 b4 b5        n2 alone: more work, wins
func TestPartitionHeals(t *testing.T) {
	c := partitionCluster(t)
	c.mine(0, 5, "miner")
	c.waitConverged(10 * time.Second)

	c.isolate(2)
	c.mine(0, 3, "alice")
	c.mine(2, 5, "bob")
	waitFor(t, 10*time.Second, "n1 to follow n0", func() bool { return c.nodes[1].Tip().Hash == c.nodes[0].Tip().Hash })
	minority := c.nodes[2].Tip()

	c.heal(2)
	tip := c.waitConverged(20 * time.Second)
	if tip.Hash != minority.Hash || tip.Height != 10 {
		t.Fatalf("converged on %s at %d, want n2's branch %s at 10", tip.Hash, tip.Height, minority.Hash)
	}
	want := utxoDigest(t, c.nodes[0])
	for i, n := range c.nodes {
		if got := utxoDigest(t, n); got != want {
			t.Fatalf("node %d UTXO set %s, node 0 has %s", i, got, want)
		}
	}
}

// genesisSpend signs a transaction spending alice's genesis allocation
// (100 coins) to payee, less a fee.
func genesisSpend(t *testing.T, n *Node, payee string) *chain.Transaction {
	t.Helper()
	p := n.Params()
	g := p.GenesisBlock.Transactions[0]
	prev := chain.OutPoint{TxID: g.TxID(), Index: 0}
	spent := g.Outputs[0]
	tx := &chain.Transaction{
		Version: 1,
		Inputs:  []chain.TxIn{{PrevOut: prev}},
		Outputs: []chain.TxOut{{Amount: spent.Amount - 1000, Address: consensustest.Address(payee)}},
	}
	keys := []*btcec.PrivateKey{consensustest.Key("alice")}
	if err := chain.SignTransaction(tx, []chain.TxOut{spent}, keys, p.GenesisHash); err != nil {
		t.Fatal(err)
	}
	return tx
}

// TestDoubleSpendAcrossPartition: alice pays bob on one side and carol on
// the other. After the partition heals exactly one payment is confirmed,
// and the loser is in no mempool.
func TestDoubleSpendAcrossPartition(t *testing.T) {
	c := partitionCluster(t)
	c.isolate(2)
	toBob := genesisSpend(t, c.nodes[0], "bob")
	toCarol := genesisSpend(t, c.nodes[2], "carol")
	if _, err := c.nodes[0].acceptTx(toBob, fromLocal); err != nil {
		t.Fatal(err)
	}
	if _, err := c.nodes[2].acceptTx(toCarol, fromLocal); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "n1 to get the payment to bob", func() bool { return c.nodes[1].Mempool().Has(toBob.TxID()) })
	c.mine(0, 1, "miner")
	c.mine(2, 2, "miner")

	c.heal(2)
	c.waitConverged(20 * time.Second)
	for i, n := range c.nodes {
		if !confirmed(t, n, toCarol.TxID()) {
			t.Errorf("node %d: winning payment to carol not confirmed", i)
		}
		if confirmed(t, n, toBob.TxID()) {
			t.Errorf("node %d: losing payment to bob confirmed", i)
		}
		if n.Mempool().Has(toBob.TxID()) || n.Mempool().Has(toCarol.TxID()) {
			t.Errorf("node %d: mempool still holds a payment", i)
		}
	}
}

func confirmed(t *testing.T, n *Node, txid chain.Hash) bool {
	t.Helper()
	var ok bool
	var err error
	n.withEngine(func(e *consensus.Engine) { _, ok, err = e.TxLocation(txid) })
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
