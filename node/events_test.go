package node

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/events"
	"github.com/devchain/devchain/rpcclient"
)

// eventsNode starts a node with its RPC server, subscribes to its event
// stream over HTTP and returns an RPC client and the stream.
func eventsNode(t *testing.T) (*rpcclient.Client, *rpcclient.EventStream) {
	t.Helper()
	dir := t.TempDir()
	n, err := New(Config{DataDir: dir, Params: testParams(t), Logger: testLogger(t, "events")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	c, err := rpcclient.FromDatadir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stream, err := c.Subscribe(ctx, "block_connected", "block_disconnected", "tip_changed")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stream.Close() })
	return c, stream
}

// chainEvent is the part of a chain event the story checks.
type chainEvent struct {
	Hash       string `json:"hash"`
	Height     uint32 `json:"height"`
	ReorgDepth int    `json:"reorg_depth"`
}

// readEvents reads n events and writes them as story lines, hashes named
// by the labels given (unknown hashes are a failure).
func readEvents(t *testing.T, stream *rpcclient.EventStream, labels map[string]string, n int) string {
	t.Helper()
	var b strings.Builder
	for range n {
		e, err := stream.Next()
		if err != nil {
			t.Fatalf("after %q: %v", b.String(), err)
		}
		var d chainEvent
		if err := e.Decode(&d); err != nil {
			t.Fatal(err)
		}
		label, ok := labels[d.Hash]
		if !ok {
			t.Fatalf("event %s of unknown block %s (so far: %s)", e.Name, d.Hash, b.String())
		}
		fmt.Fprintf(&b, "%s %s@%d", e.Name, label, d.Height)
		if e.Name == "tip_changed" {
			fmt.Fprintf(&b, " depth=%d", d.ReorgDepth)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestEventsOfAReorg: a reorg made with invalidateblock reaches a
// subscriber of GET /events as its disconnects (tip first), its connects
// (oldest first), then one tip_changed with the reorg's depth.
func TestEventsOfAReorg(t *testing.T) {
	c, stream := eventsNode(t)
	labels := map[string]string{}
	var genesis string
	if err := c.Call(context.Background(), "getblockhash", []any{0}, &genesis); err != nil {
		t.Fatal(err)
	}
	labels[genesis] = "G"
	generate := func(branch string, first, n int) []string {
		t.Helper()
		var hashes []string
		addr := consensustest.Address(branch).Encode(testParams(t).AddressPrefix)
		if err := c.Call(context.Background(), "generatetoaddress", []any{n, addr}, &hashes); err != nil {
			t.Fatal(err)
		}
		for i, h := range hashes {
			labels[h] = fmt.Sprintf("%s%d", branch, first+i)
		}
		return hashes
	}
	mark := func(method, hash string) {
		t.Helper()
		if err := c.Call(context.Background(), method, []any{hash}, nil); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
	}
	check := func(step, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: events\n%s\nwant\n%s", step, got, want)
		}
	}

	a := generate("A", 1, 3)
	check("mine A1..A3", readEvents(t, stream, labels, 6), `block_connected A1@1
tip_changed A1@1 depth=0
block_connected A2@2
tip_changed A2@2 depth=0
block_connected A3@3
tip_changed A3@3 depth=0
`)

	mark("invalidateblock", a[1])
	check("invalidate A2", readEvents(t, stream, labels, 3), `block_disconnected A3@3
block_disconnected A2@2
tip_changed A1@1 depth=2
`)

	generate("B", 2, 3)
	check("mine B2..B4 on A1", readEvents(t, stream, labels, 6), `block_connected B2@2
tip_changed B2@2 depth=0
block_connected B3@3
tip_changed B3@3 depth=0
block_connected B4@4
tip_changed B4@4 depth=0
`)

	// A2..A3 become valid again but have less work: nothing moves, so the
	// next events are those of the reorg below.
	mark("reconsiderblock", a[1])
	var b2 string
	for h, l := range labels {
		if l == "B2" {
			b2 = h
		}
	}
	mark("invalidateblock", b2)
	check("invalidate B2: back to A3", readEvents(t, stream, labels, 6), `block_disconnected B4@4
block_disconnected B3@3
block_disconnected B2@2
block_connected A2@2
block_connected A3@3
tip_changed A3@3 depth=3
`)
}

// TestEventsStreamEndsOnClose: the node's Close ends its event streams
// (their HTTP server could not shut down otherwise).
func TestEventsStreamEndsOnClose(t *testing.T) {
	dir := t.TempDir()
	n, err := New(Config{DataDir: dir, Params: testParams(t), Logger: testLogger(t, "events")})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c, err := rpcclient.FromDatadir(dir)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	closed := make(chan error, 1)
	go func() { closed <- n.Close() }()
	if _, err := stream.Next(); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("stream after Close: %v, want EOF", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// TestEventsBadRequests: the stream wants GET, known names and the cookie.
func TestEventsBadRequests(t *testing.T) {
	dir := t.TempDir()
	n, err := New(Config{DataDir: dir, Params: testParams(t), Logger: testLogger(t, "events")})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c, err := rpcclient.FromDatadir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Subscribe(context.Background(), "no_such_event"); err == nil || !strings.Contains(err.Error(), "unknown event") {
		t.Fatalf("unknown event name: %v", err)
	}
	bad := rpcclient.New(c.URL, c.User, "wrong")
	if _, err := bad.Subscribe(context.Background()); err != rpcclient.ErrUnauthorized {
		t.Fatalf("wrong cookie: %v", err)
	}
}

// nextEvent reads the next event of a hub subscription, with a deadline.
func nextEvent(t *testing.T, sub *events.Subscription) events.Message {
	t.Helper()
	select {
	case m, ok := <-sub.C:
		if !ok {
			t.Fatal("subscription ended")
		}
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("no event within 20 s")
	}
	return events.Message{}
}

// TestEventsOfTxsAndPeers: a transaction entering the mempool and a peer
// connecting and leaving each publish their event, with txid and peerid.
func TestEventsOfTxsAndPeers(t *testing.T) {
	c := newCluster(t, testParams(t))
	a := c.add()
	sub, ok := a.Events().Subscribe(64, events.TxAccepted, events.PeerConnected, events.PeerDisconnected)
	if !ok {
		t.Fatal("subscribe refused")
	}
	defer sub.Close()
	c.mine(0, 1, "miner")
	tx := genesisSpend(t, a, "carol")
	if _, err := a.acceptTx(tx, fromLocal); err != nil {
		t.Fatal(err)
	}
	m := nextEvent(t, sub)
	var got events.Tx
	if err := json.Unmarshal(m.Data, &got); err != nil {
		t.Fatal(err)
	}
	want := events.Tx{TxID: tx.TxID().String(), Size: int64(tx.SerializeSize()), Fee: "0.00001", Height: 1}
	if m.Name != events.TxAccepted || got != want {
		t.Fatalf("%s %+v, want tx_accepted %+v", m.Name, got, want)
	}

	b := c.add(0)
	for _, wantName := range []string{events.PeerConnected, events.PeerDisconnected} {
		m := nextEvent(t, sub)
		var p events.Peer
		if err := json.Unmarshal(m.Data, &p); err != nil {
			t.Fatal(err)
		}
		if m.Name != wantName || p.PeerID != b.Host().ID().String() {
			t.Fatalf("%s of %s, want %s of %s", m.Name, p.PeerID, wantName, b.Host().ID())
		}
		if wantName == events.PeerConnected {
			if !p.Inbound || !strings.HasPrefix(p.Addr, "/ip4/127.0.0.1/tcp/") {
				t.Errorf("peer_connected %+v: want inbound from 127.0.0.1", p)
			}
			b.Close()
		}
	}
}
