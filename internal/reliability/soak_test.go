package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/internal/e2e"
	"github.com/devchain/devchain/rpcclient"
	"github.com/devchain/devchain/wallet"
)

// soakDuration is DEVCHAIN_SOAK (a Go duration), 60 s by default.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("DEVCHAIN_SOAK")
	if v == "" {
		return 60 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("DEVCHAIN_SOAK=%q: want a duration like 10m", v)
	}
	return d
}

// soakNode is one devnet node with the state the fault injector keeps.
type soakNode struct {
	*e2e.Proc
	busy atomic.Bool // a fault is applied to the node
}

// sentTx is a transaction a node answered with its txid.
type sentTx struct {
	tx   *chain.Transaction
	node int
}

// soakReport is what docs/RELIABILITY.md quotes.
type soakReport struct {
	Seconds          float64        `json:"seconds"`
	Nodes            int            `json:"nodes"`
	Wallets          int            `json:"wallets"`
	Accepted         int            `json:"accepted"`
	TxPerSecond      float64        `json:"tx_per_second"`
	Rejected         int            `json:"rejected"`
	Unanswered       int            `json:"unanswered"`
	Faults           map[string]int `json:"faults"`
	Blocks           int            `json:"blocks"`
	Reorgs           int            `json:"reorgs"`
	Confirmed        int            `json:"confirmed"`
	Conflicted       int            `json:"conflicted"`
	InMempool        int            `json:"in_mempool"`
	Lost             int            `json:"lost"`
	UnansweredFound  int            `json:"unanswered_found"`
	UTXOs            int            `json:"utxos"`
	MaxPeakRSSMiB    int64          `json:"max_peak_rss_mib"`
	ConvergeSeconds  float64        `json:"converge_seconds"`
	RejectedByReason map[string]int `json:"rejected_by_reason"`
}

var maybeSent = regexp.MustCompile(`transaction ([0-9a-f]{64}) may have reached the node`)

