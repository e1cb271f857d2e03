package node

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/p2p"
)

// hostilePeer is a bare libp2p host on the chain's gossip topics that
// publishes whatever the test gives it.
type hostilePeer struct {
	blocks *pubsub.Topic
	txs    *pubsub.Topic
	id     peer.ID
}

func newHostilePeer(t *testing.T, c *cluster, target *Node) *hostilePeer {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ps, err := pubsub.NewGossipSub(ctx, h, pubsub.WithMessageIdFn(p2p.MessageID), pubsub.WithNoAuthor(), pubsub.WithFloodPublish(true))
	if err != nil {
		t.Fatal(err)
	}
	hp := &hostilePeer{id: h.ID()}
	if hp.blocks, err = ps.Join(p2p.TopicName(c.params, "blocks")); err != nil {
		t.Fatal(err)
	}
	if hp.txs, err = ps.Join(p2p.TopicName(c.params, "txs")); err != nil {
		t.Fatal(err)
	}
	info, err := p2p.ParsePeerAddr(target.Host().Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Connect(ctx, info); err != nil {
		t.Fatal(err)
	}
	return hp
}

func connectedTo(n *Node, id peer.ID) bool {
	for _, p := range n.Host().Peers() {
		if p.ID == id {
			return true
		}
	}
	return false
}

// TestHostilePeerBanned: a peer gossiping garbage, blocks with bad proof of
// work or a bad Merkle root, and transactions with bad signatures is
// penalised and dropped, and the honest nodes keep converging.
func TestHostilePeerBanned(t *testing.T) {
	c := newCluster(t, testParams(t))
	c.add()
	c.add(0)
	c.waitPeers(c.nodes[0], 1)
	c.mine(0, 3, "miner")
	c.waitConverged(10 * time.Second)

	cases := []struct {
		name    string
		publish func(hp *hostilePeer, i int) error
	}{
		{"garbage", func(hp *hostilePeer, i int) error {
			return hp.blocks.Publish(context.Background(), []byte{byte(i), 0xde, 0xad, 0xbe, 0xef})
		}},
		{"bad merkle root", func(hp *hostilePeer, i int) error {
			b, err := c.nodes[0].Template(consensustest.Address("mallory"))
			if err != nil {
				return err
			}
			b.Header.MerkleRoot = chain.Hash{byte(i), 1}
			mineHeader(&b.Header)
			return hp.blocks.Publish(context.Background(), b.Serialize())
		}},
		{"high hash", func(hp *hostilePeer, i int) error {
			b, err := c.nodes[0].Template(consensustest.Address("mallory"))
			if err != nil {
				return err
			}
			for b.Header.Nonce = uint32(i); checkPoW(b) == nil; b.Header.Nonce++ {
			}
			return hp.blocks.Publish(context.Background(), b.Serialize())
		}},
		{"bad signature", func(hp *hostilePeer, i int) error {
			tx := genesisSpend(t, c.nodes[0], "mallory")
			tx.Outputs[0].Amount -= int64(i + 1) // the signature no longer matches
			return hp.txs.Publish(context.Background(), tx.Serialize())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hp := newHostilePeer(t, c, c.nodes[0])
			waitFor(t, 10*time.Second, "the hostile peer to connect", func() bool { return connectedTo(c.nodes[0], hp.id) })
			i := 0
			waitFor(t, 20*time.Second, "the hostile peer to be banned", func() bool {
				i++
				_ = tc.publish(hp, i)
				return !connectedTo(c.nodes[0], hp.id)
			})
			c.mine(1, 2, "miner")
			c.waitConverged(10 * time.Second)
		})
	}
}

// mineHeader searches a nonce meeting the header's own bits.
func mineHeader(h *chain.BlockHeader) {
	for !powOK(h) {
		h.Nonce++
	}
}

func powOK(h *chain.BlockHeader) bool {
	return consensus.CheckProofOfWork(h, testPowLimit) == nil
}

func checkPoW(b *chain.Block) error { return consensus.CheckProofOfWork(&b.Header, testPowLimit) }

var testPowLimit = consensus.CompactToBig(0x207fffff)
