package explorer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/node"
	"github.com/devchain/devchain/rpcclient"
)

// testNet is three real nodes in this process (Badger datadirs, libp2p
// hosts and RPC on 127.0.0.1), in a line node1 - node2 - node3, followed by
// an explorer.
type testNet struct {
	t     *testing.T
	nodes []*node.Node
	srv   *Server
}

func startTestNet(t *testing.T) *testNet {
	t.Helper()
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	params, err := consensus.NewParams(g)
	if err != nil {
		t.Fatal(err)
	}
	tn := &testNet{t: t}
	var cfg Config
	cfg.Addr = "127.0.0.1:0"
	for i := range 3 {
		var peers []string
		if i > 0 {
			peers = tn.nodes[i-1].Host().Addrs()[:1]
		}
		dir := t.TempDir()
		n, err := node.New(node.Config{DataDir: dir, Params: params, RPCAddr: "127.0.0.1:0", Peers: peers, StatusInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		tn.nodes = append(tn.nodes, n)
		c, err := rpcclient.FromDatadir(dir)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Nodes = append(cfg.Nodes, NodeConfig{
			Name: fmt.Sprintf("node%d", i+1), Client: c, P2PAddr: n.Host().Addrs()[0],
			MinerAddress: consensustest.Address(fmt.Sprintf("miner%d", i+1)).Encode(g.AddressPrefix),
		})
	}
	tn.srv, err = Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tn.srv.Close() })
	return tn
}

// do calls a playground action and fails the test on its error.
func (tn *testNet) do(action string, req actionRequest) json.RawMessage {
	tn.t.Helper()
	body, _ := json.Marshal(req)
	resp, err := http.Post(tn.srv.URL()+"api/"+action, "application/json", bytes.NewReader(body))
	if err != nil {
		tn.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Error != "" {
		tn.t.Fatalf("%s %+v: %v %s", action, req, err, out.Error)
	}
	return out.Result
}

// browser reads the page's event stream as the browser does.
type browser struct {
	t      *testing.T
	model  snapshotJSON
	byHash map[string]*Block
	reorgs []reorgJSON
	events chan rpcclient.Event
}

func openStream(t *testing.T, srv *Server) *browser {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"api/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, byHash: map[string]*Block{}, events: make(chan rpcclient.Event, 1024)}
	go func() {
		defer resp.Body.Close()
		defer close(b.events)
		dec := rpcclient.NewSSEDecoder(resp.Body)
		for {
			ev, err := dec.Next()
			if err != nil {
				return
			}
			b.events <- ev
		}
	}()
	return b
}

// until applies the stream's events until cond holds.
func (b *browser) until(what string, cond func() bool) {
	b.t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case ev, ok := <-b.events:
			if !ok {
				b.t.Fatalf("stream ended waiting for %s", what)
			}
			b.apply(ev)
		case <-deadline:
			b.t.Fatalf("timed out waiting for %s; nodes %+v", what, b.model.Nodes)
		}
	}
}

func (b *browser) apply(ev rpcclient.Event) {
	switch ev.Name {
	case "snapshot":
		b.model = snapshotJSON{}
		ev.Decode(&b.model)
		b.byHash = map[string]*Block{}
		for _, bl := range b.model.Blocks {
			b.byHash[bl.Hash] = bl
		}
	case "block":
		var bl Block
		ev.Decode(&bl)
		b.byHash[bl.Hash] = &bl
	case "node":
		var n NodeState
		ev.Decode(&n)
		for i := range b.model.Nodes {
			if b.model.Nodes[i].Name == n.Name {
				b.model.Nodes[i] = n
			}
		}
	case "reorg":
		var r reorgJSON
		ev.Decode(&r)
		b.reorgs = append(b.reorgs, r)
	}
}

func (b *browser) node(name string) NodeState {
	for _, n := range b.model.Nodes {
		if n.Name == name {
			return n
		}
	}
	return NodeState{}
}

// tipsAt reports whether the nodes' tips are one block at height h, drawn.
func (b *browser) tipsAt(h int64, names ...string) bool {
	tip := b.node(names[0]).Tip
	for _, n := range names {
		if b.node(n).Tip != tip {
			return false
		}
	}
	bl := b.byHash[tip]
	return bl != nil && bl.Height == h
}

