package protocol_test

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/protocol"
)

// TestTranscripts runs the stories in testdata: one node's core on a real
// engine and mempool, its peers played by the script. Each command prints
// the actions the core decided on.
func TestTranscripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		w := newWorld(t)
		datadriven.RunTest(t, path, w.run)
	})
}

// world is the node under test and what the script knows.
type world struct {
	t      *testing.T
	h      *consensustest.Harness // builds blocks and transactions
	core   *protocol.Core
	engine *consensus.Engine
	now    time.Time
	start  time.Time
	// asked are the requests the core sent each peer, oldest first.
	asked  map[protocol.PeerID][]protocol.Message
	names  map[string]string // hash hex -> name
	nextID protocol.RequestID
	built  []string // block names in build order
}

func newWorld(t *testing.T) *world {
	h := consensustest.New(t, consensustest.Options{})
	engine, err := consensus.New(consensus.Config{Params: h.Params, Store: store.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	pool := mempool.New(mempool.Config{Params: h.Params})
	core, err := protocol.New(protocol.Config{Params: h.Params, Engine: engine, Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(int64(h.Params.GenesisBlock.Header.Timestamp), 0).Add(time.Hour)
	w := &world{t: t, h: h, core: core, engine: engine, now: start, start: start,
		asked: map[protocol.PeerID][]protocol.Message{}, names: map[string]string{}, nextID: 1000}
	w.names[h.Params.GenesisHash.String()] = "genesis"
	return w
}

func (w *world) run(t *testing.T, d *datadriven.TestData) string {
	var out []string
	switch d.Cmd {
	case "build":
		return w.build(t, d)
	case "tx":
		return w.buildTx(t, d)
	case "mine":
		for _, name := range w.names1(d) {
			_, err := w.core.SubmitBlock(w.now, w.h.Block(name))
			if err != nil {
				out = append(out, fmt.Sprintf("%s rejected: %v", name, err))
			}
		}
	case "submit-tx":
		for _, name := range w.names1(d) {
			if _, err := w.core.SubmitTx(w.now, w.h.Tx(name)); err != nil {
				out = append(out, fmt.Sprintf("%s rejected: %v", name, err))
			}
		}
	case "connect":
		w.core.Step(w.now, protocol.PeerConnected{Peer: w.peer(d), Inbound: d.HasArg("inbound")})
	case "disconnect":
		p := w.peer(d)
		delete(w.asked, p)
		w.core.Step(w.now, protocol.PeerDisconnected{Peer: p})
	case "gossip":
		w.gossip(t, d)
	case "ask":
		w.ask(t, d)
	case "answer":
		if s := w.answer(t, d); s != "" {
			return s
		}
	case "fail":
		p := w.peer(d)
		if len(w.asked[p]) == 0 {
			t.Fatalf("%s: nothing asked of %s", d.Pos, p)
		}
		req := w.asked[p][0]
		w.asked[p] = w.asked[p][1:]
		w.core.Step(w.now, protocol.RequestFailed{Peer: p, ID: requestID(req), Malformed: d.HasArg("malformed"), Reason: "test"})
	case "misbehave":
		var points int
		d.ScanArgs(t, "points", &points)
		w.core.Step(w.now, protocol.Misbehaved{Peer: w.peer(d), Points: points, Reason: "test"})
	case "tick":
		var dur string
		d.ScanArgs(t, "by", &dur)
		step, err := time.ParseDuration(dur)
		if err != nil {
			t.Fatal(err)
		}
		w.now = w.now.Add(step)
		out = append(out, fmt.Sprintf("time +%s", w.now.Sub(w.start)))
		w.core.Step(w.now, protocol.Tick{})
	case "state":
		return w.state()
	case "config":
		return w.configure(t, d)
	case "withhold":
		for _, name := range w.names1(d) {
			res, err := w.core.AcceptBlock(w.now, w.h.Block(name))
			if err != nil {
				out = append(out, fmt.Sprintf("%s rejected: %v", name, err))
			} else {
				out = append(out, fmt.Sprintf("%s %s, withheld", name, res.Status))
			}
		}
	case "announce":
		for _, name := range w.names1(d) {
			w.core.Announce(w.h.Block(name))
		}
	case "rebroadcast":
		for _, name := range w.names1(d) {
			if !w.core.Rebroadcast(w.h.Tx(name).TxID()) {
				out = append(out, name+" is not in the mempool")
			}
		}
	case "invalidate":
		hash := w.h.Block(d.CmdArgs[0].Key).Hash()
		if _, err := w.core.ChangeChain(w.now, func(e *consensus.Engine) (*consensus.Result, error) {
			return e.InvalidateBlock(hash)
		}); err != nil {
			out = append(out, "invalidate: "+err.Error())
		}
	case "deadline":
		next, ok := w.core.NextDeadline()
		if !ok {
			return "nothing pending"
		}
		return fmt.Sprintf("wake at +%s", next.Sub(w.start))
	default:
		t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	}
	out = append(out, w.actions()...)
	if len(out) == 0 {
		return "ok"
	}
	return w.name(strings.Join(out, "\n"))
}

// configure status-timeout=D headers-timeout=D blocks-timeout=D: the
// node's core is made anew with these settings (a story's first command).
func (w *world) configure(t *testing.T, d *datadriven.TestData) string {
	cfg := protocol.Config{Params: w.h.Params, Engine: w.engine, Pool: mempool.New(mempool.Config{Params: w.h.Params})}
	for _, a := range d.CmdArgs {
		if len(a.Vals) != 1 {
			t.Fatalf("%s: config %s wants one value", d.Pos, a.Key)
		}
		dur, err := time.ParseDuration(a.Vals[0])
		if err != nil {
			t.Fatalf("%s: config %s: %v", d.Pos, a.Key, err)
		}
		switch a.Key {
		case "status-timeout":
			cfg.StatusTimeout = dur
		case "headers-timeout":
			cfg.HeadersTimeout = dur
		case "blocks-timeout":
			cfg.BlocksTimeout = dur
		case "status-interval":
			cfg.StatusInterval = dur
		default:
			t.Fatalf("%s: unknown config %q", d.Pos, a.Key)
		}
	}
	core, err := protocol.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.core = core
	return "ok"
}

func (w *world) peer(d *datadriven.TestData) protocol.PeerID {
	if len(d.CmdArgs) == 0 {
		w.t.Fatalf("%s: %s names no peer", d.Pos, d.Cmd)
	}
	return protocol.PeerID(d.CmdArgs[0].Key)
}

// names1 returns the bare arguments after the first, expanding ranges
// ("a1..a64").
func (w *world) names1(d *datadriven.TestData) []string {
	var names []string
	for _, a := range d.CmdArgs {
		if len(a.Vals) == 0 {
			names = append(names, expand(a.Key)...)
		}
	}
	return names
}

var rangeRE = regexp.MustCompile(`^([a-z_-]+)(\d+)\.\.([a-z_-]+)(\d+)$`)

func expand(s string) []string {
	m := rangeRE.FindStringSubmatch(s)
	if m == nil || m[1] != m[3] {
		return []string{s}
	}
	from, _ := strconv.Atoi(m[2])
	to, _ := strconv.Atoi(m[4])
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%d", m[1], i))
	}
	return out
}

// build parent=P [invalid] name... : a chain of blocks on P.
func (w *world) build(t *testing.T, d *datadriven.TestData) string {
	var parent string
	d.ScanArgs(t, "parent", &parent)
	var opts []consensustest.BlockOption
	if d.HasArg("txs") {
		var txs []string
		d.ScanArgs(t, "txs", &txs)
		opts = append(opts, consensustest.Txs(txs...))
	}
	names := slices.DeleteFunc(w.names1(d), func(n string) bool { return n == "invalid" })
	for i, name := range names {
		o := opts
		if d.HasArg("invalid") && i == len(names)-1 {
			o = append(o, consensustest.CoinbaseExtra(1))
		}
		b := w.h.NewBlock(name, parent, o...)
		w.names[b.Hash().String()] = name
		w.built = append(w.built, name)
		parent = name
	}
	return fmt.Sprintf("built %s", collapse(names))
}

func (w *world) buildTx(t *testing.T, d *datadriven.TestData) string {
	name := d.CmdArgs[0].Key
	var spend, pay []string
	d.ScanArgs(t, "spend", &spend)
	opts := []consensustest.TxOption{consensustest.Spend(spend...)}
	if d.HasArg("pay") {
		d.ScanArgs(t, "pay", &pay)
		for _, p := range pay {
			key, amount, _ := strings.Cut(p, ":")
			units, err := chain.ParseAmount(amount)
			if err != nil {
				t.Fatal(err)
			}
			opts = append(opts, consensustest.Pay(key, units))
		}
	}
	if d.HasArg("change") {
		var k string
		d.ScanArgs(t, "change", &k)
		opts = append(opts, consensustest.ChangeTo(k), consensustest.Fee(10_000))
	}
	if d.HasArg("bad-sig") {
		opts = append(opts, consensustest.CorruptSignature())
	}
	tx := w.h.NewTx(name, opts...)
	w.names[tx.TxID().String()] = name
	return "built " + name
}

// gossip P block|tx NAME: a peer publishes.
func (w *world) gossip(t *testing.T, d *datadriven.TestData) {
	p := w.peer(d)
	kind, name := d.CmdArgs[1].Key, d.CmdArgs[2].Key
	var msg protocol.Message
	switch kind {
	case "block":
		msg = protocol.NewBlock{Block: w.h.Block(name)}
	case "tx":
		msg = protocol.NewTx{Tx: w.h.Tx(name)}
	default:
		t.Fatalf("%s: gossip block or tx", d.Pos)
	}
	w.core.Step(w.now, protocol.Received{From: p, Msg: msg})
}

// ask P status|headers|blocks ...: a peer sends the node a request.
func (w *world) ask(t *testing.T, d *datadriven.TestData) {
	p := w.peer(d)
	w.nextID++
	var msg protocol.Message
	switch d.CmdArgs[1].Key {
	case "status":
		msg = protocol.GetStatus{ID: w.nextID}
	case "headers":
		var loc []string
		d.ScanArgs(t, "locator", &loc)
		m := protocol.GetHeaders{ID: w.nextID}
		for _, n := range loc {
			if n == "none" {
				continue
			}
			m.Locator = append(m.Locator, w.h.Block(n).Hash())
		}
		if d.HasArg("max") {
			d.ScanArgs(t, "max", &m.Max)
		}
		msg = m
	case "blocks":
		m := protocol.GetBlocks{ID: w.nextID}
		for _, n := range w.names1(d)[2:] {
			if n == "none" {
				continue
			}
			m.Hashes = append(m.Hashes, w.h.Block(n).Hash())
		}
		msg = m
	}
	w.core.Step(w.now, protocol.Received{From: p, Msg: msg})
}

// answer P status|headers|blocks ...: a peer answers the oldest request of
// that kind the node sent it.
func (w *world) answer(t *testing.T, d *datadriven.TestData) string {
	p := w.peer(d)
	kind := d.CmdArgs[1].Key
	var first chain.Hash // for=NAME picks the get-blocks starting at NAME
	if d.HasArg("for") {
		var name string
		d.ScanArgs(t, "for", &name)
		first = w.h.Block(name).Hash()
	}
	i := slices.IndexFunc(w.asked[p], func(m protocol.Message) bool { return m.Kind() == "get-"+kind })
	if !first.IsZero() { // the latest such request: earlier ones may belong to a sync that ended
		i = -1
		for j, m := range w.asked[p] {
			if gb, ok := m.(protocol.GetBlocks); ok && gb.Hashes[0] == first {
				i = j
			}
		}
	}
	if i < 0 {
		return fmt.Sprintf("%s was not asked for %s", p, kind)
	}
	req := w.asked[p][i]
	w.asked[p] = slices.Delete(w.asked[p], i, i+1)
	id := requestID(req)
	var msg protocol.Message
	switch kind {
	case "status":
		var tip string
		d.ScanArgs(t, "tip", &tip)
		b := w.h.Block(tip)
		work := w.work(b)
		if d.HasArg("work") {
			var s string
			d.ScanArgs(t, "work", &s)
			work = parseWork(t, s)
		}
		genesis := w.h.Params.GenesisHash
		if d.HasArg("other-genesis") {
			genesis = chain.Hash{1}
		}
		msg = protocol.Status{ID: id, Genesis: genesis, Tip: b.Hash(), Height: w.h.Height(tip), Work: work}
	case "headers":
		m := protocol.Headers{ID: id}
		for _, n := range w.names1(d)[2:] {
			m.Headers = append(m.Headers, w.h.Block(n).Header)
		}
		msg = m
	case "blocks":
		m := protocol.Blocks{ID: id}
		hashes := req.(protocol.GetBlocks).Hashes
		n := len(hashes)
		if d.HasArg("upto") {
			d.ScanArgs(t, "upto", &n)
		}
		for _, h := range hashes[:n] {
			m.Blocks = append(m.Blocks, w.blockByHash(h))
		}
		if d.HasArg("instead") {
			var other string
			d.ScanArgs(t, "instead", &other)
			m.Blocks[0] = w.h.Block(other)
		}
		msg = m
	}
	w.core.Step(w.now, protocol.Received{From: p, Msg: msg})
	return ""
}

func parseWork(t *testing.T, s string) *big.Int {
	if exp, ok := strings.CutPrefix(s, "2^"); ok {
		n, err := strconv.Atoi(exp)
		if err != nil {
			t.Fatal(err)
		}
		return new(big.Int).Lsh(big.NewInt(1), uint(n))
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("work %q", s)
	}
	return v
}

func (w *world) blockByHash(h chain.Hash) *chain.Block {
	return w.h.Block(w.names[h.String()])
}

// work is the chain work of a built block.
func (w *world) work(b *chain.Block) *big.Int {
	total := new(big.Int)
	for {
		total.Add(total, consensus.CalcWork(b.Header.Bits))
		if b.Header.PrevBlock.IsZero() {
			return total
		}
		b = w.blockByHash(b.Header.PrevBlock)
	}
}

func requestID(m protocol.Message) protocol.RequestID {
	switch m := m.(type) {
	case protocol.GetStatus:
		return m.ID
	case protocol.GetHeaders:
		return m.ID
	case protocol.GetBlocks:
		return m.ID
	}
	return 0
}

// actions formats what the core decided, naming blocks and transactions.
func (w *world) actions() []string {
	var out []string
	for _, a := range w.core.Ready() {
		out = append(out, w.name(w.format(a)))
	}
	return out
}

func (w *world) format(a protocol.Action) string {
	switch a := a.(type) {
	case protocol.Send:
		switch m := a.Msg.(type) {
		case protocol.GetStatus, protocol.GetHeaders, protocol.GetBlocks:
			w.asked[a.To] = append(w.asked[a.To], m)
		}
		return fmt.Sprintf("send %s %s", a.To, w.message(a.Msg))
	case protocol.Publish:
		s := "publish " + w.message(a.Msg)
		if a.From != "" {
			s += " (relayed from " + string(a.From) + ")"
		}
		return s
	case protocol.Disconnect:
		delete(w.asked, a.Peer)
		return fmt.Sprintf("disconnect %s: %s", a.Peer, a.Reason)
	case protocol.Ban:
		return fmt.Sprintf("ban %s for %s", a.Peer, a.Until.Sub(w.now))
	case protocol.Penalised:
		return fmt.Sprintf("penalise %s +%d (score %d): %s", a.Peer, a.Points, a.Score, a.Reason)
	case protocol.TipChanged:
		return fmt.Sprintf("tip %s height %d (+%d -%d): miner needs a new template", a.Hash, a.Height, len(a.Connected), len(a.Disconnected))
	case protocol.TxsAccepted:
		var ids []string
		for _, e := range a.Entries {
			ids = append(ids, e.TxID.String())
		}
		return "mempool + " + strings.Join(ids, " ")
	}
	return fmt.Sprintf("%T", a)
}

func (w *world) message(m protocol.Message) string {
	var hashes []chain.Hash
	var extra string
	switch m := m.(type) {
	case protocol.NewBlock:
		hashes = []chain.Hash{m.Block.Hash()}
	case protocol.NewTx:
		extra = " " + m.Tx.TxID().String()
	case protocol.GetHeaders:
		hashes = m.Locator
		extra = " locator"
	case protocol.GetBlocks:
		hashes = m.Hashes
	case protocol.Status:
		extra = fmt.Sprintf(" tip=%s height=%d", m.Tip, m.Height)
	case protocol.Headers:
		for _, h := range m.Headers {
			hashes = append(hashes, h.Hash())
		}
		if len(hashes) == 0 {
			extra = " (none)"
		}
	case protocol.Blocks:
		for _, b := range m.Blocks {
			hashes = append(hashes, b.Hash())
		}
		if len(hashes) == 0 {
			extra = " (none)"
		}
	}
	var names []string
	for _, h := range hashes {
		names = append(names, h.String())
	}
	s := m.Kind() + extra
	if len(names) > 0 {
		s += " " + collapse(w.nameAll(names))
	}
	return s
}

func (w *world) nameAll(hexes []string) []string {
	out := make([]string, len(hexes))
	for i, h := range hexes {
		out[i] = w.name(h)
	}
	return out
}

var hexRE = regexp.MustCompile(`[0-9a-f]{64}`)

// name replaces every known hash in s by its name.
func (w *world) name(s string) string {
	return hexRE.ReplaceAllStringFunc(s, func(h string) string {
		if n, ok := w.names[h]; ok {
			return n
		}
		return h[:8] + "…"
	})
}

var numRE = regexp.MustCompile(`^(.*?)(\d+)$`)

// collapse writes runs of consecutive names (a1 a2 a3) as a1..a3.
func collapse(names []string) string {
	var out []string
	for i := 0; i < len(names); {
		j := i
		m := numRE.FindStringSubmatch(names[i])
		if m != nil {
			n, _ := strconv.Atoi(m[2])
			for j+1 < len(names) {
				m2 := numRE.FindStringSubmatch(names[j+1])
				n2 := 0
				if m2 != nil {
					n2, _ = strconv.Atoi(m2[2])
				}
				if m2 == nil || m2[1] != m[1] || n2 != n+(j+1-i) {
					break
				}
				j++
			}
		}
		if j-i >= 2 {
			out = append(out, names[i]+".."+names[j])
		} else {
			out = append(out, names[i:j+1]...)
		}
		i = j + 1
	}
	return strings.Join(out, " ")
}

// state prints the tip and the peers.
func (w *world) state() string {
	tip := w.engine.Tip()
	lines := []string{fmt.Sprintf("tip %s height %d", w.name(tip.Hash.String()), tip.Height)}
	for _, p := range w.core.Peers() {
		lines = append(lines, fmt.Sprintf("peer %s height %d score %d", p.ID, p.Height, p.Score))
	}
	var stored []string
	for _, n := range w.built {
		b := w.h.Block(n)
		if info, ok := w.engine.BlockInfo(b.Hash()); ok && n != "genesis" && info.HaveData && !info.Invalid {
			stored = append(stored, n)
		}
	}
	lines = append(lines, "stored "+collapse(stored))
	return strings.Join(lines, "\n")
}
