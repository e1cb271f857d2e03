package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLabRun runs `node lab run` as a user would: three output files, the
// same bytes for the same seed, other bytes for --seed, and a clear error
// naming the field for a bad config.
func TestLabRun(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "lab.json")
	os.WriteFile(cfg, []byte(`{"nodes": 6, "topology": {"kind": "ring"}, "latency_ms": 80,
		"block_interval_s": 60, "stop": {"blocks": 30}, "tx_per_s": 0.05,
		"miners": [{"node": 0, "share": 0.3, "strategy": "selfish"}, {"node": 2, "share": 0.4}, {"node": 4, "share": 0.3}]}`), 0o644)
	labRun := func(out string, extra ...string) (string, int) {
		var stderr bytes.Buffer
		code := run(append([]string{"lab", "run", "--config", cfg, "--out", out}, extra...), &bytes.Buffer{}, &stderr)
		return stderr.String(), code
	}
	read := func(out, name string) []byte {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	for _, out := range []string{a, b} {
		if msg, code := labRun(out); code != 0 {
			t.Fatalf("exit %d: %s", code, msg)
		}
	}
	for _, name := range []string{"summary.json", "trace.jsonl"} {
		if !bytes.Equal(read(a, name), read(b, name)) {
			t.Errorf("%s differs between two runs of the same seed", name)
		}
	}
	if svg := read(a, "tree.svg"); !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("tree.svg starts with %.20q", svg)
	}
	var s struct {
		Seed        int64 `json:"seed"`
		BlocksMined int   `json:"blocks_mined"`
		Miners      []struct {
			RevenueShare float64 `json:"revenue_share"`
		} `json:"miners"`
	}
	if err := json.Unmarshal(read(a, "summary.json"), &s); err != nil || s.Seed != 1 || s.BlocksMined != 30 || len(s.Miners) != 3 {
		t.Fatalf("summary: %+v %v", s, err)
	}
	if msg, code := labRun(c, "--seed", "9"); code != 0 || bytes.Equal(read(a, "summary.json"), read(c, "summary.json")) {
		t.Fatalf("--seed 9: exit %d %s, same summary as seed 1", code, msg)
	}
	os.WriteFile(cfg, []byte(`{"nodes": 6, "topolgy": {"kind": "ring"}}`), 0o644)
	if msg, code := labRun(filepath.Join(dir, "d")); code != 1 || !strings.Contains(msg, `unknown field "topolgy"`) {
		t.Fatalf("bad config: exit %d, %q", code, msg)
	}
}
