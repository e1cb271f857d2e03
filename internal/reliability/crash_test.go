package reliability

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/internal/e2e"
)

// envInt reads a positive integer from the environment, def when unset.
func envInt(t testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// seed returns the test's random seed: DEVCHAIN_SEED when set (to replay a
// failure), else a fresh one; it is logged either way.
func seed(t testing.TB) uint64 {
	s := uint64(time.Now().UnixNano())
	if v := os.Getenv("DEVCHAIN_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("DEVCHAIN_SEED=%q: %v", v, err)
		}
		s = n
	}
	t.Logf("seed %d (replay with DEVCHAIN_SEED=%d)", s, s)
	return s
}

// utxoInfo is the part of gettxoutsetinfo the tests compare.
type utxoInfo struct {
	Height int    `json:"height"`
	Best   string `json:"bestblock"`
	TxOuts int    `json:"txouts"`
	Digest string `json:"hash_serialized"`
}

func txOutSet(t testing.TB, n *e2e.Proc) utxoInfo {
	t.Helper()
	var info utxoInfo
	n.Must(&info, "gettxoutsetinfo")
	return info
}

func mustVerify(t testing.TB, n *e2e.Proc) {
	t.Helper()
	var ok bool
	n.Must(&ok, "verifychain")
	if !ok {
		t.Fatalf("verifychain false on %s\n%s", n.Dir(), n.Tail(40))
	}
}

// crashStats counts what the crash test did, for docs/RELIABILITY.md.
type crashStats struct {
	kills      map[string]int
	midSync    int // kills while the victim was behind its peer
	maxBlocks  int
	verifyTime time.Duration
	restarts   time.Duration
}

// TestKillAnyMoment runs a peer and a victim `node run` process and kills
// the victim with SIGKILL at a random moment of one of five activities,
// DEVCHAIN_CRASH_KILLS times (default 24):
//
//   - generate: generatetoaddress of 200 blocks on the victim;
//   - miner: the built-in miner (setgenerate true) at full speed;
//   - sync: the victim restarts 300-600 blocks behind and syncs them;
//   - reorg: the victim, cut off (setnetworkactive false), mines its own
//     branch; the peer mines a heavier one; the victim reconnects and
//     reorgs to it;
//   - invalidate: invalidateblock 5-60 blocks deep (a reorg by hand).
//
// Blocks carry transactions (a chain of payments submitted to the peer).
// After each kill the victim restarts on the same datadir: verifychain
// (replay from genesis, compare UTXO set and address index) must be true,
// and the victim must catch up with the peer. At the end both have the same
// UTXO set digest.
func TestKillAnyMoment(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node processes")
	}
	kills := envInt(t, "DEVCHAIN_CRASH_KILLS", 24)
	rng := rand.New(rand.NewPCG(seed(t), 6))
	genesis, params := e2e.WriteGenesis(t, testGenesis())
	peer := e2e.StartProc(t, e2e.ProcConfig{Dir: filepath.Join(t.TempDir(), "peer"), Genesis: genesis})
	victim := e2e.StartProc(t, e2e.ProcConfig{
		Dir: filepath.Join(t.TempDir(), "victim"), Genesis: genesis,
		Peers: []string{peer.Addr()}, Args: []string{"--miner-address", addr("victim")},
	})
	defer func() {
		if t.Failed() {
			t.Logf("victim log:\n%s", victim.Tail(80))
			t.Logf("peer log:\n%s", peer.Tail(30))
		}
	}()
	peer.Must(nil, "generatetoaddress", 20, addr("miner"))
	waitSameTip(t, 30*time.Second, peer, victim)

	// A chain of payments from alice's genesis coin, one per cycle, so that
	// blocks spend and create outputs and the address index moves.
	next := genesisCoin(params, "alice")
	payOnce := func() {
		tx := pay(t, params, []coin{next}, 2000, payee{"alice", 0}, payee{"carol", chain.UnitsPerCoin / 10})
		if err := peer.Call(nil, "sendrawtransaction", txHex(tx)); err != nil {
			t.Fatalf("sendrawtransaction: %v", err)
		}
		next = outputs(tx, "alice", "carol")[0]
	}

	// background runs a call that the kill will interrupt; its error is
	// expected and ignored.
	var bg sync.WaitGroup
	background := func(method string, params ...any) {
		bg.Add(1)
		go func() {
			defer bg.Done()
			_ = victim.Call(nil, method, params...)
		}()
	}
	stats := crashStats{kills: map[string]int{}}
	pause := func(max time.Duration) { time.Sleep(time.Duration(rng.Int64N(int64(max)))) } // the random moment of the kill

	kinds := []string{"generate", "miner", "sync", "reorg", "invalidate"}
	for i := 0; i < kills; i++ {
		kind := kinds[i%len(kinds)]
		if i >= len(kinds) {
			kind = kinds[rng.IntN(len(kinds))]
		}
		payOnce()
		var reconsider string
		switch kind {
		case "generate":
			background("generatetoaddress", 200, addr("victim"))
			pause(150 * time.Millisecond)
		case "miner":
			victim.Must(nil, "setgenerate", true, 1)
			pause(150 * time.Millisecond)
		case "sync":
			victim.Kill()
			peer.Must(nil, "generatetoaddress", 300+rng.IntN(300), addr("miner"))
			victim.Start()
			pause(300 * time.Millisecond)
		case "reorg":
			victim.Must(nil, "setnetworkactive", false)
			own := 3 + rng.IntN(10)
			victim.Must(nil, "generatetoaddress", own, addr("victim"))
			peer.Must(nil, "generatetoaddress", own+5+rng.IntN(30), addr("miner"))
			victim.Must(nil, "setnetworkactive", true)
			pause(200 * time.Millisecond)
		case "invalidate":
			height := victim.Height()
			depth := 5 + rng.IntN(55)
			if depth >= height {
				depth = height - 1
			}
			victim.Must(&reconsider, "getblockhash", height-depth)
			background("invalidateblock", reconsider)
			pause(60 * time.Millisecond)
		}
		peerHeight := peer.Height()
		if h := victim.Height(); h >= 0 && h < peerHeight {
			stats.midSync++
		}
		victim.Kill()
		bg.Wait()
		stats.kills[kind]++

		start := time.Now()
		victim.Start()
		stats.restarts += time.Since(start)
		noPanic(t, victim)
		start = time.Now()
		mustVerify(t, victim)
		stats.verifyTime += time.Since(start)
		if reconsider != "" {
			victim.Must(nil, "reconsiderblock", reconsider)
		}
		// A block mined by the victim after its peer's tip may put the
		// peer behind; either way both must end on one tip.
		waitSameTip(t, 60*time.Second, peer, victim)
		stats.maxBlocks = max(stats.maxBlocks, victim.Height())
	}
	peer.Must(nil, "generatetoaddress", 1, addr("miner"))
	waitSameTip(t, 30*time.Second, peer, victim)
	mustVerify(t, peer)
	mustVerify(t, victim)
	a, b := txOutSet(t, peer), txOutSet(t, victim)
	if a != b {
		t.Fatalf("UTXO sets differ: peer %+v, victim %+v", a, b)
	}
	noPanic(t, peer, victim)
	t.Logf("kills: %v (%d total, %d while behind the peer); chain %d blocks, %d UTXOs; mean restart %v, mean verifychain %v",
		stats.kills, kills, stats.midSync, stats.maxBlocks, a.TxOuts,
		(stats.restarts / time.Duration(kills)).Round(time.Millisecond), (stats.verifyTime / time.Duration(kills)).Round(time.Millisecond))
}