// TestExplorerFollowsAPartition is the playground's story with real nodes,
// read from the page's event stream: mine, cut node3 off, mine on both
// sides, heal; node1 and node2 reorganise onto node3's longer branch and the
// page hears of it; invalidating a block marks it invalid for that node.
func TestExplorerFollowsAPartition(t *testing.T) {
	tn := startTestNet(t)
	b := openStream(t, tn.srv)
	b.until("three online nodes at genesis", func() bool {
		return len(b.model.Nodes) == 3 && b.node("node1").Online && b.node("node2").Online && b.node("node3").Online &&
			b.tipsAt(0, "node1", "node2", "node3")
	})
	tn.do("mine", actionRequest{Node: "node1", N: 2})
	b.until("every node at height 2", func() bool { return b.tipsAt(2, "node1", "node2", "node3") })

	tn.do("cut", actionRequest{Node: "node3"})
	b.until("node3 cut off", func() bool {
		n := b.node("node3")
		return !n.NetworkActive && len(n.Peers) == 0 && len(b.node("node2").Peers) == 1
	})
	tn.do("mine", actionRequest{Node: "node1", N: 1})
	tn.do("mine", actionRequest{Node: "node3", N: 2})
	b.until("two branches", func() bool { return b.tipsAt(3, "node1", "node2") && b.tipsAt(4, "node3") })
	loser, winner := b.node("node1").Tip, b.node("node3").Tip
	if b.byHash[loser].Parent != b.byHash[b.byHash[winner].Parent].Parent {
		t.Fatalf("the branches do not fork at height 2: %+v %+v", b.byHash[loser], b.byHash[winner])
	}

	tn.do("heal", actionRequest{Node: "node3"})
	b.until("every node on node3's branch", func() bool { return b.tipsAt(4, "node1", "node2", "node3") })
	b.until("the reorgs of node1 and node2", func() bool { return len(b.reorgs) == 2 })
	for _, r := range b.reorgs {
		if r.Depth != 1 || r.From != loser || r.To != winner || (r.Node != "node1" && r.Node != "node2") {
			t.Errorf("reorg %+v; want node1 and node2 from %s to %s, depth 1", r, loser, winner)
		}
	}
	if b.byHash[loser] == nil {
		t.Error("the losing branch left the page")
	}

	tn.do("invalidate", actionRequest{Node: "node2", Hash: winner})
	b.until("node2 back at height 3 with the tip invalid", func() bool {
		return b.byHash[b.node("node2").Tip].Height == 3 && slices.Equal(b.byHash[winner].InvalidOn, []string{"node2"})
	})
	tn.do("reconsider", actionRequest{Node: "node2", Hash: winner})
	b.until("node2 back on the tip, valid", func() bool {
		return b.tipsAt(4, "node1", "node2", "node3") && len(b.byHash[winner].InvalidOn) == 0
	})
}

// The playground refuses bad requests with a clear error and no call.
func TestExplorerRefusesBadRequests(t *testing.T) {
	srv, err := Start(Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, tc := range []struct {
		action, contentType, body string
		status                    int
		want                      string
	}{
		{"mine", "text/plain", `{"node":"node1","n":1}`, http.StatusUnsupportedMediaType, "want Content-Type application/json"},
		{"mine", "application/json", `{"node":"node1","n":1,"extra":1}`, http.StatusBadRequest, "unknown field"},
		{"mine", "application/json", `{"node":"node1","n":0}`, http.StatusOK, "mine 1 to 100 blocks, not 0"},
		{"mine", "application/json", `{"node":"node9","n":1}`, http.StatusOK, `no node "node9"`},
		{"invalidate", "application/json", `{"node":"node1","hash":"xyz"}`, http.StatusOK, "block hash"},
		{"send", "application/json", `{"node":"node1","amount":"1"}`, http.StatusOK, "no devnet wallet"},
	} {
		resp, err := http.Post(srv.URL()+"api/"+tc.action, tc.contentType, bytes.NewReader([]byte(tc.body)))
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !bytes.Contains([]byte(out.Error), []byte(tc.want)) {
			t.Errorf("%s %s: HTTP %d %q; want %d and an error with %q", tc.action, tc.body, resp.StatusCode, out.Error, tc.status, tc.want)
		}
	}
	// A page from another host name (DNS rebinding) gets nothing.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"api/state", nil)
	req.Host = "evil.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("Host evil.example: HTTP %d, want 403", resp.StatusCode)
	}
	if _, err := Start(Config{Addr: "0.0.0.0:0"}); err == nil {
		t.Error("an explorer listening beyond loopback started")
	}
}
