package reliability

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/internal/e2e"
)

// testGenesis is the harness chain without retargeting (regtest-like): the
// pow limit stays the target, so tests mine thousands of blocks quickly.
// alice and bob hold 100 coins each from the genesis.
func testGenesis() *chain.Genesis {
	g := consensustest.TestGenesis()
	g.RetargetIntervalBlocks = 0
	return g
}

// addr is a harness key's address on the test chain.
func addr(name string) string { return consensustest.Address(name).Encode("test") }

// waitSameTip waits until every node answers the same best block hash.
func waitSameTip(t testing.TB, timeout time.Duration, nodes ...*e2e.Proc) string {
	t.Helper()
	var tip string
	e2e.WaitFor(t, timeout, "the nodes to agree on a tip", func() bool {
		tip = nodes[0].BestHash()
		if tip == "" {
			return false
		}
		for _, n := range nodes[1:] {
			if n.BestHash() != tip {
				return false
			}
		}
		return true
	})
	return tip
}

// waitHeight waits until every node's best block is at height h or above.
func waitHeight(t testing.TB, timeout time.Duration, h int, nodes ...*e2e.Proc) {
	t.Helper()
	e2e.WaitFor(t, timeout, "the nodes to reach the height mined", func() bool {
		for _, n := range nodes {
			if n.Height() < h {
				return false
			}
		}
		return true
	})
}

// sameTip reports whether every node answers the same best block hash now.
func sameTip(nodes ...*e2e.Proc) bool {
	tip := nodes[0].BestHash()
	for _, n := range nodes[1:] {
		if n.BestHash() != tip {
			return false
		}
	}
	return tip != ""
}

// noPanic fails the test if a node's log shows a Go panic.
func noPanic(t testing.TB, nodes ...*e2e.Proc) {
	t.Helper()
	for _, n := range nodes {
		if trace, ok := e2e.PanicIn(n.Log()); ok {
			t.Fatalf("node in %s panicked:\n%s", n.Dir(), trace)
		}
	}
}

// coin is an output a test can spend: its outpoint, amount and owner.
type coin struct {
	op     chain.OutPoint
	amount int64
	owner  string // consensustest key name
}

// genesisCoin is the genesis allocation of name (alice is output 0, bob 1).
func genesisCoin(params *consensus.Params, name string) coin {
	g := params.GenesisBlock.Transactions[0]
	i := map[string]uint32{"alice": 0, "bob": 1}[name]
	return coin{op: chain.OutPoint{TxID: g.TxID(), Index: i}, amount: g.Outputs[i].Amount, owner: name}
}

// pay signs a transaction spending in to the payees (amounts in units);
// whatever is left after fee goes back to the first payee.
func pay(t testing.TB, params *consensus.Params, in []coin, fee int64, payees ...payee) *chain.Transaction {
	t.Helper()
	tx := &chain.Transaction{Version: 1}
	var total int64
	spent := make([]chain.TxOut, len(in))
	keys := make([]*btcec.PrivateKey, len(in))
	for i, c := range in {
		tx.Inputs = append(tx.Inputs, chain.TxIn{PrevOut: c.op})
		spent[i] = chain.TxOut{Amount: c.amount, Address: consensustest.Address(c.owner)}
		keys[i] = consensustest.Key(c.owner)
		total += c.amount
	}
	rest := total - fee
	for _, p := range payees {
		tx.Outputs = append(tx.Outputs, chain.TxOut{Amount: p.amount, Address: consensustest.Address(p.name)})
		rest -= p.amount
	}
	if rest < 0 {
		t.Fatalf("pay: inputs %d do not cover the outputs and fee %d", total, fee)
	}
	tx.Outputs[0].Amount += rest
	if err := chain.SignTransaction(tx, spent, keys, params.GenesisHash); err != nil {
		t.Fatal(err)
	}
	return tx
}

type payee struct {
	name   string
	amount int64
}

// outputs returns tx's outputs as coins.
func outputs(tx *chain.Transaction, owners ...string) []coin {
	out := make([]coin, len(tx.Outputs))
	for i, o := range tx.Outputs {
		out[i] = coin{op: chain.OutPoint{TxID: tx.TxID(), Index: uint32(i)}, amount: o.Amount, owner: owners[i]}
	}
	return out
}

func txHex(tx *chain.Transaction) string { return hex.EncodeToString(tx.Serialize()) }
