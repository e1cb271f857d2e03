package lab

import (
	"bytes"
	"runtime"
	"testing"
)

// TestWindowsChangeNoByte: stepping nodes in windows on every core gives
// the bytes of stepping one event at a time, on one core or two, for a run
// with everything that crosses nodes: selfish withholding, transactions
// and reorgs, a partition, churn, bandwidth queues and message traces.
// Windows of two nodes or more use the workers here (32 in a real run).
// (CI runs it under -race.)
func TestWindowsChangeNoByte(t *testing.T) {
	js := `{"nodes": 40, "topology": {"kind": "random-regular", "degree": 6},
		"latency_ms": {"dist": "lognormal", "median": 150, "sigma": 0.5}, "bandwidth_mbps": 4,
		"block_interval_s": 30, "stop": {"blocks": 14}, "tx_per_s": 0.2,
		"miners": [{"node": 0, "share": 0.3, "strategy": "selfish"}, {"node": 20, "share": 0.35}, {"node": 30, "share": 0.35}],
		"partitions": [{"at_s": 120, "heal_s": 240, "groups": [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [20, 21]]}],
		"churn": [{"at_s": 100, "node": 5, "action": "leave"}, {"at_s": 300, "node": 5, "action": "join"}]}`
	once := func(procs int, oneAtATime bool) (summary, trace []byte) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var tr bytes.Buffer
		res := run(t, mustConfig(t, js), Options{Trace: &tr, TraceMessages: true, oneEventAtATime: oneAtATime, parallelFrom: 2})
		if w := res.lab.window; !oneAtATime && procs > 1 && (w == nil || w.parallel == 0) {
			t.Fatal("no window used the workers")
		}
		var sb bytes.Buffer
		if err := res.WriteSummary(&sb); err != nil {
			t.Fatal(err)
		}
		return sb.Bytes(), tr.Bytes()
	}
	s0, t0 := once(2, true)
	for _, procs := range []int{1, 2} {
		s, tr := once(procs, false)
		if !bytes.Equal(s, s0) {
			t.Fatalf("GOMAXPROCS=%d: windows changed the summary:\n%s\none at a time:\n%s", procs, s, s0)
		}
		if !bytes.Equal(tr, t0) {
			t.Fatalf("GOMAXPROCS=%d: windows changed the trace (%d bytes, one at a time %d)", procs, len(tr), len(t0))
		}
	}
	for _, ev := range []string{`"event":"reorg"`, `"event":"published"`, `"event":"partition"`, `"event":"leave"`, `"event":"tx"`} {
		if !bytes.Contains(t0, []byte(ev)) {
			t.Errorf("the run has no %s line: it does not test what it says", ev)
		}
	}
}
