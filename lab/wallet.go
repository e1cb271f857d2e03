package lab

import (
	"fmt"
	"math"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
)

// walletState sends the config's transactions: a Poisson stream of tx_per_s
// signed transactions, each from a node chosen at random among the online
// ones, spending one of that node's coins (genesis allocations, then the
// outputs of its own earlier transactions) back to itself minus a fee. Each
// node spends its coins in turn, so unconfirmed chains stay shorter than the
// mempool's ancestor limit.
type walletState struct {
	perNode int
	coins   [][]coin // by node
	next    []int    // by node: the coin to spend next
	keys    []*btcec.PrivateKey
	addrs   []chain.Address
	sent    []sentTx
	owner   map[chain.Hash]int // txid -> index in sent
}

type coin struct {
	op     chain.OutPoint
	amount int64
}

type sentTx struct {
	txid chain.Hash
	tx   *chain.Transaction
	node int
}

const (
	coinAmount = 1000 * chain.UnitsPerCoin
	txFee      = 1000 // units: a few units per byte
)

func newWalletState(c *Config) *walletState {
	if c.TxPerS <= 0 {
		return nil
	}
	// Enough coins per node that a coin is spent about once a block
	// interval at most a few times (chains stay under 25 ancestors).
	perBlock := c.TxPerS * c.BlockIntervalS / float64(c.Nodes)
	perNode := int(math.Min(1000, math.Max(2, math.Ceil(perBlock/4))))
	w := &walletState{perNode: perNode, owner: map[chain.Hash]int{}}
	w.coins = make([][]coin, c.Nodes)
	w.next = make([]int, c.Nodes)
	for i := 0; i < c.Nodes; i++ {
		k, addr := nodeKey(i)
		w.keys = append(w.keys, k)
		w.addrs = append(w.addrs, addr)
	}
	return w
}

// allocs are the genesis allocations: perNode coins for every node.
func (w *walletState) allocs() []chain.Alloc {
	var out []chain.Alloc
	for i := range w.coins {
		for j := 0; j < w.perNode; j++ {
			out = append(out, chain.Alloc{Address: w.addrs[i].Encode("lab"), Amount: coinAmount})
		}
	}
	return out
}

func (l *Lab) scheduleTx() {
	w := l.wallet
	if w == nil {
		return
	}
	genesisTxID := l.params.GenesisBlock.Transactions[0].TxID()
	k := uint32(0)
	for i := range w.coins {
		for j := 0; j < w.perNode; j++ {
			w.coins[i] = append(w.coins[i], coin{op: chain.OutPoint{TxID: genesisTxID, Index: k}, amount: coinAmount})
			k++
		}
	}
	l.txRng = l.rng(streamTxs, 0)
	l.drawNextTx()
}

func (l *Lab) drawNextTx() {
	if l.mining.stopped {
		return
	}
	delay := l.txRng.ExpFloat64() / l.cfg.TxPerS
	l.q.push(event{t: l.now + max(1, usOf(delay)), kind: evTx})
}

// sendTx signs the next transaction of a random online node and hands it
// to that node's core as the node's RPC would.
func (l *Lab) sendTx(event) error {
	if l.mining.stopped {
		return nil
	}
	defer l.drawNextTx()
	var online []int
	for i, n := range l.nodes {
		if n.online {
			online = append(online, i)
		}
	}
	if len(online) == 0 {
		return nil
	}
	w := l.wallet
	i := online[l.txRng.IntN(len(online))]
	c := w.coins[i][w.next[i]]
	tx := &chain.Transaction{
		Version: 1,
		Inputs:  []chain.TxIn{{PrevOut: c.op}},
		Outputs: []chain.TxOut{{Amount: c.amount - txFee, Address: w.addrs[i]}},
	}
	spent := []chain.TxOut{{Amount: c.amount, Address: w.addrs[i]}}
	if err := chain.SignTransaction(tx, spent, []*btcec.PrivateKey{w.keys[i]}, l.params.GenesisHash); err != nil {
		return fmt.Errorf("lab: wallet of node %d: %w", i, err)
	}
	n := l.nodes[i]
	if _, err := n.core.SubmitTx(wall(l.now), tx); err != nil {
		// Refused (its coin was lost in a reorg): the coin stays for the
		// next try; nothing was submitted.
		l.serial.apply(n)
		w.next[i] = (w.next[i] + 1) % len(w.coins[i])
		return nil
	}
	l.serial.apply(n)
	txid := tx.TxID()
	w.owner[txid] = len(w.sent)
	w.sent = append(w.sent, sentTx{txid: txid, tx: tx, node: i})
	w.coins[i][w.next[i]] = coin{op: chain.OutPoint{TxID: txid, Index: 0}, amount: c.amount - txFee}
	w.next[i] = (w.next[i] + 1) % len(w.coins[i])
	l.trace.tx(l.now, i, txid)
	return nil
}

// reorged: node n disconnected blocks. Its wallet's transactions that were
// in them and went back to the mempool are announced again (a wallet
// rebroadcasts what is unconfirmed), so the other side of a healed
// partition hears of them. It only reads the wallet (a window's steps
// call it).
func (w *walletState) reorged(n *simNode, disconnected []*chain.Block) {
	if w == nil {
		return
	}
	for _, b := range disconnected {
		for _, tx := range b.Transactions[1:] {
			txid := tx.TxID()
			if k, ok := w.owner[txid]; ok && w.sent[k].node == n.idx {
				n.core.Rebroadcast(txid)
			}
		}
	}
}
