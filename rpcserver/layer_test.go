package rpcserver_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServerIsAnAdapter: the server reaches the node only through its Node
// interface: it imports neither package node nor p2p nor libp2p.
func TestServerIsAnAdapter(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/devchain/devchain/rpcserver").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/devchain/devchain/node" || dep == "github.com/devchain/devchain/p2p" || strings.Contains(dep, "libp2p") {
			t.Errorf("rpcserver depends on %s", dep)
		}
	}
}
