package node

import (
	"context"
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/internal/hostile"
	"github.com/devchain/devchain/mempool"
)

// newHostile starts a hostile peer connected to n.
func newHostile(t *testing.T, c *cluster, n *Node) *hostile.Peer {
	t.Helper()
	hp, err := hostile.New(c.params)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hp.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := hp.Connect(ctx, n.Host().Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	return hp
}

// hugeWork is more work than any test chain has.
var hugeWork = new(big.Int).Lsh(big.NewInt(1), 200)

// waitDropped waits until n no longer has id as a peer and refuses it.
func waitDropped(t *testing.T, n *Node, hp *hostile.Peer, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, "the hostile peer to be dropped", func() bool { return !connectedTo(n, hp.ID()) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := hp.Connect(ctx, n.Host().Addrs()[0]); err == nil {
		// The dial itself may succeed before the gater's verdict closes it.
		waitFor(t, 5*time.Second, "the banned peer's reconnection to be refused", func() bool { return !connectedTo(n, hp.ID()) })
	}
}

// TestHostileSyncLies: a peer announces a status with far more work than
// anyone has, then cannot back it: it sends no headers, headers that do not
// connect, headers with bad proof of work, headers whose blocks it never
// delivers, or it stalls every request. The honest node penalises it until
// it is banned (or, for the staller, stops waiting on it), asks it for
// headers a bounded number of times, and keeps converging with its honest
// peer meanwhile.
func TestHostileSyncLies(t *testing.T) {
	params := testParams(t)
	g := params.GenesisBlock.Header
	var salt atomic.Uint32
	// A different tip at every status, so that the "useless peer" memory
	// does not hide the lie: each status is a new claim.
	freshTip := func() hostile.Status {
		s := salt.Add(1)
		return hostile.Status{Genesis: params.GenesisHash, Tip: chain.Hash{byte(s), byte(s >> 8), 0xaa}, Height: 1 << 20, Work: hugeWork}
	}
	cases := []struct {
		name string
		resp hostile.Responder
		ban  bool
	}{
		{"no headers", hostile.Responder{Status: freshTip, Headers: func([]chain.Hash) []chain.BlockHeader { return nil }}, true},
		{"headers that do not connect", hostile.Responder{Status: freshTip, Headers: func([]chain.Hash) []chain.BlockHeader {
			return hostile.HeaderChain(params, chain.Hash{0xbb, byte(salt.Add(1))}, g.Timestamp, 10, salt.Load())
		}}, true},
		{"headers with bad proof of work", hostile.Responder{Status: freshTip, Headers: func([]chain.Hash) []chain.BlockHeader {
			hs := hostile.HeaderChain(params, params.GenesisHash, g.Timestamp, 5, salt.Add(1))
			hostile.BreakHeader(&hs[4], params.PowLimit)
			return hs
		}}, true},
		{"headers without blocks", hostile.Responder{Status: freshTip, Headers: func([]chain.Hash) []chain.BlockHeader {
			return hostile.HeaderChain(params, params.GenesisHash, g.Timestamp, 20, salt.Add(1))
		}, Blocks: func(hashes []chain.Hash) [][]byte { return [][]byte{{}} }}, true},
		{"same tip, no headers", hostile.Responder{Status: func() hostile.Status {
			return hostile.Status{Genesis: params.GenesisHash, Tip: chain.Hash{0xcc}, Height: 1 << 20, Work: hugeWork}
		}, Headers: func([]chain.Hash) []chain.BlockHeader { return nil }}, false},
		{"stall", hostile.Responder{Stall: true}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, params)
			c.add()
			c.add(0)
			c.waitPeers(c.nodes[0], 1)
			c.mine(0, 3, "miner")
			c.waitConverged(10 * time.Second)
			hp := newHostile(t, c, c.nodes[0])
			hp.SetResponder(tc.resp)
			waitFor(t, 10*time.Second, "the hostile peer to be asked", func() bool { return hp.Served(hostile.KindStatus) > 0 })
			if tc.ban {
				waitDropped(t, c.nodes[0], hp, 30*time.Second)
			}
			// Honest convergence goes on, through gossip and through sync:
			// n1 mines while cut off, then reconnects.
			c.mine(1, 2, "miner")
			c.waitConverged(10 * time.Second)
			n1 := c.nodes[1]
			n1.Host().SetNetworkActive(false)
			waitFor(t, 10*time.Second, "n1 to be cut off", func() bool { return n1.Host().ConnectionCount() == 0 })
			c.mine(1, 3, "miner")
			n1.Host().SetNetworkActive(true)
			c.waitConverged(20 * time.Second)
			headers := hp.Served(hostile.KindGetHeaders)
			t.Logf("the liar was asked %d statuses, %d headers, %d blocks; connected at the end: %v",
				hp.Served(hostile.KindStatus), headers, hp.Served(hostile.KindGetBlocks), connectedTo(c.nodes[0], hp.ID()))
			if headers > 6 {
				t.Errorf("asked a lying peer for headers %d times", headers)
			}
			if n := hp.Served(hostile.KindStatus); tc.resp.Stall && n > 3 {
				t.Errorf("a stalling peer was asked %d times", n)
			}
		})
	}
}

