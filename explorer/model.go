package explorer

import (
	"encoding/json"
	"slices"
	"sort"
	"sync"
)

// Block is a block of the drawn tree. Parent may be missing from the model
// (the tree starts some way below the tips).
type Block struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Parent string `json:"parent"`
	Time   int64  `json:"time"`
	// InvalidOn names the nodes that hold the block invalid (after an
	// invalidateblock, or a branch getchaintips reports invalid).
	InvalidOn []string `json:"invalid_on,omitempty"`
}

// ChainTip is one entry of a node's getchaintips.
type ChainTip struct {
	Height    int64  `json:"height"`
	Hash      string `json:"hash"`
	BranchLen int64  `json:"branchlen"`
	Status    string `json:"status"`
}

// NodeState is what the page shows of a node.
type NodeState struct {
	Name    string `json:"name"`
	RPC     string `json:"rpc"`
	P2PAddr string `json:"p2p_addr"`
	PeerID  string `json:"peerid"`
	// Online is true while the node's event stream is connected.
	Online        bool       `json:"online"`
	Tip           string     `json:"tip"`
	Height        int64      `json:"height"`
	Peers         []string   `json:"peers"`
	NetworkActive bool       `json:"network_active"`
	Mempool       int64      `json:"mempool"`
	Mining        bool       `json:"mining"`
	HashPS        float64    `json:"hashps"`
	NetworkHashPS float64    `json:"network_hashps"`
	Tips          []ChainTip `json:"tips"`
	// LastBlockMS is when the node's tip last changed (Unix milliseconds):
	// when the explorer saw it, or the tip's timestamp at start.
	LastBlockMS int64  `json:"last_block_ms"`
	Error       string `json:"error,omitempty"`
}

// message is one Server-Sent Event for the browsers.
type message struct {
	event string
	data  []byte
}

// maxBlocks bounds the model: the lowest blocks go first.
const maxBlocks = 3000

// subscriberBuffer is how many messages a slow browser may lag behind
// before it is dropped (its EventSource reconnects and gets a snapshot).
const subscriberBuffer = 1024

// model is the tree and the nodes, and the browsers subscribed to their
// changes. One mutex orders both, so that a browser's snapshot and the
// changes after it never overlap or miss.
type model struct {
	mu     sync.Mutex
	blocks map[string]*Block
	nodes  []NodeState
	floor  int64 // lowest height loaded when walking back; -1 until set
	subs   map[chan message]struct{}
}

func newModel(nodes []NodeState) *model {
	return &model{blocks: map[string]*Block{}, nodes: nodes, floor: -1, subs: map[chan message]struct{}{}}
}

// snapshotJSON is the first message a browser gets.
type snapshotJSON struct {
	Nodes  []NodeState `json:"nodes"`
	Blocks []*Block    `json:"blocks"`
}

// subscribe returns a channel of messages that starts with a snapshot.
func (m *model) subscribe() chan message {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := make(chan message, subscriberBuffer)
	ch <- message{event: "snapshot", data: mustJSON(m.snapshotLocked())}
	m.subs[ch] = struct{}{}
	return ch
}

func (m *model) unsubscribe(ch chan message) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.subs[ch]; ok {
		delete(m.subs, ch)
		close(ch)
	}
}

// closeAll ends every subscription (the server is stopping).
func (m *model) closeAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for ch := range m.subs {
		delete(m.subs, ch)
		close(ch)
	}
}

func (m *model) snapshotLocked() snapshotJSON {
	s := snapshotJSON{Nodes: slices.Clone(m.nodes), Blocks: make([]*Block, 0, len(m.blocks))}
	for _, b := range m.blocks {
		c := *b
		s.Blocks = append(s.Blocks, &c)
	}
	sort.Slice(s.Blocks, func(i, j int) bool {
		if s.Blocks[i].Height != s.Blocks[j].Height {
			return s.Blocks[i].Height < s.Blocks[j].Height
		}
		return s.Blocks[i].Hash < s.Blocks[j].Hash
	})
	return s
}

// snapshot returns a copy of the model.
func (m *model) snapshot() snapshotJSON {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snapshotLocked()
}

// broadcastLocked sends a message to every browser, dropping those that
// lag too far behind.
func (m *model) broadcastLocked(event string, v any) {
	msg := message{event: event, data: mustJSON(v)}
	for ch := range m.subs {
		select {
		case ch <- msg:
		default:
			delete(m.subs, ch)
			close(ch)
		}
	}
}

// broadcast sends a message that changes nothing in the model (a notice,
// a transaction seen).
func (m *model) broadcast(event string, v any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.broadcastLocked(event, v)
}

func (m *model) has(hash string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.blocks[hash]
	return ok
}

// setFloor sets the lowest height to load, once.
func (m *model) setFloor(h int64) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.floor < 0 {
		m.floor = max(h, 0)
	}
	return m.floor
}

func (m *model) getFloor() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.floor
}

// addBlocks adds blocks (parents first) and tells the browsers.
func (m *model) addBlocks(bs []*Block) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range bs {
		if _, ok := m.blocks[b.Hash]; ok {
			continue
		}
		m.blocks[b.Hash] = b
		c := *b
		m.broadcastLocked("block", &c)
	}
	m.trimLocked()
}

// trimLocked forgets the lowest blocks beyond maxBlocks.
func (m *model) trimLocked() {
	if len(m.blocks) <= maxBlocks {
		return
	}
	heights := make([]int64, 0, len(m.blocks))
	for _, b := range m.blocks {
		heights = append(heights, b.Height)
	}
	slices.Sort(heights)
	cut := heights[len(heights)-maxBlocks]
	var gone []string
	for h, b := range m.blocks {
		if b.Height < cut {
			delete(m.blocks, h)
			gone = append(gone, h)
		}
	}
	if len(gone) > 0 {
		m.broadcastLocked("forget", gone)
	}
}

// parentOf returns a block's parent hash when the block is known.
func (m *model) parentOf(hash string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blocks[hash]
	if !ok {
		return "", false
	}
	return b.Parent, true
}

// updateNode changes node i and tells the browsers.
func (m *model) updateNode(i int, change func(*NodeState)) NodeState {
	m.mu.Lock()
	defer m.mu.Unlock()
	change(&m.nodes[i])
	n := m.nodes[i]
	n.Peers = slices.Clone(n.Peers)
	n.Tips = slices.Clone(n.Tips)
	m.broadcastLocked("node", n)
	return n
}

func (m *model) node(i int) NodeState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nodes[i]
}

// markInvalid sets, for one node, which blocks it holds invalid: the
// blocks of the given branches. A block leaving the set is valid again for
// that node (reconsiderblock).
func (m *model) markInvalid(node string, invalid map[string]bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for hash, b := range m.blocks {
		was := slices.Contains(b.InvalidOn, node)
		if was == invalid[hash] {
			continue
		}
		if was {
			b.InvalidOn = slices.DeleteFunc(slices.Clone(b.InvalidOn), func(s string) bool { return s == node })
		} else {
			b.InvalidOn = append(slices.Clone(b.InvalidOn), node)
			slices.Sort(b.InvalidOn)
		}
		c := *b
		m.broadcastLocked("block", &c)
	}
}

// branch returns the hashes from tip back n blocks as far as the model
// knows them.
func (m *model) branch(tip string, n int64) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for h := tip; n > 0; n-- {
		b, ok := m.blocks[h]
		if !ok {
			break
		}
		out = append(out, h)
		h = b.Parent
	}
	return out
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic("explorer: marshal: " + err.Error()) // only our own types are marshalled
	}
	return data
}
