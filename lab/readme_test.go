package lab_test

import (
	"testing"

	"github.com/devchain/devchain/lab"
)

// TestPartitionHealsOnMajorityChain is the README's example.
func TestPartitionHealsOnMajorityChain(t *testing.T) {
	cfg, err := lab.ParseConfig([]byte(`{"nodes": 10, "latency_ms": 100, "seed": 5,
		"stop": {"virtual_seconds": 10800}, "tx_per_s": 0.01,
		"partitions": [{"at_s": 0, "heal_s": 3600, "groups": [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9]]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.New(cfg, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Summary; !s.Converged || s.Txs.Lost != 0 {
		t.Fatalf("converged %v, %d transactions lost", s.Converged, s.Txs.Lost)
	}
}
