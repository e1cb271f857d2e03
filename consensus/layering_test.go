package consensus_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestConsensusBuildsWithoutDrivers keeps the rules free of storage and
// network code: the package and everything it imports must build without
// Badger, libp2p or package net (the Badger store lives in
// consensus/store/badgerstore).
func TestConsensusBuildsWithoutDrivers(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "badger") || strings.Contains(dep, "libp2p") || dep == "net" {
			t.Errorf("consensus depends on %s", dep)
		}
	}
}
