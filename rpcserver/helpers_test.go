package rpcserver_test

import (
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/node"
	"github.com/devchain/devchain/rpcclient"
)

// The tests run the server on a real node (package node, real Badger
// datadir and libp2p host on 127.0.0.1) and call it over HTTP.

// testParams is the harness chain without retargeting.
func testParams(t testing.TB) *consensus.Params {
	t.Helper()
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	p, err := consensus.NewParams(g)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rpcNode starts one node with its RPC server and returns a client.
func rpcNode(t testing.TB) (*node.Node, *rpcclient.Client) {
	t.Helper()
	dir := t.TempDir()
	n, err := node.New(node.Config{DataDir: dir, Params: testParams(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	c, err := rpcclient.FromDatadir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return n, c
}

// startPeer starts a second node (no RPC) connected to n and waits for
// the connection.
func startPeer(t *testing.T, n *node.Node) {
	t.Helper()
	peer, err := node.New(node.Config{DataDir: t.TempDir(), Params: n.Params(), RPCAddr: "-", Peers: []string{n.Host().Addrs()[0]}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	deadline := time.Now().Add(20 * time.Second)
	for n.Host().ConnectionCount() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the peer did not connect in 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// genesisSpend pays alice's genesis output to payee.
func genesisSpend(t *testing.T, n *node.Node, payee string) *chain.Transaction {
	t.Helper()
	p := n.Params()
	g := p.GenesisBlock.Transactions[0]
	spent := g.Outputs[0]
	tx := &chain.Transaction{
		Version: 1,
		Inputs:  []chain.TxIn{{PrevOut: chain.OutPoint{TxID: g.TxID(), Index: 0}}},
		Outputs: []chain.TxOut{{Amount: spent.Amount - 1000, Address: consensustest.Address(payee)}},
	}
	if err := chain.SignTransaction(tx, []chain.TxOut{spent}, []*btcec.PrivateKey{consensustest.Key("alice")}, p.GenesisHash); err != nil {
		t.Fatal(err)
	}
	return tx
}

var testPowLimit = consensus.CompactToBig(0x207fffff)

// mineHeader searches a nonce meeting the header's own bits.
func mineHeader(h *chain.BlockHeader) {
	for !powOK(h) {
		h.Nonce++
	}
}

func powOK(h *chain.BlockHeader) bool { return consensus.CheckProofOfWork(h, testPowLimit) == nil }
