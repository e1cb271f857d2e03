package node

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
)

// testParams is the harness chain without retargeting (regtest-like), so
// that tests mine thousands of blocks at the pow limit.
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

// testLogger logs to the test output when DEVCHAIN_TEST_LOG is set.
func testLogger(t testing.TB, name string) *slog.Logger {
	if os.Getenv("DEVCHAIN_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(testWriter{t, name}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	t    testing.TB
	name string
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s: %s", w.name, p)
	return len(p), nil
}

// cluster is a set of real nodes in one process: real Badger datadirs,
// real libp2p hosts on 127.0.0.1.
type cluster struct {
	t      testing.TB
	params *consensus.Params
	nodes  []*Node
	dirs   []string
	// noIndexers starts the nodes without the optional indexers.
	noIndexers bool
}

func newCluster(t testing.TB, params *consensus.Params) *cluster {
	return &cluster{t: t, params: params}
}

// add starts a node connected to the given earlier nodes.
func (c *cluster) add(peers ...int) *Node {
	c.t.Helper()
	var addrs []string
	for _, i := range peers {
		addrs = append(addrs, c.nodes[i].Host().Addrs()[0])
	}
	dir := c.t.TempDir()
	return c.start(dir, addrs)
}

func (c *cluster) start(dir string, peers []string) *Node {
	c.t.Helper()
	i := len(c.nodes)
	n, err := New(Config{
		DataDir:        dir,
		Params:         c.params,
		RPCAddr:        "-",
		Peers:          peers,
		StatusInterval: 200 * time.Millisecond,
		Logger:         testLogger(c.t, fmt.Sprintf("n%d", i)),
		NoTxIndex:      c.noIndexers,
		NoAddrIndex:    c.noIndexers,
	})
	if err != nil {
		c.t.Fatalf("start node %d: %v", i, err)
	}
	c.t.Cleanup(func() { n.Close() })
	c.nodes = append(c.nodes, n)
	c.dirs = append(c.dirs, dir)
	return n
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitConverged waits until every node has the same tip, and returns it.
func (c *cluster) waitConverged(timeout time.Duration) consensus.BlockInfo {
	c.t.Helper()
	waitFor(c.t, timeout, "nodes to agree on a tip", func() bool {
		tip := c.nodes[0].Tip().Hash
		for _, n := range c.nodes[1:] {
			if n.Tip().Hash != tip {
				return false
			}
		}
		return true
	})
	return c.nodes[0].Tip()
}

func (c *cluster) waitPeers(n *Node, count int) {
	c.t.Helper()
	waitFor(c.t, 10*time.Second, fmt.Sprintf("%d peers", count), func() bool { return n.Host().ConnectionCount() >= count })
}

// mine makes node i mine count blocks paying key.
func (c *cluster) mine(i, count int, key string) []chain.Hash {
	c.t.Helper()
	hashes, err := c.nodes[i].GenerateToAddress(context.Background(), count, consensustest.Address(key))
	if err != nil {
		c.t.Fatalf("node %d mine: %v", i, err)
	}
	return hashes
}

// utxoDigest hashes a node's whole UTXO set.
func utxoDigest(t testing.TB, n *Node) string {
	t.Helper()
	h := sha256.New()
	count := 0
	var err error
	n.withEngine(func(e *consensus.Engine) {
		err = e.ForEachUTXO(func(o store.Output) error {
			count++
			fmt.Fprintf(h, "%s:%d %d %x %d %v\n", o.OutPoint.TxID, o.OutPoint.Index, o.UTXO.Amount, o.UTXO.Address[:], o.UTXO.Height, o.UTXO.Coinbase)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%x", count, h.Sum(nil)[:8])
}
