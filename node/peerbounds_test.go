package node

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/internal/hostile"
)

// sideBlock builds a valid child of genesis at the pow limit: real proof of
// work, valid coinbase, but far less work than a chain a few blocks long.
func sideBlock(params *consensus.Params, salt uint64) *chain.Block {
	extra := binary.LittleEndian.AppendUint64(nil, salt)
	cb := chain.NewCoinbase(1, extra, chain.TxOut{Amount: params.Subsidy(1), Address: consensustest.Address("mallory")})
	b := &chain.Block{
		Header: chain.BlockHeader{Version: 1, PrevBlock: params.GenesisHash, MerkleRoot: chain.MerkleRoot([]chain.Hash{cb.TxID()}),
			Timestamp: params.Genesis.Timestamp + 5, Bits: params.PowLimitBits},
		Transactions: []*chain.Transaction{cb},
	}
	hostile.MineHeader(&b.Header, params.PowLimit)
	return b
}

// TestSideBranchFloodNotStored (issue 9, item 8): a peer publishes valid
// children of genesis, far below the tip's work, over real GossipSub. The
// node stores none of them and relays none to its honest peer, and the
// flooder is banned after BanScore/PointsStaleBlock of them.
func TestSideBranchFloodNotStored(t *testing.T) {
	c := newCluster(t, testParams(t))
	c.add()
	c.add(0)
	c.waitPeers(c.nodes[0], 1)
	c.mine(0, 10, "miner")
	c.waitConverged(10 * time.Second)
	target := c.nodes[0]
	hp := newHostile(t, c, target)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hp.WaitTopicPeers(ctx, target.Host().ID()); err != nil {
		t.Fatal(err)
	}
	sent := 0
	for i := range 200 {
		if !connectedTo(target, hp.ID()) {
			break
		}
		if err := hp.Publish(ctx, hp.Blocks, sideBlock(c.params, uint64(i)).Serialize()); err != nil {
			break
		}
		sent++
	}
	waitDropped(t, target, hp, 20*time.Second)
	c.mine(1, 1, "miner")
	c.waitConverged(10 * time.Second)
	for i, n := range c.nodes {
		var tips int
		n.withEngine(func(e *consensus.Engine) { tips = len(e.ChainTips()) })
		if tips != 1 {
			t.Errorf("node %d has %d chain tips after the flood: side blocks stored", i, tips)
		}
	}
	t.Logf("%d side blocks published before the ban", sent)
}

// TestScoreSurvivesReconnect (issue 9, item 10): a peer that reconnects
// after each offence keeps its score, and is banned once the offences add
// up to BanScore.
func TestScoreSurvivesReconnect(t *testing.T) {
	c := newCluster(t, testParams(t))
	target := c.add()
	hp := newHostile(t, c, target)
	for round := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if round > 0 {
			if _, err := hp.Connect(ctx, target.Host().Addrs()[0]); err != nil {
				cancel()
				t.Fatalf("reconnect: %v", err)
			}
		}
		if err := hp.WaitTopicPeers(ctx, target.Host().ID()); err != nil {
			cancel()
			t.Fatal(err)
		}
		// An undecodable transaction: PointsUndecodable (50) each time.
		if err := hp.Publish(ctx, hp.Txs, []byte{0xde, 0xad, byte(round)}); err != nil {
			cancel()
			t.Fatal(err)
		}
		cancel()
		if round == 0 {
			waitFor(t, 10*time.Second, "the first offence to count", func() bool {
				for _, p := range target.Host().Peers() {
					if p.ID == hp.ID() && p.BanScore > 0 {
						return true
					}
				}
				return false
			})
			_ = hp.Host.Network().ClosePeer(target.Host().ID())
			waitFor(t, 10*time.Second, "the peer to leave", func() bool { return !connectedTo(target, hp.ID()) })
		}
	}
	waitDropped(t, target, hp, 20*time.Second)
}

// TestClaimCheckedBeforeDownload (issue 9, item 9): a peer claims 2^200
// work and serves a valid but cheap header chain. The headers are weighed
// before any block is fetched: the claim is not borne out, the peer is
// banned, and not one block is asked of it.
func TestClaimCheckedBeforeDownload(t *testing.T) {
	params := testParams(t)
	c := newCluster(t, params)
	target := c.add()
	c.mine(0, 3, "miner")
	hp := newHostile(t, c, target)
	g := params.GenesisBlock.Header
	hp.SetResponder(hostile.Responder{
		Status: func() hostile.Status {
			return hostile.Status{Genesis: params.GenesisHash, Tip: chain.Hash{0xab}, Height: 1 << 20, Work: hugeWork}
		},
		Headers: func([]chain.Hash) []chain.BlockHeader {
			return hostile.HeaderChain(params, params.GenesisHash, g.Timestamp, 50, 7)
		},
	})
	waitDropped(t, target, hp, 20*time.Second)
	if n := hp.Served(hostile.KindGetBlocks); n != 0 {
		t.Errorf("%d block requests sent to a peer whose headers do not bear out its claim", n)
	}
}
