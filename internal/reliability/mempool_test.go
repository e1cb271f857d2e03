package reliability

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/internal/e2e"
)

func mempoolIDs(t testing.TB, n *e2e.Proc) []string {
	t.Helper()
	var ids []string
	n.Must(&ids, "getrawmempool")
	slices.Sort(ids)
	return ids
}

// TestMempoolSurvivesKill: transactions a node accepted (a chain of
// unconfirmed payments and an independent one) are still in its mempool
// after a SIGKILL and a restart, even with a damaged tail in its mempool
// file; a transaction accepted while its networking was off reaches a peer
// when it comes back; restored transactions reach a peer that connects
// later, and get mined.
func TestMempoolSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	genesis, params := e2e.WriteGenesis(t, testGenesis())
	a := e2e.StartProc(t, e2e.ProcConfig{Dir: filepath.Join(t.TempDir(), "a"), Genesis: genesis})
	var want []string
	next := genesisCoin(params, "alice")
	for i := 0; i < 5; i++ {
		tx := pay(t, params, []coin{next}, 1000, payee{"alice", 0}, payee{"carol", chain.UnitsPerCoin})
		a.Must(nil, "sendrawtransaction", txHex(tx))
		want = append(want, tx.TxID().String())
		next = outputs(tx, "alice", "carol")[0]
	}
	a.Must(nil, "setnetworkactive", false)
	offline := pay(t, params, []coin{genesisCoin(params, "bob")}, 1000, payee{"bob", 0}, payee{"dave", chain.UnitsPerCoin})
	a.Must(nil, "sendrawtransaction", txHex(offline))
	want = append(want, offline.TxID().String())
	slices.Sort(want)

	a.Kill()
	a.Start()
	if got := mempoolIDs(t, a); !slices.Equal(got, want) {
		t.Fatalf("mempool after SIGKILL: %v, want %v", got, want)
	}
	// A write cut by a crash leaves a partial record at the end.
	a.Kill()
	f, err := os.OpenFile(filepath.Join(a.Dir(), "mempool.dat"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0xfe, 0x03, 0x01, 0x00})
	f.Close()
	a.Start()
	if got := mempoolIDs(t, a); !slices.Equal(got, want) {
		t.Fatalf("mempool after a damaged tail: %v, want %v", got, want)
	}

	// A peer that connects later hears of every transaction, and mines them.
	b := e2e.StartProc(t, e2e.ProcConfig{Dir: filepath.Join(t.TempDir(), "b"), Genesis: genesis, Peers: []string{a.Addr()}})
	e2e.WaitFor(t, 20*time.Second, "the peer to receive the restored transactions", func() bool {
		return slices.Equal(mempoolIDs(t, b), want)
	})
	b.Must(nil, "generatetoaddress", 1, addr("miner"))
	waitSameTip(t, 20*time.Second, a, b)
	e2e.WaitFor(t, 10*time.Second, "the mempools to empty", func() bool {
		return len(mempoolIDs(t, a)) == 0 && len(mempoolIDs(t, b)) == 0
	})
	a.Kill()
	a.Start()
	if got := mempoolIDs(t, a); len(got) != 0 {
		t.Fatalf("confirmed transactions came back after a restart: %v", got)
	}
	mustVerify(t, a)
	noPanic(t, a, b)
}
