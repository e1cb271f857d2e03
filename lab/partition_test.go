package lab

import "testing"

// TestPartitionHeals (issue 12, 5c): 10 nodes split 40/60 of the hash
// power for an hour of 10-minute blocks, then healed. Every node ends on
// the majority's chain, every block the minority mined during the split is
// stale, and the transactions confirmed only on the minority's branch go
// back to the mempools and confirm again: none is lost.
func TestPartitionHeals(t *testing.T) {
	c := mustConfig(t, `{"nodes": 10, "latency_ms": 100, "block_interval_s": 600, "seed": 5,
		"stop": {"virtual_seconds": 10800}, "tx_per_s": 0.01,
		"partitions": [{"at_s": 0, "heal_s": 3600, "groups": [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9]]}]}`)
	res := run(t, c, Options{})
	s := res.Summary
	if !s.Converged {
		t.Fatalf("not converged: %+v", s)
	}
	hashes, miners, found := res.Blocks()
	minorityMined, majorityStale := 0, 0
	for i, h := range hashes {
		if found[i] >= 3600e6 {
			continue
		}
		if miners[i] < 4 {
			minorityMined++
			if res.OnMainChain(h) {
				t.Errorf("minority block %s (node %d) is on the final chain", h, miners[i])
			}
		} else if !res.OnMainChain(h) {
			majorityStale++
		}
	}
	if majorityMined := countBefore(miners, found, 3600e6, func(m int) bool { return m >= 4 }); majorityMined <= minorityMined {
		t.Fatalf("seed: the majority mined %d blocks during the split, the minority %d", majorityMined, minorityMined)
	}
	if minorityMined == 0 {
		t.Fatal("the minority mined nothing during the split: the test shows nothing")
	}
	if majorityStale > 0 {
		t.Errorf("%d majority blocks of the split are stale", majorityStale)
	}
	// Transactions sent to minority nodes during the split: confirmed there
	// first, then on the final chain.
	txids, nodes := res.SentTxs()
	reconfirmed := 0
	for i, txid := range txids {
		if nodes[i] < 4 && res.lab.confirmedOffMain(txid) {
			reconfirmed++
			if !res.Confirmed(txid) {
				t.Errorf("transaction %s (node %d) confirmed on the minority branch is not confirmed again", txid, nodes[i])
			}
		}
	}
	if reconfirmed == 0 {
		t.Fatal("no transaction was confirmed on the minority's branch: the test shows nothing")
	}
	// The last ones may still wait in the mempools when mining stops.
	if s.Txs.Lost != 0 || s.Txs.Confirmed+s.Txs.Pending != s.Txs.Submitted {
		t.Fatalf("txs: %+v", s.Txs)
	}
	t.Logf("%d minority blocks stale, %d transactions confirmed on the minority branch and again on the final chain, %+v", minorityMined, reconfirmed, s.Txs)
}

func countBefore(miners []int, found []int64, t int64, pick func(int) bool) int {
	n := 0
	for i, m := range miners {
		if found[i] < t && pick(m) {
			n++
		}
	}
	return n
}
