package lab

import (
	"errors"
	"testing"
)

// FuzzParseConfig: any bytes give a config or an ErrConfig, never a panic,
// and a config that parses builds a lab (New checks what Normalize let
// through).
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{"nodes": 3}`,
		`{"nodes": 4, "topology": {"kind": "random-regular", "degree": 2}, "latency_ms": {"dist": "lognormal", "median": 50, "sigma": 1}}`,
		`{"nodes": 3, "topology": {"kind": "edges", "edges": [[0, 1], [1, 2]]}, "links": [{"from": 0, "to": 1, "latency_ms": 5}]}`,
		`{"nodes": 3, "miners": [{"node": 1, "share": 1, "strategy": "selfish"}], "stop": {"virtual_seconds": 100}}`,
		`{"nodes": 4, "partitions": [{"at_s": 1, "heal_s": 2, "groups": [[0], [1, 2]]}], "churn": [{"at_s": 1, "node": 3, "action": "join"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error without ErrConfig: %v", err)
			}
			return
		}
		if c.Nodes > 50 {
			return // building thousands of nodes is not what is fuzzed
		}
		if _, err := New(c, Options{}); err != nil && !errors.Is(err, ErrConfig) {
			t.Fatalf("New: %v", err)
		}
	})
}