// TestSoak runs a 5-node devnet of `node run` processes for DEVCHAIN_SOAK
// (60 s by default) with a steady transaction load from four wallets
// (package wallet: coin selection, change, signing, sendrawtransaction) to
// random nodes, blocks mined on random nodes, and faults: a random node's
// networking turned off and on (setnetworkactive), clean restarts (SIGTERM)
// and SIGKILLs followed by restarts, up to two at a time. At the end every
// node has the same tip and the same UTXO set digest (gettxoutsetinfo),
// verifychain holds everywhere, and every transaction a node accepted is
// confirmed, still in a mempool, or provably conflicted by a confirmed one:
// none is silently lost.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet of processes")
	}
	duration := soakDuration(t)
	rng := rand.New(rand.NewPCG(seed(t), 4))
	const nodes, wallets, addrsPerWallet = 5, 4, 12
	root := t.TempDir()

	// Wallets first: the genesis funds each of their addresses.
	g := testGenesis()
	ws := make([]*wallet.Wallet, wallets)
	var payTo []string
	for i := range ws {
		w, first, err := wallet.Create(filepath.Join(root, fmt.Sprintf("wallet%d.json", i)), g.AddressPrefix, nil)
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w
		addrs := []string{first}
		for len(addrs) < addrsPerWallet {
			a, err := w.NewAddress()
			if err != nil {
				t.Fatal(err)
			}
			addrs = append(addrs, a)
		}
		for _, a := range addrs {
			g.Alloc = append(g.Alloc, chain.Alloc{Address: a, Amount: 100 * chain.UnitsPerCoin})
		}
		payTo = append(payTo, first)
	}
	genesis, _ := e2e.WriteGenesis(t, g)

	ns := make([]*soakNode, nodes)
	var addrsSoFar []string
	for i := range ns {
		p := e2e.StartProc(t, e2e.ProcConfig{Dir: filepath.Join(root, fmt.Sprintf("node%d", i)), Genesis: genesis, Peers: addrsSoFar})
		ns[i] = &soakNode{Proc: p}
		addrsSoFar = append(addrsSoFar, p.Addr())
	}
	for i, n := range ns { // after a restart, each dials every other node
		var others []string
		for j, m := range ns {
			if j != i {
				others = append(others, m.Addr())
			}
		}
		n.SetPeers(others...)
	}
	defer func() {
		if t.Failed() {
			for i, n := range ns {
				t.Logf("node%d log tail:\n%s", i, n.Tail(25))
			}
		}
	}()
	procs := func() []*e2e.Proc {
		out := make([]*e2e.Proc, len(ns))
		for i, n := range ns {
			out[i] = n.Proc
		}
		return out
	}
	ns[0].Must(nil, "generatetoaddress", 1, addr("miner"))
	waitSameTip(t, 30*time.Second, procs()...)

	ctx, stop := context.WithTimeout(context.Background(), duration)
	defer stop()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var (
		sent       = map[chain.Hash]sentTx{}
		unanswered []chain.Hash
		rejected   = map[string]int{}
		faults     = map[string]int{}
		faultErrs  []error
	)
	start := time.Now()
	pick := func(r *rand.Rand) (int, *soakNode) {
		i := r.IntN(nodes)
		return i, ns[i]
	}

	// Load: each wallet pays a random other wallet through a random node,
	// about 4 payments a second.
	for wi, w := range ws {
		wg.Add(1)
		r := rand.New(rand.NewPCG(rng.Uint64(), uint64(wi))) // drawn here: rng is not safe for concurrent use
		go func() {
			defer wg.Done()
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for ctx.Err() == nil {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				i, n := pick(r)
				c := n.Client()
				if c == nil || !n.Running() {
					continue
				}
				to := payTo[(wi+1+r.IntN(wallets-1))%wallets]
				amount := int64(1+r.IntN(100)) * chain.UnitsPerCoin / 100
				cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				res, err := wallet.Send(cctx, c, w, to, amount, wallet.DefaultFeeRate)
				cancel()
				mu.Lock()
				switch {
				case err == nil:
					sent[res.TxID] = sentTx{tx: res.Tx, node: i}
				case errors.Is(err, wallet.ErrRejected) || errors.Is(err, wallet.ErrInsufficientFunds):
					reason := err.Error()
					if k := strings.LastIndex(reason, ": "); k >= 0 {
						reason = reason[k+2:]
					}
					rejected[reason]++
				default:
					if m := maybeSent.FindStringSubmatch(err.Error()); m != nil {
						h, _ := chain.ParseHash(m[1])
						unanswered = append(unanswered, h)
					} else {
						rejected["unreachable: "+shortErr(err)]++
					}
				}
				mu.Unlock()
			}
		}()
	}

	// Blocks: a random node mines one about every 700 ms.
	wg.Add(1)
	minerRand := rand.New(rand.NewPCG(rng.Uint64(), 99))
	go func() {
		defer wg.Done()
		r := minerRand
		for ctx.Err() == nil {
			time.Sleep(time.Duration(400+r.IntN(600)) * time.Millisecond)
			_, n := pick(r)
			if n.Running() {
				_ = n.Call(nil, "generatetoaddress", 1, addr("miner"))
			}
		}
	}()

	// Faults: up to two at a time, on distinct nodes.
	slots := make(chan struct{}, 2)
	wg.Add(1)
	faultRand := rand.New(rand.NewPCG(rng.Uint64(), 7))
	go func() {
		defer wg.Done()
		r := faultRand
		var fw sync.WaitGroup
		defer fw.Wait()
		for ctx.Err() == nil {
			time.Sleep(time.Duration(800+r.IntN(1500)) * time.Millisecond)
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			i, n := pick(r)
			if !n.busy.CompareAndSwap(false, true) {
				<-slots
				continue
			}
			kind := []string{"partition", "partition", "kill", "restart"}[r.IntN(4)]
			hold := time.Duration(1000+r.IntN(4000)) * time.Millisecond
			fw.Add(1)
			go func() {
				defer fw.Done()
				defer func() { <-slots }()
				defer n.busy.Store(false)
				var err error
				switch kind {
				case "partition":
					if err = n.Call(nil, "setnetworkactive", false); err == nil {
						time.Sleep(hold)
						err = n.Call(nil, "setnetworkactive", true)
					}
				case "kill":
					n.Kill()
					time.Sleep(hold / 4)
					err = n.TryStart()
				case "restart":
					if err = n.Call(nil, "stop"); err == nil {
						code, ok := n.Wait(30 * time.Second)
						if !ok || code != 0 {
							err = fmt.Errorf("stop: exited %v with %d", ok, code)
						}
					}
					if err == nil {
						err = n.TryStart()
					}
				}
				mu.Lock()
				faults[kind]++
				if err != nil {
					faultErrs = append(faultErrs, fmt.Errorf("node%d %s: %w", i, kind, err))
				}
				mu.Unlock()
			}()
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range faultErrs {
		t.Errorf("fault: %v", err)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Settle: every node up and networking; mine on each node in turn until
	// all agree and every mempool is empty. A node that was cut off may
	// mine a rival of the block the others hold at the same height before
	// it hears theirs: equal work, each keeps the one it saw first, and
	// only the next round's block breaks the tie. So a round waits for
	// every node to reach the height mined, and goes on while tips differ.
	settle := time.Now()
	for _, n := range ns {
		if !n.Running() {
			n.Start()
		}
		n.Must(nil, "setnetworkactive", true)
	}
	for round := 0; round < 12; round++ {
		n := ns[round%nodes]
		n.Must(nil, "generatetoaddress", 1, addr("miner"))
		waitHeight(t, 60*time.Second, n.Height(), procs()...)
		if !sameTip(procs()...) {
			continue
		}
		empty := true
		for _, m := range ns {
			var info struct {
				Size int `json:"size"`
			}
			m.Must(&info, "getmempoolinfo")
			empty = empty && info.Size == 0
		}
		if empty && round >= nodes {
			break
		}
	}
	tip := waitSameTip(t, 60*time.Second, procs()...)
	converge := time.Since(settle)
	digest := txOutSet(t, ns[0].Proc)
	for i, n := range ns {
		if d := txOutSet(t, n.Proc); d != digest {
			t.Fatalf("node%d UTXO set %+v, node0 has %+v", i, d, digest)
		}
		mustVerify(t, n.Proc)
	}
	noPanic(t, procs()...)

	// Account for every transaction a node accepted.
	pool := map[string]bool{}
	for _, n := range ns {
		var ids []string
		n.Must(&ids, "getrawmempool")
		for _, id := range ids {
			pool[id] = true
		}
	}
	ref := ns[0].Proc
	cl := classifier{n: ref, sent: sent, pool: pool, memo: map[chain.Hash]string{}}
	rep := soakReport{
		Seconds: elapsed.Seconds(), Nodes: nodes, Wallets: wallets, Accepted: len(sent),
		TxPerSecond: float64(len(sent)) / elapsed.Seconds(), Unanswered: len(unanswered),
		Faults: faults, RejectedByReason: rejected, UTXOs: digest.TxOuts, ConvergeSeconds: converge.Seconds(),
	}
	for _, n := range rejected {
		rep.Rejected += n
	}
	var lost []string
	for txid := range sent {
		switch v := cl.classify(t, txid); v {
		case "confirmed":
			rep.Confirmed++
		case "conflicted":
			rep.Conflicted++
		case "mempool":
			rep.InMempool++
		default:
			lost = append(lost, fmt.Sprintf("%s (sent to node%d): %s", txid, sent[txid].node, v))
		}
	}
	for _, txid := range unanswered {
		if cl.confirmed(t, txid) || pool[txid.String()] {
			rep.UnansweredFound++
		}
	}
	rep.Lost = len(lost)
	var blocks int
	ref.Must(&blocks, "getblockcount")
	rep.Blocks = blocks
	for _, n := range ns {
		rep.Reorgs += strings.Count(n.Log(), "msg=reorg ")
		if _, peak, err := n.MemStatus(); err == nil {
			rep.MaxPeakRSSMiB = max(rep.MaxPeakRSSMiB, peak>>20)
		}
	}
	out, _ := json.Marshal(rep)
	t.Logf("soak report: %s", out)
	t.Logf("tip %s", tip)
	if path := os.Getenv("DEVCHAIN_SOAK_REPORT"); path != "" {
		os.WriteFile(path, out, 0o644)
	}
	if len(lost) > 0 {
		slices.Sort(lost)
		t.Fatalf("%d accepted transactions are neither confirmed, in a mempool, nor conflicted:\n%s", len(lost), strings.Join(lost, "\n"))
	}
	if rep.Accepted < int(duration.Seconds()) {
		t.Fatalf("only %d transactions accepted in %v", rep.Accepted, elapsed)
	}
	if rep.Confirmed == 0 {
		t.Fatal("no transaction confirmed")
	}
}

func shortErr(err error) string {
	s := err.Error()
	if errors.Is(err, rpcclient.ErrUnreachable) {
		return "node unreachable"
	}
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// classifier decides what became of a transaction, on one node after the
// devnet converged.
type classifier struct {
	n    *e2e.Proc
	sent map[chain.Hash]sentTx
	pool map[string]bool
	memo map[chain.Hash]string
}

func (c *classifier) confirmed(t *testing.T, txid chain.Hash) bool {
	var v struct {
		Confirmations int `json:"confirmations"`
	}
	err := c.n.Call(&v, "getrawtransaction", txid.String(), true)
	if err != nil {
		var re *rpcclient.Error
		if errors.As(err, &re) && re.Code == rpcclient.CodeInvalidAddress {
			return false
		}
		t.Fatalf("getrawtransaction %s: %v", txid, err)
	}
	return v.Confirmations > 0
}

// classify returns "confirmed", "mempool", "conflicted" (an input is spent
// by a confirmed transaction, or comes from a transaction that is itself
// conflicted), or why the transaction is unaccounted for.
func (c *classifier) classify(t *testing.T, txid chain.Hash) string {
	if v, ok := c.memo[txid]; ok {
		return v
	}
	c.memo[txid] = "cycle"
	v := c.judge(t, txid)
	c.memo[txid] = v
	return v
}

func (c *classifier) judge(t *testing.T, txid chain.Hash) string {
	if c.confirmed(t, txid) {
		return "confirmed"
	}
	if c.pool[txid.String()] {
		return "mempool"
	}
	s, ok := c.sent[txid]
	if !ok {
		return "unknown transaction"
	}
	for _, in := range s.tx.Inputs {
		var out json.RawMessage
		c.n.Must(&out, "gettxout", in.PrevOut.TxID.String(), in.PrevOut.Index, false)
		if string(out) != "null" {
			continue // still unspent on the chain: not what made it fail
		}
		if c.confirmed(t, in.PrevOut.TxID) {
			return "conflicted" // created on the chain, spent there by another transaction
		}
		if _, ours := c.sent[in.PrevOut.TxID]; ours && c.classify(t, in.PrevOut.TxID) == "conflicted" {
			return "conflicted"
		}
	}
	return "lost: not confirmed, in no mempool, and no input spent by a confirmed transaction"
}
