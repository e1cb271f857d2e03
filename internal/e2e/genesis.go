package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
)

// WriteGenesis writes g to a temporary genesis.json for `node run --genesis`
// and returns its path and the chain's parameters.
func WriteGenesis(t testing.TB, g *chain.Genesis) (string, *consensus.Params) {
	t.Helper()
	params, err := consensus.NewParams(g)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "genesis.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, params
}
