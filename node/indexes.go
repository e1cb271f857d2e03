package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devchain/devchain/consensus"
)

// indexesFile records in the datadir which optional indexes its store
// keeps. An index is only right if every start kept it: one skipped while
// blocks connected would answer wrong later. Building or dropping an index
// on an existing datadir is not supported, so a start with other indexes
// than the datadir's is refused before the store is opened.
const indexesFile = "indexes"

// indexers returns the engine's indexers from the configuration.
func (c *Config) indexers() []consensus.Indexer {
	ixs := []consensus.Indexer{}
	if !c.NoTxIndex {
		ixs = append(ixs, consensus.TxIndex{})
	}
	if !c.NoAddrIndex {
		ixs = append(ixs, consensus.AddressHistory{})
	}
	return ixs
}

func indexNames(ixs []consensus.Indexer) string {
	names := []string{}
	for _, ix := range ixs {
		names = append(names, ix.Name())
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, " ")
}

// checkIndexes refuses a datadir that kept other indexes. A datadir from
// before the file existed kept the default ones, unless its store is new.
func (n *Node) checkIndexes(storeIsNew bool) (keep func() error, err error) {
	want := indexNames(n.cfg.indexers())
	path := filepath.Join(n.cfg.DataDir, indexesFile)
	data, readErr := os.ReadFile(path)
	var kept string
	switch {
	case readErr == nil:
		kept = strings.TrimSpace(string(data))
	case errors.Is(readErr, os.ErrNotExist) && storeIsNew:
		kept = want
	case errors.Is(readErr, os.ErrNotExist):
		kept = indexNames(consensus.DefaultIndexers())
	default:
		return nil, fmt.Errorf("node: %w", readErr)
	}
	if kept != want {
		return nil, fmt.Errorf("node: the datadir %s keeps the indexes %q (see %s), this start asks for %q: start with the same --txindex and --addrindex, or use a new datadir (an index is not built or dropped on an existing one)",
			n.cfg.DataDir, kept, path, want)
	}
	// The file is written once the node started: a refused start writes
	// nothing.
	return func() error {
		if readErr == nil {
			return nil
		}
		if werr := os.WriteFile(path, []byte(want+"\n"), 0o600); werr != nil {
			return fmt.Errorf("node: %w", werr)
		}
		return nil
	}, nil
}