// TestSyncRequestFlood: a peer floods the sync responder with concurrent
// status, headers and blocks requests, and with malformed and oversized
// requests. The node serves at most a bounded number of its requests at a
// time and at a bounded rate, penalises the flood until the peer is banned,
// its memory stays bounded, and it keeps converging with its honest peer.
func TestSyncRequestFlood(t *testing.T) {
	c := newCluster(t, testParams(t))
	c.add()
	c.add(0)
	c.waitPeers(c.nodes[0], 1)
	hashes := c.mine(0, 128, "miner")
	c.waitConverged(20 * time.Second)
	target := c.nodes[0]
	hp := newHostile(t, c, target)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	requests := [][]byte{
		{hostile.KindStatus},
		hostile.EncodeGetHeaders([]chain.Hash{c.params.GenesisHash}, 2000),
		hostile.EncodeGetBlocks(hashes),
	}
	var served, refused atomic.Int64
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	to := target.Host().ID()
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ctx.Err() == nil && connectedTo(target, hp.ID()); i++ {
				rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
				frames, err := hp.Request(rctx, to, requests[i%len(requests)], 200)
				rcancel()
				if err != nil || len(frames) == 0 {
					refused.Add(1)
				} else {
					served.Add(1)
				}
			}
		}()
	}
	waitDropped(t, target, hp, 30*time.Second)
	cancel()
	wg.Wait()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("flood: %d requests served, %d refused before the ban; heap %d -> %d MiB",
		served.Load(), refused.Load(), before.HeapAlloc>>20, after.HeapAlloc>>20)
	if refused.Load() == 0 {
		t.Errorf("no request of the flood was refused")
	}
	c.mine(1, 2, "miner")
	c.waitConverged(10 * time.Second)

	// Malformed and oversized requests from a fresh identity: each is
	// penalised, and the peer is banned.
	hp2 := newHostile(t, c, target)
	bad := [][]byte{
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // frame length 2^63
		append([]byte{0x80, 0x80, 0x04}, make([]byte, 64)...),  // frame of 64 KiB announced, request limit is ~4 KiB
		{0x01, 0x09},                              // unknown kind
		{0x03, hostile.KindGetHeaders, 0, 0},      // getheaders without hashes
		{0x03, hostile.KindGetBlocks, 0xff, 0xff}, // 65535 blocks asked
		{0x00}, // empty request
	}
	waitFor(t, 20*time.Second, "the malformed peer to be banned", func() bool {
		for _, raw := range bad {
			rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = hp2.RawStream(rctx, to, raw)
			rcancel()
		}
		return !connectedTo(target, hp2.ID())
	})
	c.mine(1, 2, "miner")
	c.waitConverged(10 * time.Second)
}

// TestGossipFloodsBounded: a peer gossips floods of orphan blocks (valid
// proof of work and Merkle root, unknown parent, ~10 KB each), orphan
// transactions and oversized messages while two honest nodes keep mining.
// The orphan pools stay at their bounds, the heap does not grow with the
// flood, and the honest nodes keep converging.
func TestGossipFloodsBounded(t *testing.T) {
	c := newCluster(t, testParams(t))
	c.add()
	c.add(0)
	c.waitPeers(c.nodes[0], 1)
	target := c.nodes[0]
	hp := newHostile(t, c, target)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := hp.WaitTopicPeers(ctx, target.Host().ID()); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const flood = 600
	done := make(chan error, 1)
	go func() {
		for i := 0; i < flood && ctx.Err() == nil; i++ {
			if err := hp.Publish(ctx, hp.Blocks, hostile.OrphanBlock(c.params, uint64(i), 10_000).Serialize()); err != nil {
				done <- err
				return
			}
			if err := hp.Publish(ctx, hp.Txs, hostile.OrphanTx(uint64(i), 50).Serialize()); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for round := 0; round < 5; round++ {
		c.mine(round%2, 2, "miner")
		c.waitConverged(10 * time.Second)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The flood has been judged when both orphan pools are full (600
	// messages of each kind for 100 places).
	var orphanBlocks int
	waitFor(t, 30*time.Second, "the orphan pools to fill", func() bool {
		target.withEngine(func(e *consensus.Engine) { orphanBlocks = e.Orphans() })
		return target.Mempool().Info().Orphans >= mempool.DefaultMaxOrphans && orphanBlocks >= 90
	})
	target.withEngine(func(e *consensus.Engine) { orphanBlocks = e.Orphans() })
	info := target.Mempool().Info()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("after %d orphan blocks and %d orphan txs: %d orphan blocks kept, %d orphan txs (%d bytes); heap %d -> %d MiB",
		flood, flood, orphanBlocks, info.Orphans, info.OrphanBytes, before.HeapAlloc>>20, after.HeapAlloc>>20)
	if orphanBlocks > 100 || info.Orphans > mempool.DefaultMaxOrphans {
		t.Errorf("orphan pools over their bounds: %d blocks, %d transactions", orphanBlocks, info.Orphans)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 64<<20 {
		t.Errorf("heap grew by %d MiB during the flood", grown>>20)
	}
	c.mine(1, 2, "miner")
	c.waitConverged(10 * time.Second)

	// Messages larger than the gossip limit (which fits the largest valid
	// block): the node's gossip drops the stream that carried them, nothing
	// reaches the validators, and the node goes on.
	for i := 0; i < 3; i++ {
		if err := hp.Publish(ctx, hp.Blocks, make([]byte, 3<<20+i)); err != nil {
			t.Fatal(err)
		}
	}
	c.mine(0, 2, "miner")
	c.waitConverged(10 * time.Second)
}
